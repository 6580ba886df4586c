/**
 * Budget periods in Redis follow the configured time zone exactly as in memory: a new local day opens a new
 * window, while a reservation made before midnight settles into the day it was made in. The soft-threshold
 * warning fires once per period, for the whole cluster.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import type { BudgetDef, BudgetEvent } from '../../src/metering/budgets.js';
import { sharedCounters } from '../../src/cluster/counters.js';
import { RedisBudgets } from '../../src/cluster/redis-budgets.js';
import { REDIS_URL, clusterEnv } from './cluster-harness.js';

const budget: BudgetDef = { name: 'daily', scope: { team: 'a' }, period: 'day', limitNanos: 1_000, currency: 'CNY', softRatio: 0.8, downgradeTo: null, webhook: null };
const ctx = { team: 'a', keyId: null, contender: 'm', race: 'r' };

test('Redis budget windows follow local days and settle into the day they were reserved in', async (t) => {
  const env = await clusterEnv(t);
  const conn = new Redis(REDIS_URL);
  t.after(() => conn.quit());
  // 23:59 on 29 Nov in Shanghai is 15:59 UTC; a minute later it is 30 Nov there.
  let now = Date.UTC(2026, 10, 29, 15, 59);
  const events: BudgetEvent[] = [];
  const opts = { timeZone: 'Asia/Shanghai', fx: { CNY: 1, USD: 7 }, now: () => now, onEvent: (e: BudgetEvent) => events.push(e), holdMs: 60_000 };
  // Two replicas' ledgers over one Redis.
  const r1 = new RedisBudgets(sharedCounters(conn), env.prefix, [budget], opts);
  const r2 = new RedisBudgets(sharedCounters(conn), env.prefix, [budget], opts);

  const late = await r1.reserve(ctx, 900, 'CNY');
  assert.ok('holds' in late && late.holds[0]!.period === '2026-11-29');
  assert.ok('exceeded' in (await r2.reserve(ctx, 200, 'CNY')), 'the other replica sees the hold');
  now += 60_000;
  const early = await r2.reserve(ctx, 900, 'CNY');
  assert.ok('holds' in early && early.holds[0]!.period === '2026-11-30', 'a new local day starts empty');
  await r1.settle(late, 850, 'CNY');
  const [today] = await r2.status();
  assert.equal(today!.period, '2026-11-30');
  assert.deepEqual([today!.spentNanos, today!.reservedNanos], [0, 900], 'the late settle went to the 29th');
  assert.equal(Number(await conn.hget(`${env.prefix}budget:daily:2026-11-29`, 'spent')), 850);

  await r2.settle(early, 810, 'CNY');
  await r1.settle((await r1.reserve(ctx, 10, 'CNY')) as never, 10, 'CNY');
  assert.deepEqual(
    events.map((e) => [e.period, e.spentNanos]),
    [
      ['2026-11-29', 850],
      ['2026-11-30', 810],
    ],
    'one warning per period, from whichever replica crossed the threshold',
  );
});
