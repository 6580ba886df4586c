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
 * The yardstick is measured in the same rounds: a single node (`saima serve` on SQLite, in-memory limits, the
 * bench:cluster setup) under the same concurrency, charged its CPU from procfs. Each round's added cost is divided
 * by that round's single-node request, so the share is paired against the machine's drift.
 *
 * Env: BENCH_REQUESTS (40000 per round), BENCH_ROUNDS (9), BENCH_CONCURRENCY (32), BENCH_SECONDS (4, the single
 * node's rounds), BENCH_WRITE (1; 0 prints only), SAIMA_BENCH_REDIS_URL (redis://127.0.0.1:6379; a fresh key
 * prefix, removed after).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { sharedCounters } from '../src/cluster/counters.js';
import { RedisBudgets } from '../src/cluster/redis-budgets.js';
import { RedisRateLimits } from '../src/cluster/redis-limits.js';
import { BudgetLedger, type BudgetBackend, type BudgetDef, type Reservation } from '../src/metering/budgets.js';
import { RateLimiter, type LimitSubject, type RateLimitBackend } from '../src/metering/rate-limiter.js';
import { publishBenchSection } from './support/benchmarks-doc.js';
import { median } from './support/percentile.js';
import { ChildProcesses } from './support/child-processes.js';
import { GatewayScenarios } from './support/gateway-scenarios.js';

const env = (name: string, dflt: string): string => process.env[name] ?? dflt;
const REQUESTS = Number(env('BENCH_REQUESTS', '40000'));
const ROUNDS = Number(env('BENCH_ROUNDS', '9'));
const CONCURRENCY = Number(env('BENCH_CONCURRENCY', '32'));
const SECONDS = Number(env('BENCH_SECONDS', '4'));
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


async function main(): Promise<void> {
  const redis = new Redis(REDIS_URL, { enableAutoPipelining: true });
  const prefix = `bench_counters_${randomBytes(4).toString('hex')}:`;
  const counters = sharedCounters(redis);
  const shared: Backends = { name: 'Redis', limits: new RedisRateLimits(counters, prefix), budgets: new RedisBudgets(counters, prefix, [budget], { ...budgetOpts, holdMs: 600_000 }) };
  const local: Backends = { name: 'in process', limits: new RateLimiter(), budgets: new BudgetLedger([budget], budgetOpts) };
  const tmp = mkdtempSync(join(tmpdir(), 'saima-bench-counters-'));
  const children = new ChildProcesses(tmp);
  try {
    const gateways = new GatewayScenarios(children, tmp, { concurrency: CONCURRENCY, seconds: SECONDS });
    const single = await gateways.start('single node', `sqlite:${join(tmp, 'single.db')}`, null, 1);
    await gateways.warm(single);
    for (const b of [shared, local]) await load(b, 20_000); // warm-up: JIT, Redis script cache, budget window seeded
    const rows: Array<{ redis: number; local: number; node: number }> = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const r = await cpuMicrosPerRequest(shared);
      const l = await cpuMicrosPerRequest(local);
      const node = (await gateways.load(single, null)).cpuMsPerRequest * 1000;
      rows.push({ redis: r, local: l, node });
      process.stderr.write(`round ${round}: Redis ${r.toFixed(1)} µs, in process ${l.toFixed(1)} µs, single node request ${node.toFixed(0)} µs CPU\n`);
    }
    const diffs = rows.map((x) => x.redis - x.local);
    const shares = rows.map((x) => (100 * (x.redis - x.local)) / x.node);
    const range = (xs: number[], d = 1): string => `${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)}`;
    const section = [
      `\`npm run bench:counters\` on ${cpus().length} cores shared with other work (load average ${loadavg().map((x) => x.toFixed(2)).join(' / ')} at the end), Node ${process.version}: what admission and settle cost the gateway process per request, for a key with RPM and TPM limits on the key and its team and one daily race budget (both checks in one turn, both settles a turn later), ${REQUESTS.toLocaleString('en-US')} requests per round at concurrency ${CONCURRENCY}, ${ROUNDS} rounds alternating the two backends, after a 20,000-request warm-up each. One process with nothing else in it: its rounds agree within about ±15%, where the replica-level rounds of bench:cluster swing by tens of percent. The yardstick ran in the same rounds: a single node (\`saima serve\` on SQLite with in-memory limits, the bench:cluster setup, ${CONCURRENCY} connections, ~${SECONDS} s a round after a 40,000-request warm-up), charged its CPU from procfs; each round's added cost is divided by that round's single-node request.`,
      '',
      '| measure | median | range |',
      '| --- | ---: | ---: |',
      `| Redis counters (one replica's share of cluster coordination), CPU µs per request | ${median(rows.map((x) => x.redis)).toFixed(1)} | ${range(rows.map((x) => x.redis))} |`,
      `| in-process counters (single node), CPU µs per request | ${median(rows.map((x) => x.local)).toFixed(1)} | ${range(rows.map((x) => x.local))} |`,
      `| **what Redis coordination adds**, CPU µs per request, paired per round | **${median(diffs).toFixed(1)}** | ${range(diffs)} |`,
      `| single node's whole request, gateway CPU µs | ${median(rows.map((x) => x.node)).toFixed(0)} | ${range(rows.map((x) => x.node), 0)} |`,
      `| **added share of the single node's request**, paired per round (bar: under 15%) | **${median(shares).toFixed(1)}%** | ${range(shares)}% |`,
    ].join('\n');
    publishBenchSection('counters', 'Shared counters', section);
  } finally {
    await children.stopAll();
    rmSync(tmp, { recursive: true, force: true });
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
}

await main();
