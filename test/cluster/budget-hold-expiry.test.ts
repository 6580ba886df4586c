/**
 * A replica killed mid-request never settles its reservation. The hold then runs out after the longest time a
 * request could take and the budget is usable again; a request that is merely slow keeps its hold, and a settle
 * that arrives after its hold ran out does not release it twice.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { sharedCounters } from '../../src/cluster/counters.js';
import { RedisBudgets } from '../../src/cluster/redis-budgets.js';
import type { BudgetDef } from '../../src/metering/budgets.js';
import { REDIS_URL, clusterEnv } from './cluster-harness.js';

const budget: BudgetDef = { name: 'daily', scope: {}, period: 'day', limitNanos: 1_000, currency: 'CNY', softRatio: 1, downgradeTo: null, webhook: null };
const ctx = { team: null, keyId: null, contender: 'm', race: 'r' };
const HOLD_MS = 400;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('an unsettled reservation is released after the hold time, and only once', async (t) => {
  const env = await clusterEnv(t);
  const conn = new Redis(REDIS_URL);
  t.after(() => conn.quit());
  const opts = { timeZone: 'UTC', fx: { CNY: 1, USD: 7 }, now: Date.now, holdMs: HOLD_MS };
  const dead = new RedisBudgets(sharedCounters(conn), env.prefix, [budget], opts);
  const live = new RedisBudgets(sharedCounters(conn), env.prefix, [budget], opts);

  const orphan = await dead.reserve(ctx, 600, 'CNY'); // its replica "dies" here: never settled
  assert.ok('holds' in orphan);
  const slow = await live.reserve(ctx, 300, 'CNY');
  assert.ok('holds' in slow);
  assert.ok('exceeded' in (await live.reserve(ctx, 200, 'CNY')), 'both holds count while their requests may run');

  await sleep(HOLD_MS + 100);
  const again = await live.reserve(ctx, 600, 'CNY');
  assert.ok('holds' in again, 'the expired holds no longer count');
  const [s] = await live.status();
  assert.equal(s!.reservedNanos, 600, 'only the fresh hold is left');

  // The slow request settles after its hold expired: its spend counts, its hold is not released a second time.
  await live.settle(slow, 250, 'CNY');
  const [after] = await live.status();
  assert.deepEqual([after!.spentNanos, after!.reservedNanos], [250, 600]);
});
