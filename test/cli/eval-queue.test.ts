/**
 * `saima eval run --queue` and `saima eval resume --queue`: a `saima worker` child process makes the calls through
 * Redis into a shared PostgreSQL store, the CLI shows the same progress line, report and exit codes as an
 * in-process run, and an interrupted queued run resumes without asking any completed call again. Without `redis:`
 * or with a SQLite store the CLI refuses in one line.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadSuite } from '../../src/eval/suite.js';
import { CLI_ARGS, runCli } from '../support/cli.js';
import { storeUrlFor } from '../support/databases.js';
import { solver, startEvalUpstream } from '../support/fake-eval-upstreams.js';
import { clusterEnv } from '../cluster/cluster-harness.js';

const SUITE = fileURLToPath(new URL('../../examples/suites/arithmetic-bilingual.yaml', import.meta.url));
const CALLS = 306;

interface Report {
  run: { id: string; status: string; missing: number };
  contenders: Array<{ score: { score: { value: number } } }>;
}

test('--queue needs redis: and a PostgreSQL store:, said in one line', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'saima-queue-cfg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const contenders = { s: { provider: 'mock', model: 's', mock: { default_answer: '1' } } };
  const noRedis = join(dir, 'no-redis.json');
  writeFileSync(noRedis, JSON.stringify({ store: await storeUrlFor('postgres', t), contenders }));
  const sqlite = join(dir, 'sqlite.json');
  writeFileSync(sqlite, JSON.stringify({ store: `sqlite:${join(dir, 's.db')}`, redis: 'redis://127.0.0.1:6379', contenders }));

  for (const [cfg, says] of [
    [noRedis, /--queue needs `redis:`/],
    [sqlite, /--queue needs a PostgreSQL `store:`/],
  ] as const) {
    for (const args of [['eval', 'run', SUITE, '--contenders', 's'], ['eval', 'resume', 'run_nothing']]) {
      const r = await runCli([...args, '--queue', '--config', cfg]);
      assert.notEqual(r.code, 0, `${args[1]} refused`);
      assert.match(r.stderr, says);
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
      assert.equal(r.stdout, '');
    }
  }
});

test('a queued run interrupted with Ctrl-C resumes on the queue; every call is asked once, by the worker', async (t) => {
  const env = await clusterEnv(t);
  // The queue needs PostgreSQL whatever the harness's default dialect is.
  const storeUrl = await storeUrlFor('postgres', t);
  const up = await startEvalUpstream(solver(loadSuite(SUITE)), { delayMs: 20 });
  t.after(() => up.close());
  const dir = mkdtempSync(join(tmpdir(), 'saima-queue-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cfg = join(dir, 'saima.json');
  writeFileSync(cfg, JSON.stringify({ store: storeUrl, redis: env.redisUrl, contenders: { s: { provider: 'openai', base_url: up.url, api_key: 'sk-test', model: 's' } } }));

  const worker = spawn(process.execPath, [...CLI_ARGS, 'worker', '--config', cfg, '--concurrency', '4'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let workerErr = '';
  worker.stderr!.on('data', (d: Buffer) => (workerErr += d.toString()));
  t.after(() => void (worker.exitCode === null && worker.signalCode === null && worker.kill('SIGKILL')));
  await new Promise<void>((resolve, reject) => {
    worker.stderr!.on('data', () => workerErr.includes('taking eval jobs') && resolve());
    worker.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${workerErr}`)));
  });

  // The CLI itself has no upstream to call: every request the fake upstream sees came from the worker.
  const cli = spawn(process.execPath, [...CLI_ARGS, 'eval', 'run', SUITE, '--contenders', 's', '--queue', '--progress', '--json', '--config', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  cli.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  cli.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  t.after(() => void (cli.exitCode === null && cli.signalCode === null && cli.kill('SIGKILL')));
  const exited = new Promise<number | null>((resolve) => cli.on('close', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  while (up.requests.length < 60 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  cli.kill('SIGINT');
  assert.equal(await exited, 3, `stopped: ${err}`);
  const runId = /run (run_\S+?):/.exec(err)?.[1];
  assert.ok(runId, err);
  assert.match(err, /on the queue; resume with: saima eval resume \S+ --queue/);
  assert.match(err, new RegExp(`run ${runId} stopped: interrupted; resume with: saima eval resume ${runId} --queue`));
  assert.match(err, /\]\s+\d+\/306\s/, 'the progress line');
  const stopped = JSON.parse(out) as Report;
  assert.equal(stopped.run.status, 'stopped');
  assert.ok(stopped.run.missing > 0, 'the interruption left calls to make');

  // Let the worker finish the calls in flight and skip the rest of the stopped run.
  let seen = -1;
  while (seen !== up.requests.length) {
    seen = up.requests.length;
    await new Promise((r) => setTimeout(r, 400));
  }
  const beforeResume = up.requests.length;
  assert.ok(beforeResume >= 60 && beforeResume < CALLS, `interrupted after ${beforeResume} of ${CALLS} calls`);

  const resumed = await runCli(['eval', 'resume', runId, '--queue', '--progress', '--json', '--config', cfg], { timeoutMs: 60_000 });
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, /\]\s+306\/306\s+100%\s+\d+ cached/, 'the final progress line counts the calls made before the interruption as cached');
  const report = JSON.parse(resumed.stdout) as Report;
  assert.equal(report.run.status, 'done');
  assert.equal(report.run.missing, 0);
  assert.equal(report.contenders[0]!.score.score.value, 100, 'graded by the worker like the in-process runner');

  const asked = new Map<string, number>();
  for (const q of up.requests) asked.set(q, (asked.get(q) ?? 0) + 1);
  assert.equal(asked.size, CALLS, 'every call was made');
  assert.deepEqual([...asked.values()].filter((n) => n > 1), [], 'and none twice');

  worker.kill('SIGTERM');
  const code = await new Promise<number | null>((r) => (worker.exitCode !== null ? r(worker.exitCode) : worker.once('exit', (c) => r(c))));
  assert.equal(code, 0, workerErr);
  assert.match(workerErr, /worker processed \d+ jobs/);
});

test('on the queue too, a changed assertion regrades the stored answers without asking again', async (t) => {
  const env = await clusterEnv(t);
  const storeUrl = await storeUrlFor('postgres', t);
  const up = await startEvalUpstream((q) => (q.startsWith('Capital') ? 'The answer is Paris.' : 'The answer is 4.'));
  t.after(() => up.close());
  const dir = mkdtempSync(join(tmpdir(), 'saima-queue-regrade-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const suite = join(dir, 'tiny.yaml');
  const writeSuite = (grader: string) =>
    writeFileSync(suite, `name: tiny\ngrader: ${grader}\nitems:\n  - { id: a, prompt: "Capital of France?", expected: "Paris" }\n  - { id: b, prompt: "2 + 2 = ?", expected: "4" }\n`);
  const cfg = join(dir, 'saima.json');
  writeFileSync(cfg, JSON.stringify({ store: storeUrl, redis: env.redisUrl, contenders: { s: { provider: 'openai', base_url: up.url, api_key: 'sk-test', model: 's' } } }));
  const worker = spawn(process.execPath, [...CLI_ARGS, 'worker', '--config', cfg, '--concurrency', '2'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let workerErr = '';
  worker.stderr!.on('data', (d: Buffer) => (workerErr += d.toString()));
  t.after(() => void (worker.exitCode === null && worker.signalCode === null && worker.kill('SIGKILL')));
  await new Promise<void>((resolve, reject) => {
    worker.stderr!.on('data', () => workerErr.includes('taking eval jobs') && resolve());
    worker.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${workerErr}`)));
  });
  const run = () => runCli(['eval', 'run', suite, '--contenders', 's', '--twins', 'none', '--queue', '--no-progress', '--json', '--config', cfg], { timeoutMs: 60_000 });
  const score = (stdout: string) => (JSON.parse(stdout) as Report).contenders[0]!.score.score.value;

  writeSuite('contains');
  const first = await run();
  assert.equal(first.code, 0, first.stderr);
  assert.equal(score(first.stdout), 100);
  assert.equal(up.requests.length, 2);

  writeSuite('exact');
  const strict = await run();
  assert.equal(strict.code, 0, strict.stderr);
  assert.equal(up.requests.length, 2, 'the worker graded the stored answers without calling again');
  assert.equal(score(strict.stdout), 0, 'under the exact grader neither answer passes');
  worker.kill('SIGTERM');
});
