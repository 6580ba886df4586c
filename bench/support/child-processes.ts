/**
 * Starts each benchmarked server as its own child process (so /proc/PID/stat charges it alone), waits until it
 * answers HTTP, and kills every child at the end, also when the benchmark itself fails or is interrupted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';

export interface ChildSpec {
  name: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  port: number;
  /** GET this path until it answers; with `readyStatus`, until it answers that status. */
  readyPath: string;
  readyStatus?: number;
  readyTimeoutMs?: number;
}

export interface ChildServer {
  name: string;
  pid: number;
  port: number;
  url: string;
  /** The end of the child's stdout/stderr, for error reports. */
  tail(chars?: number): string;
}

/** A port that was free a moment ago (the child binds it; a clash would show up as a start failure). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** How a child is started instead of `node ...args` (e.g. under a profiler), or null to start it as it is. */
export type ChildWrapper = (spec: ChildSpec) => { command: string; args: string[]; env?: NodeJS.ProcessEnv; readyTimeoutMs?: number } | null;

export class ChildProcesses {
  readonly #logDir: string;
  readonly #children = new Map<string, ChildProcess>();
  readonly #wrap: ChildWrapper;

  constructor(logDir: string, wrap: ChildWrapper = () => null) {
    this.#logDir = logDir;
    this.#wrap = wrap;
    // A synchronous last resort: `exit` handlers cannot await, so whatever is still alive gets SIGKILL.
    process.once('exit', () => this.killNow());
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.once(sig, () => {
        this.killNow();
        process.exit(130);
      });
    }
  }

  /** Starts a node child with `spec.args` (or as the wrapper says); throws with the child's output when it exits or never gets ready. */
  async start(spec: ChildSpec): Promise<ChildServer> {
    const logPath = join(this.#logDir, `${spec.name}.log`);
    const fd = openSync(logPath, 'a');
    const wrapped = this.#wrap(spec);
    const child = wrapped
      ? spawn(wrapped.command, wrapped.args, { env: { ...process.env, ...spec.env, ...wrapped.env }, stdio: ['ignore', fd, fd] })
      : spawn(process.execPath, spec.args, { env: { ...process.env, ...spec.env }, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    this.#children.set(spec.name, child);
    const tail = (chars = 2000): string => {
      try {
        return readFileSync(logPath, 'utf8').slice(-chars).trim();
      } catch {
        return '';
      }
    };
    let exit: string | null = null;
    child.once('exit', (code, signal) => (exit = `exited with ${signal ?? `code ${code}`}`));
    child.once('error', (err) => (exit = `failed to spawn: ${err.message}`));
    const url = `http://127.0.0.1:${spec.port}`;
    const readyMs = wrapped?.readyTimeoutMs ?? spec.readyTimeoutMs ?? 30_000;
    const deadline = Date.now() + readyMs;
    for (;;) {
      if (exit) throw new Error(`${spec.name} ${exit}: ${tail(1200) || '(no output)'}`);
      try {
        const res = await request(url + spec.readyPath, { method: 'GET', headersTimeout: 1000, bodyTimeout: 1000 });
        await res.body.dump();
        if (spec.readyStatus === undefined || res.statusCode === spec.readyStatus) break;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) {
        await this.stop(spec.name);
        throw new Error(`${spec.name} not ready after ${readyMs} ms: ${tail(1200) || '(no output)'}`);
      }
      await sleep(100);
    }
    if (child.pid === undefined) throw new Error(`${spec.name} has no pid`);
    return { name: spec.name, pid: child.pid, port: spec.port, url, tail };
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(name: string, graceMs = 3000): Promise<void> {
    const child = this.#children.get(name);
    this.#children.delete(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(timer);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#children.keys()].map((name) => this.stop(name)));
  }

  killNow(): void {
    for (const child of this.#children.values()) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    this.#children.clear();
  }
}
