/** Runs the `saima` CLI as a child process (through tsx, from source) and collects its output. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SOURCE = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const BUILT = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
/** `npm test` builds first and sets SAIMA_TEST_CLI=dist; a single test file run on its own uses the source. */
const USE_BUILT = process.env.SAIMA_TEST_CLI === 'dist';
const MAIN = USE_BUILT ? BUILT : SOURCE;
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

