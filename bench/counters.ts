/**
 * `npm run bench:counters`: what admission and settle cost the gateway process per request, with the rate limits
 * and budget kept in Redis (one replica's share of cluster coordination) and kept in process (a single node), in
 * one process with nothing else running in it. bench:cluster measures whole replicas, where a round's CPU swings by
 * ±30% on a shared machine; here the same work is isolated, so the difference is visible.
 *
 * Each request is what the gateway's admission does for a key with RPM/TPM limits on the key and its team and one
 * daily race budget: the limit check and the budget reservation in the same turn, then, a turn later, both settles
 * (a request's own work sits between the two in the gateway). Rounds alternate the two backends.
 *
 * Env: BENCH_REQUESTS (40000 per round), BENCH_ROUNDS (9), BENCH_CONCURRENCY (32), SAIMA_BENCH_REDIS_URL
 * (redis://127.0.0.1:6379; a fresh key prefix, removed after).
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { sharedCounters } from '../src/cluster/counters.js';
import { RedisBudgets } from '../src/cluster/redis-budgets.js';
import { RedisRateLimits } from '../src/cluster/redis-limits.js';
import { BudgetLedger, type BudgetBackend, type BudgetDef, type Reservation } from '../src/metering/budgets.js';
import { RateLimiter, type LimitSubject, type RateLimitBackend } from '../src/metering/rate-limiter.js';

const env = (name: string, dflt: string): string => process.env[name] ?? dflt;
const REQUESTS = Number(env('BENCH_REQUESTS', '40000'));
const ROUNDS = Number(env('BENCH_ROUNDS', '9'));
const CONCURRENCY = Number(env('BENCH_CONCURRENCY', '32'));
const REDIS_URL = env('SAIMA_BENCH_REDIS_URL', 'redis://127.0.0.1:6379');

const budget: BudgetDef = { name: 'daily', scope: { race: 'bench' }, period: 'day', limitNanos: 1e18, currency: 'CNY', softRatio: 0.8, downgradeTo: null, webhook: null };
const subjects: LimitSubject[] = [
  { id: 'key:bench', limits: { rpm: 100_000_000, tpm: 1_000_000_000 } },
  { id: 'team:bench', limits: { rpm: 100_000_000, tpm: 1_000_000_000 } },
];
const ctx = { team: 'bench', keyId: 'bench', contender: 'm', race: 'bench' };
const budgetOpts = { timeZone: 'UTC', fx: { CNY: 1, USD: 7.2 }, now: Date.now };

interface Backends {
  name: string;
  limits: RateLimitBackend;
  budgets: BudgetBackend;
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function oneRequest(b: Backends): Promise<void> {
  const [admission, reservation] = await Promise.all([b.limits.admit(subjects, 40), b.budgets.reserve(ctx, 40_000, 'CNY')]);
  await turn();
  if (admission.ok) void b.limits.settle(admission.ticket, 12);
  if ('holds' in reservation) void b.budgets.settle(reservation as Reservation, 12_000, 'CNY');
}

async function load(b: Backends, n: number): Promise<void> {
  let started = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (started++ < n) await oneRequest(b);
    }),
  );
  await turn(); // the last settles leave
}

async function cpuMicrosPerRequest(b: Backends): Promise<number> {
  const c0 = process.cpuUsage();
  await load(b, REQUESTS);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / REQUESTS;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const redis = new Redis(REDIS_URL, { enableAutoPipelining: true });
  const prefix = `bench_counters_${randomBytes(4).toString('hex')}:`;
  const counters = sharedCounters(redis);
  const shared: Backends = { name: 'Redis', limits: new RedisRateLimits(counters, prefix), budgets: new RedisBudgets(counters, prefix, [budget], { ...budgetOpts, holdMs: 600_000 }) };
  const local: Backends = { name: 'in process', limits: new RateLimiter(), budgets: new BudgetLedger([budget], budgetOpts) };
  try {
    for (const b of [shared, local]) await load(b, 20_000); // warm-up: JIT, Redis script cache, budget window seeded
    const rows: Array<{ redis: number; local: number }> = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const r = await cpuMicrosPerRequest(shared);
      const l = await cpuMicrosPerRequest(local);
      rows.push({ redis: r, local: l });
      process.stderr.write(`round ${round}: Redis ${r.toFixed(1)} µs, in process ${l.toFixed(1)} µs CPU per request\n`);
    }
    const diffs = rows.map((x) => x.redis - x.local);
    console.log(`Admission + settle, ${REQUESTS} requests per round at concurrency ${CONCURRENCY}, ${ROUNDS} alternating rounds, load average ${loadavg().map((x) => x.toFixed(2)).join(' / ')}:`);
    console.log(`- Redis-backed: ${median(rows.map((x) => x.redis)).toFixed(1)} µs CPU per request (median; range ${Math.min(...rows.map((x) => x.redis)).toFixed(1)}–${Math.max(...rows.map((x) => x.redis)).toFixed(1)})`);
    console.log(`- in process: ${median(rows.map((x) => x.local)).toFixed(1)} µs (range ${Math.min(...rows.map((x) => x.local)).toFixed(1)}–${Math.max(...rows.map((x) => x.local)).toFixed(1)})`);
    console.log(`- what Redis coordination adds, paired per round: ${median(diffs).toFixed(1)} µs per request (range ${Math.min(...diffs).toFixed(1)}–${Math.max(...diffs).toFixed(1)})`);
  } finally {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
}

await main();
