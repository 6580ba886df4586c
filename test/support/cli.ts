/** Runs the `saima` CLI as a child process (through tsx, from source) and collects its output. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

const SOURCE = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const BUILT = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
/** `npm test` builds first and sets SAIMA_TEST_CLI=dist; a single test file run on its own uses the source. */
const USE_BUILT = process.env.SAIMA_TEST_CLI === 'dist';
/** Arguments that run the CLI entry point: node [--import tsx] MAIN. */
export const CLI_ARGS: readonly string[] = USE_BUILT ? [BUILT] : ['--import', 'tsx', SOURCE];

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI_ARGS, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}


export interface ServeChild {
  /** The base URL from the gateway's "listening on" line. */
  url: string;
  child: ChildProcess;
  /** Everything the process printed so far, stdout and stderr. */
  output: () => string;
  /** Resolves with the exit code when the process ends. */
  exited: Promise<number | null>;
}

/**
 * `saima serve --config FILE` as its own process, resolved once it says where it listens (port 0 in the config
 * picks a free one); killed after the test if still running. `nodeArgs` go to node itself (V8 flags, say).
 */
export async function serveChild(t: TestContext, configFile: string, opts: { env?: NodeJS.ProcessEnv; args?: string[]; nodeArgs?: string[] } = {}): Promise<ServeChild> {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...CLI_ARGS, 'serve', '--config', configFile, ...(opts.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
  t.after(() => void (child.exitCode === null && child.signalCode === null && child.kill('SIGKILL')));
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`saima serve did not start in 20 s: ${out}`)), 20_000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`saima serve exited with ${code}: ${out}`));
    });
  });
  return { url, child, output: () => out, exited };
}

/**
 * A `saima serve` child on a fresh SQLite file: writes a config of the loopback listener (port 0), the store, and
 * `lines` (auth, contenders, races…) to a temp folder removed after the test. `db` is the SQLite file, to read the
 * request log from.
 */
export async function serveOnSqlite(t: TestContext, lines: readonly string[], opts: { env?: NodeJS.ProcessEnv; nodeArgs?: string[] } = {}): Promise<ServeChild & { db: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'saima-serve-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = join(dir, 'saima.db');
  const cfg = join(dir, 'saima.yaml');
  writeFileSync(cfg, ['server: { host: 127.0.0.1, port: 0 }', `store: "sqlite:${db}"`, ...lines].join('\n'));
  return { ...(await serveChild(t, cfg, opts)), db };
}
