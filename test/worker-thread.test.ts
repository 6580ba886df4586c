/**
 * The worker-thread plumbing the body threads, leaderboard fits and battle imports share: a thread started from its
 * module beside the caller answers jobs; when it dies, the jobs it held fail at once (never hang), its owner hears
 * of it, and nothing more is sent to it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JobThread, startWorker } from '../src/worker-thread.js';

type Job = { id: number; op: 'echo' | 'exit' | 'hang'; value?: unknown };
type Result = { id: number; value: unknown };

test('a job thread answers jobs, and fails every job it holds when it dies', async () => {
  let deaths = 0;
  const thread = new JobThread<Job, Result>(startWorker(import.meta.url, 'support/job-thread-fixture'), 'fixture thread', () => deaths++);
  assert.deepEqual(await thread.post({ id: 1, op: 'echo', value: { a: [1, 2] } }), { id: 1, value: { a: [1, 2] } });
  assert.equal(thread.pending, 0);
  const held = thread.post({ id: 2, op: 'hang' });
  assert.equal(thread.pending, 1);
  const killer = thread.post({ id: 3, op: 'exit' });
  await assert.rejects(held, /fixture thread exited with code 3/);
  await assert.rejects(killer, /fixture thread exited with code 3/);
  assert.equal(deaths, 1);
  assert.equal(thread.pending, 0);
  await assert.rejects(thread.post({ id: 4, op: 'echo' }), /has exited/);
});
