/**
 * Two `saima worker` processes share a 2,000-call eval run from the queue; one is killed (SIGKILL) mid-run. The
 * run completes: its lost in-flight jobs go back to the queue once their locks lapse and the other worker answers
 * them, every call of the run has exactly one result row, and nothing completed before the kill is lost.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runOnQueue } from '../../src/cluster/eval-queue.js';
import { allUnits, loadQueuedRun, unitOf } from '../../src/cluster/queued-run.js';
import { buildConfig } from '../../src/config/load.js';
import { createRun } from '../../src/eval/create-run.js';
import { gradeId, openStore } from '../../src/store/index.js';
import { CLI_ARGS } from '../support/cli.js';
import { mockContender } from '../support/gateway.js';
import { clusterEnv, replicaDoc } from './cluster-harness.js';

const ITEMS = 1_000; // × 2 contenders = 2,000 calls

test('a run shared by two workers completes with every result exactly once after one worker is killed', async (t) => {
  const env = await clusterEnv(t);
  const dir = mkdtempSync(join(tmpdir(), 'saima-workers-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const suite = join(dir, 'suite.json');
  writeFileSync(suite, JSON.stringify({ name: 'load', grader: 'contains', items: Array.from({ length: ITEMS }, (_, i) => ({ id: `q${i}`, prompt: `Say yes to ${i}.`, expected: 'yes' })) }));
  const doc = replicaDoc(env, {
    contenders: { a: mockContender('a', { latency_ms: 15, default_answer: 'yes' }), b: mockContender('b', { latency_ms: 15, default_answer: 'no' }) },
  });
  const file = join(dir, 'saima.json');
  writeFileSync(file, JSON.stringify(doc));
  const config = buildConfig(doc, {});
  const store = await openStore(config.store);
  t.after(() => store.close());
  const run = await createRun(store, config, { suites: [suite], contenders: ['a', 'b'], samples: 1, twins: [], concurrency: 8 });

  const workers = [0, 1].map(() => {
    const child = spawn(process.execPath, [...CLI_ARGS, 'worker', '--config', file, '--concurrency', '16', '--lock-ms', '2000'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    t.after(() => void (child.exitCode === null && child.signalCode === null && child.kill('SIGKILL')));
    const ready = new Promise<void>((resolve, reject) => {
      child.stderr!.on('data', () => err.includes('taking eval jobs') && resolve());
      child.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${err}`)));
    });
    return { child, ready, stderr: () => err };
  });
  await Promise.all(workers.map((w) => w.ready));
  let killedAt: number | null = null;
  const t0 = performance.now();
  const outcome = await runOnQueue(run.id, store, config, {
    pollMs: 100,
    onProgress: (p) => {
      if (killedAt === null && p.done >= 600) {
        killedAt = p.done;
        workers[0]!.child.kill('SIGKILL');
      }
    },
  });
  t.diagnostic(`${outcome.calls} calls in ${((performance.now() - t0) / 1000).toFixed(1)} s; worker 1 killed after ${killedAt} results`);
  assert.ok(killedAt !== null && killedAt < 2_000, 'a worker was killed mid-run');
  assert.equal(outcome.status, 'done', `${outcome.stopReason}; ${workers.map((w) => w.stderr()).join(' | ')}`);
  assert.equal((await store.evals.getRun(run.id))!.status, 'done');

  const queued = await loadQueuedRun(store, config, run.id);
  const keys = allUnits(queued).map((u) => unitOf(queued, u).key);
  assert.equal(new Set(keys).size, 2_000);
  const rows = await store.evals.findResults(keys);
  assert.equal(rows.length, 2_000, 'every call has its result');
  assert.equal(new Set(rows.map((r) => r.cacheKey)).size, 2_000, 'and only one');
  assert.ok(rows.every((r) => r.ok));
  const units = allUnits(queued).map((u) => unitOf(queued, u));
  const grades = await store.evals.findGrades(units.map((u) => ({ cacheKey: u.key, gradingKey: u.gradingKey })));
  assert.equal(grades.size, 2_000, 'every answer has its grade');
  assert.equal(units.filter((u) => u.contender.name === 'a' && (grades.get(gradeId(u.key, u.gradingKey))!.grade as { pass: boolean }).pass).length, ITEMS, 'graded like the in-process runner');
  assert.ok(outcome.calls <= 2_000, `${outcome.calls} calls counted`);

  // The surviving worker stops cleanly on SIGTERM once the queue is empty.
  const survivor = workers[1]!.child;
  const exited = new Promise<number | null>((r) => survivor.once('exit', (code) => r(code)));
  survivor.kill('SIGTERM');
  assert.equal(await exited, 0, workers[1]!.stderr());
  assert.match(workers[1]!.stderr(), /worker processed \d+ jobs/);
});
