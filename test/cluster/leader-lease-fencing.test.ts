/**
 * The lease's fencing: one holder at a time, every new holding gets a larger token, a holder that outlived its
 * TTL (a long pause) sees it has lost, and its late release cannot delete the new holder's lease.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { LeaderLease } from '../../src/cluster/leader-lease.js';
import { REDIS_URL, clusterEnv } from './cluster-harness.js';

const TTL = 300;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a lease has one holder, growing fencing tokens, and a stale holder cannot release the new one', async (t) => {
  const env = await clusterEnv(t);
  const conn = new Redis(REDIS_URL);
  t.after(() => conn.quit());
  const events: string[] = [];
  const a = new LeaderLease(conn, env.prefix, { name: 'job', ttlMs: TTL, onAcquire: (f) => events.push(`a+${f}`), onLose: () => events.push('a-') });
  const b = new LeaderLease(conn, env.prefix, { name: 'job', ttlMs: TTL, onAcquire: (f) => events.push(`b+${f}`) });
  t.after(() => Promise.all([a.stop({ release: false }), b.stop({ release: false })]));

  assert.equal(await a.attempt(), true);
  assert.equal(await b.attempt(), false, 'the lease is taken');
  const first = a.fence!;
  assert.equal(await a.attempt(), true, 'the holder renews');
  assert.equal(a.fence, first, 'a renewal keeps the token');

  // a pauses past its TTL without renewing: b takes over with a larger token.
  await sleep(TTL + 50);
  assert.equal(a.isLeader(), false, 'a holder stops trusting a lease it has not renewed within the TTL');
  assert.equal(await b.attempt(), true);
  assert.ok(b.fence! > first, `token ${b.fence} after ${first}`);

  // a wakes up: its renewal fails, and its release (with its old token) leaves b's lease alone.
  assert.equal(await a.attempt(), false);
  await a.stop({ release: true });
  assert.equal(await conn.exists(`${env.prefix}lease:job`), 1, 'the stale release deleted nothing');
  assert.equal(await b.attempt(), true, 'b still holds');

  // A clean stop hands the lease over at once.
  await b.stop({ release: true });
  const c = new LeaderLease(conn, env.prefix, { name: 'job', ttlMs: TTL });
  assert.equal(await c.attempt(), true);
  assert.ok(c.fence! > first + 1);
  await c.stop();
  // a learns of its loss at its next attempt; until then `isLeader()` (by its own clock) already said no.
  assert.deepEqual(events, [`a+${first}`, `b+${first + 1}`, 'a-']);
});
