/**
 * Redis's MONITOR on a plain socket, for tests that must see exactly which commands one client sent. ioredis's
 * own monitor mode can misread a monitor line as a reply when other clients keep Redis busy (its "command queue
 * state error"), and the test suite shares one Redis between files; here every line is parsed as a monitor line.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import type { Redis } from 'ioredis';

export interface MonitoredCommand {
  /** `ip:port` of the client that sent it, or `lua` for a command a script ran. */
  source: string;
  /** The command and its arguments, unescaped. */
  args: string[];
}

export interface CommandWatch {
  readonly commands: MonitoredCommand[];
  /** Script runs (EVAL, EVALSHA) that `client`'s connection sent, in order. */
  scriptsOf(client: Redis): MonitoredCommand[];
  /** Resolves once everything `client` sent before the call has been seen (its marked PING has come through). */
  caughtUp(client: Redis): Promise<void>;
  close(): void;
}

const sourceOf = (client: Redis): string => `${client.stream.localAddress}:${client.stream.localPort}`;

/** Starts monitoring the Redis at `url`; resolves once Redis has confirmed MONITOR. */
export function watchRedisCommands(url: string): Promise<CommandWatch> {
  const u = new URL(url);
  const commands: MonitoredCommand[] = [];
  const waiters: Array<{ seen: (c: MonitoredCommand) => boolean; done: () => void }> = [];
  const watch = (socket: Socket): CommandWatch => ({
    commands,
    scriptsOf: (client) => commands.filter((c) => c.source === sourceOf(client) && /^eval(sha)?$/i.test(c.args[0] ?? '')),
    async caughtUp(client) {
      const marker = `caught-up-${randomBytes(6).toString('hex')}`;
      const source = sourceOf(client);
      const seen = new Promise<void>((done, fail) => {
        const timer = setTimeout(() => fail(new Error('MONITOR did not show the marked PING within 5 s')), 5000);
        waiters.push({ seen: (c) => c.source === source && c.args[1] === marker, done: () => (clearTimeout(timer), done()) });
      });
      await client.ping(marker);
      await seen;
    },
    close: () => socket.destroy(),
  });
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(Number(u.port || 6379), u.hostname);
    let buffered = '';
    let confirmed = false;
    socket.setEncoding('latin1');
    socket.once('error', reject);
    socket.once('connect', () => socket.write('MONITOR\r\n'));
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      let end: number;
      while ((end = buffered.indexOf('\r\n')) >= 0) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        if (!confirmed) {
          if (line !== '+OK') return reject(new Error(`MONITOR refused: ${line}`));
          confirmed = true;
          resolve(watch(socket));
          continue;
        }
        const parsed = parseMonitorLine(line);
        if (!parsed) continue;
        commands.push(parsed);
        for (let i = waiters.length - 1; i >= 0; i--) {
          if (waiters[i]!.seen(parsed)) waiters.splice(i, 1)[0]!.done();
        }
      }
    });
  });
}

/** `+1700000000.123456 [0 127.0.0.1:5000] "evalsha" "ab" "a \"quoted\" \x1f"` → source and arguments. */
function parseMonitorLine(line: string): MonitoredCommand | null {
  const head = /^\+\d+\.\d+ \[\d+ ([^\]]+)\] /.exec(line);
  if (!head) return null;
  const args: string[] = [];
  for (const m of line.slice(head[0].length).matchAll(/"((?:[^"\\]|\\.)*)"/g)) args.push(unescape(m[1]!));
  return { source: head[1]!, args };
}

function unescape(s: string): string {
  return s.replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_, e: string) => {
    if (e[0] === 'x' && e.length === 3) return String.fromCharCode(parseInt(e.slice(1), 16));
    return ({ n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b' } as Record<string, string>)[e] ?? e;
  });
}
