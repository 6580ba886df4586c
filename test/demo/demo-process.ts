/**
 * Runs `saima demo` as a child process (dist when SAIMA_TEST_CLI=dist, else the source through tsx) with the
 * no-egress preload, on a free port and a temporary SQLite file, and follows its printed story line by line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CLI_ARGS } from '../support/cli.js';

const NO_EGRESS = fileURLToPath(new URL('../support/no-egress.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface DemoProcess {
  child: ChildProcess;
  lines: string[];
  /** The gateway's base URL, from the demo's second line. */
  url: string;
  startedAt: number;
  waitForLine(re: RegExp, timeoutMs: number): Promise<string>;
  /** Egress attempts the preload recorded (JSON lines). */
  egress(): string[];
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

export async function startDemo(t: TestContext, args: string[] = ['--fast']): Promise<DemoProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'saima-demo-'));
  const egressLog = join(dir, 'egress.jsonl');
  const startedAt = performance.now();
  const child = spawn(process.execPath, ['--import', NO_EGRESS, ...CLI_ARGS, 'demo', ...args, '--port', '0', '--store', join(dir, 'demo.db')], {
    cwd: ROOT,
    env: { ...process.env, SAIMA_EGRESS_LOG: egressLog },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  let buffered = '';
  const waiters = new Set<() => void>();
  child.stdout!.on('data', (d: Buffer) => {
    buffered += d.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    lines.push(...parts);
    for (const w of waiters) w();
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  });

  const waitForLine = (re: RegExp, timeoutMs: number) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const hit = lines.find((l) => re.test(l));
        if (hit !== undefined) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(hit);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no line matching ${re} within ${timeoutMs} ms\nstdout:\n${lines.join('\n')}\nstderr:\n${stderr.slice(-4000)}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });

  const first = await waitForLine(/^gateway (http:\/\/127\.0\.0\.1:\d+) /, 30_000);
  return {
    child,
    lines,
    url: /^gateway (http:\/\/127\.0\.0\.1:\d+) /.exec(first)![1]!,
    startedAt,
    waitForLine,
    egress: () => {
      try {
        return readFileSync(egressLog, 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
