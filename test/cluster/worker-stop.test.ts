/**
 * How `saima worker` stops on SIGTERM when it cannot wait: Redis gone (nothing in flight could be acknowledged) or
 * a job still in flight at `--shutdown-ms`. Either way the process ends on the first signal, says why, and an
 * outage is reported once, not at every reconnect attempt. Each test runs its own redis-server, to kill it.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Redis } from 'ioredis';
import { EvalQueue } from '../../src/cluster/eval-queue.js';
import { buildConfig } from '../../src/config/load.js';
import { createRun } from '../../src/eval/create-run.js';
import { openStore } from '../../src/store/index.js';
import { CLI_ARGS } from '../support/cli.js';
import { mockContender } from '../support/gateway.js';
import { waitFor } from '../support/wait-for.js';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function privateRedis(t: TestContext): Promise<{ url: string; kill: () => void }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  t.after(() => void (child.exitCode === null && child.kill('SIGKILL')));
  const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null });
  probe.on('error', () => {}); // refused until the server is up: the loop below retries
  for (let i = 0; ; i++) {
    try {
      await probe.connect();
      break;
    } catch (err) {
      if (i > 100) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  probe.disconnect();
  return { url: `redis://127.0.0.1:${port}`, kill: () => child.kill('SIGKILL') };
}

interface Worker {
  child: ChildProcess;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: string | null }>;
}

async function startWorker(t: TestContext, cfg: string, extra: string[]): Promise<Worker> {
  const child = spawn(process.execPath, [...CLI_ARGS, 'worker', '--config', cfg, ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  t.after(() => void (child.exitCode === null && child.signalCode === null && child.kill('SIGKILL')));
  const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', () => err.includes('taking eval jobs') && resolve());
    void exit.then(({ code }) => reject(new Error(`worker exited with ${code}: ${err}`)));
  });
  return { child, stderr: () => err, exit };
}

/** One SIGTERM; the worker must exit 0. Returns how long it took and what it printed. */
async function terminate(worker: Worker): Promise<{ took: number; err: string }> {
  const started = performance.now();
  worker.child.kill('SIGTERM');
  const { code } = await worker.exit;
  const took = performance.now() - started;
  const err = worker.stderr();
  assert.equal(code, 0, err);
  return { took, err };
}

const until = (what: string, ok: () => boolean, ms = 15_000): Promise<void> => waitFor(what, ok, ms, 20);

function workDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'saima-worker-stop-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('with Redis gone, one SIGTERM stops the worker at once and the outage is reported once', async (t) => {
  const redis = await privateRedis(t);
  const dir = workDir(t);
  const cfg = join(dir, 'saima.json');
  writeFileSync(cfg, JSON.stringify({ store: `sqlite:${join(dir, 'w.db')}`, redis: redis.url, contenders: { a: mockContender('a') } }));
  // A deadline far beyond the test's patience: the stop must not wait for it.
  const worker = await startWorker(t, cfg, ['--shutdown-ms', '600000']);
  redis.kill();
  await until('the worker to notice the outage', () => /ECONNREFUSED|Connection is closed/.test(worker.stderr()));
  // Let it retry for a while: every attempt fails, and they must not each print a line.
  await new Promise((r) => setTimeout(r, 1_500));
  const { took, err } = await terminate(worker);
  assert.ok(took < 5_000, `stopped ${took.toFixed(0)} ms after the signal`);
  assert.match(err, /Redis is unreachable, so the jobs in flight cannot be acknowledged; abandoning them/);
  assert.match(err, /worker processed 0 jobs/);
  const refused = err.split('\n').filter((l) => /ECONNREFUSED/.test(l));
  assert.equal(refused.length, 1, `one line for the outage, not one per reconnect attempt:\n${err}`);
});

/** A worker (with the given --shutdown-ms) holding one minute-long job: a stop can only end by abandoning it. */
async function workerWithSlowJob(t: TestContext, shutdownMs: number): Promise<{ worker: Worker; queue: EvalQueue }> {
  const redis = await privateRedis(t);
  const dir = workDir(t);
  const cfg = join(dir, 'saima.json');
  const doc = { store: `sqlite:${join(dir, 'w.db')}`, redis: redis.url, contenders: { slow: mockContender('slow', { latency_ms: 60_000 }) } };
  writeFileSync(cfg, JSON.stringify(doc));
  const suite = join(dir, 'suite.json');
  writeFileSync(suite, JSON.stringify({ name: 'one', grader: 'contains', items: [{ id: 'q1', prompt: 'Say yes.', expected: 'yes' }] }));
  const config = buildConfig(doc, {});
  const store = await openStore(config.store);
  t.after(() => store.close());
  const run = await createRun(store, config, { suites: [suite], contenders: ['slow'], samples: 1, twins: [], concurrency: 1 });

  const worker = await startWorker(t, cfg, ['--shutdown-ms', String(shutdownMs)]);
  const queue = await EvalQueue.open(redis.url);
  t.after(() => queue.close());
  assert.deepEqual(await queue.enqueue(store, config, run.id), { queued: 1, cached: 0 });
  // The job is in flight once BullMQ has moved it to active.
  let activeCount = 0;
  for (let i = 0; i < 500 && activeCount === 0; i++) {
    activeCount = await queue.queue.getActiveCount();
    if (!activeCount) await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(activeCount, 1, 'the worker took the job');
  return { worker, queue };
}

/** Abandoned, not lost: the job is still the queue's, to go back when its lock lapses. */
async function assertNotCompleted(queue: EvalQueue): Promise<void> {
  assert.equal((await queue.queue.getJobCounts('active', 'wait', 'completed')).completed ?? 0, 0);
  await queue.close(); // before its Redis goes
}

test('a job still in flight at --shutdown-ms is abandoned and the worker ends on the first signal', async (t) => {
  const { worker, queue } = await workerWithSlowJob(t, 500);
  const { took, err } = await terminate(worker);
  assert.ok(took >= 450 && took < 5_000, `stopped ${took.toFixed(0)} ms after the signal (deadline 500 ms)`);
  assert.match(err, /stopping after the jobs in flight \(up to 500 ms/);
  assert.match(err, /stopping now \(jobs still in flight after 500 ms\): abandoning the jobs in flight/);
  assert.match(err, /worker processed 0 jobs/);
  await assertNotCompleted(queue);
});

test('a second signal abandons the job in flight long before --shutdown-ms', async (t) => {
  const { worker, queue } = await workerWithSlowJob(t, 600_000);
  worker.child.kill('SIGTERM');
  await until('the worker to start waiting', () => /stopping after the jobs in flight/.test(worker.stderr()));
  const { took, err } = await terminate(worker);
  assert.ok(took < 5_000, `stopped ${took.toFixed(0)} ms after the second signal`);
  assert.match(err, /stopping now \(a second signal came\): abandoning the jobs in flight/);
  assert.match(err, /worker processed 0 jobs/);
  await assertNotCompleted(queue);
});
