/**
 * What `saima serve` prints: stdout is the log stream alone (one JSON record a line, the start line with the
 * address and the dashboard among them); stderr holds only what must stay out of a log pipeline (the first admin
 * key) and, when the log level hides info records, the start line so that the address is never silent.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { CLI_ARGS } from '../support/cli.js';

/** Starts `saima serve` on a fresh store, waits until it listens, stops it with SIGTERM, returns both streams. */
async function serveOnce(t: TestContext, lines: string[]): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const dir = mkdtempSync(join(tmpdir(), 'saima-serve-out-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cfg = join(dir, 'saima.yaml');
  writeFileSync(cfg, ['server: { host: 127.0.0.1, port: 0 }', `store: "sqlite:${join(dir, 's.db')}"`, 'contenders:', '  m: { provider: mock, model: m }', ...lines].join('\n'));
  const child = spawn(process.execPath, [...CLI_ARGS, 'serve', '--config', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => void (child.exitCode === null && child.signalCode === null && child.kill('SIGKILL')));
  let stdout = '';
  let stderr = '';
  const started = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start in 30 s: ${stdout}${stderr}`)), 30_000);
    const check = (): void => {
      if (/listening on http/.test(stdout + stderr)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', (d) => ((stdout += d), check()));
    child.stderr.on('data', (d) => ((stderr += d), check()));
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stdout}${stderr}`)));
  });
  await started;
  const code = await new Promise<number | null>((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', (c) => resolve(c));
    child.kill('SIGTERM');
  });
  return { stdout, stderr, code };
}

function records(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        throw new Error(`a stdout line is not a JSON log record: ${l}`);
      }
    });
}

test('serve: stdout is JSON records only, the start line names the address and the dashboard; stderr has only the admin key', async (t) => {
  const { stdout, stderr, code } = await serveOnce(t, ['auth: { mode: keys }']);
  assert.equal(code, 0);
  const recs = records(stdout);
  const start = recs.find((r) => typeof r.msg === 'string' && r.msg.includes('listening on'));
  assert.ok(start, `no start record in ${stdout}`);
  assert.match(String(start.msg), /^saima listening on (http:\/\/127\.0\.0\.1:\d+) \(dashboard \1\/ui\/; races: none; auth: keys; store: sqlite\)$/);
  const errLines = stderr.split('\n').filter((l) => l !== '');
  assert.equal(errLines.length, 1, `stderr: ${stderr}`);
  assert.match(errLines[0]!, /^saima: created the first admin key \(shown once, store it now\): sk-saima-/);
  assert.ok(!stdout.includes('sk-saima-'), 'the admin key must stay out of the log stream');
});

test('serve: with the log level above info, the address still shows, once, on stderr', async (t) => {
  const { stdout, stderr } = await serveOnce(t, ['auth: { mode: none }', 'log: { level: warn }']);
  records(stdout);
  assert.doesNotMatch(stdout, /listening/);
  assert.match(stderr, /^saima: listening on http:\/\/127\.0\.0\.1:\d+ \(dashboard http:\/\/127\.0\.0\.1:\d+\/ui\/\)\n$/);
});
