/**
 * Settles gathered into one call per batch, on a real Redis: many requests settling at once leave the TPM buckets
 * and the budget window exactly where settling them one by one would, the soft-threshold warning fires once, and
 * the whole lot reaches Redis as one script run with two calls in it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { sharedCounters } from '../../src/cluster/counters.js';
import { RedisBudgets } from '../../src/cluster/redis-budgets.js';
import { RedisRateLimits } from '../../src/cluster/redis-limits.js';
import type { BudgetDef, BudgetEvent, Reservation } from '../../src/metering/budgets.js';
import type { LimitSubject, Ticket } from '../../src/metering/rate-limiter.js';
import { watchRedisCommands } from '../support/redis-monitor.js';
import { REDIS_URL, clusterEnv } from './cluster-harness.js';

const N = 20;
// Buckets refill at their capacity per minute: 60,000 is one token per millisecond, so the test bounds the refill.
const TPM = 60_000;
const subjects: LimitSubject[] = [
  { id: 'key:k', limits: { rpm: null, tpm: TPM } },
  { id: 'team:t', limits: { rpm: null, tpm: TPM } },
];
const daily: BudgetDef = { name: 'daily', scope: {}, period: 'day', limitNanos: 100_000, currency: 'CNY', softRatio: 0.5, downgradeTo: null, webhook: null };
const teamly: BudgetDef = { name: 'team-month', scope: { team: 't' }, period: 'month', limitNanos: 1_000_000, currency: 'USD', softRatio: 0.9, downgradeTo: null, webhook: null };
const ctx = { team: 't', keyId: 'k', contender: 'm', race: 'r' };

test('settles of many requests go as one script and land exactly as one-by-one settles would', async (t) => {
  const env = await clusterEnv(t);
  const conn = new Redis(REDIS_URL);
  t.after(() => conn.quit());
  await conn.ping();
  const counters = sharedCounters(conn);
  const limits = new RedisRateLimits(counters, env.prefix);
  const events: BudgetEvent[] = [];
  const budgets = new RedisBudgets(counters, env.prefix, [daily, teamly], { timeZone: 'Asia/Shanghai', fx: { CNY: 1, USD: 7 }, now: Date.now, holdMs: 60_000, onEvent: (e) => events.push(e) });

  const started = Date.now();
  const tickets: Ticket[] = [];
  const reservations: Reservation[] = [];
  for (let i = 0; i < N; i++) {
    const a = await limits.admit(subjects, 1_000);
    assert.ok(a.ok);
    tickets.push(a.ticket);
    const r = await budgets.reserve(ctx, 4_000, 'CNY');
    assert.ok('holds' in r, `reservation ${i}`);
    reservations.push(r);
  }
  const [reservedDaily] = await budgets.status();
  assert.equal(reservedDaily!.reservedNanos, N * 4_000);

  const holdSets = await env.redis.keys(`${env.prefix}budget:*:holds`);
  assert.equal(holdSets.length, 2, 'one holds set per budget window');
  for (const h of holdSets) assert.equal(await env.redis.zcard(h), N, `${h} holds every reservation`);
  const watch = await watchRedisCommands(REDIS_URL);
  t.after(() => watch.close());
  // Every request used 300 of its 1,000 reserved tokens and spent 2,500 nanos of its 4,000 held; all settle in one turn.
  await Promise.all([...tickets.map((tk) => limits.settle(tk, 300)), ...reservations.map((r) => budgets.settle(r, 2_500, 'CNY'))]);
  await watch.caughtUp(conn);
  // The packed argument (the last) begins with the number of calls the script carries.
  const callsPerScript = watch.scriptsOf(conn).map((c) => Number(c.args.at(-1)!.split('\x1f')[0]));
  assert.deepEqual(callsPerScript, [2], `${2 * N} settles: one script, one call for the buckets and one for the budgets`);

  // Each bucket was charged 1,000 per request and given 700 back: 300 per request remain spent.
  for (const s of ['key:k', 'team:t']) {
    const level = Number(await env.redis.hget(`${env.prefix}rl:${s}:tpm`, 'level'));
    const refill = ((Date.now() - started) * TPM) / 60_000;
    assert.ok(level >= TPM - N * 300 && level <= TPM - N * 300 + refill, `${s} TPM level ${level}, refill at most ${refill}`);
  }
  const status = await budgets.status();
  const d = status.find((s) => s.budget.name === 'daily')!;
  const m = status.find((s) => s.budget.name === 'team-month')!;
  assert.deepEqual([d.spentNanos, d.reservedNanos], [N * 2_500, 0], 'daily: every spend added, every hold released');
  // The team budget counts in USD: 2,500 CNY nanos at 7 CNY per USD is 357 nanos, rounded per request.
  assert.deepEqual([m.spentNanos, m.reservedNanos], [N * 357, 0]);
  for (const h of holdSets) assert.equal(await env.redis.zcard(h), 0, `${h} holds no reservation (Redis drops the emptied set)`);
  // 50,000 of the daily 100,000 is its soft threshold: crossed once, warned once; the team budget stays under its own.
  assert.deepEqual(events.map((e) => [e.kind, e.budget.name]), [['soft_threshold', 'daily']]);

  // Settling the same reservations again changes spend only: their holds are gone and are not released twice.
  await Promise.all(reservations.slice(0, 3).map((r) => budgets.settle(r, 10, 'CNY')));
  const [again] = (await budgets.status()).filter((s) => s.budget.name === 'daily');
  assert.deepEqual([again!.spentNanos, again!.reservedNanos], [N * 2_500 + 30, 0]);
});
