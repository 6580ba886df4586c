/**
 * `npm run bench:monitor`: what one race-monitor tick costs the gateway's thread. A sticky canary race with an
 * active challenger (so the tick reads the metric moments, the per-user sums of every metric and the
 * sample-ratio units) and BENCH_ROWS rows in its window from BENCH_USERS distinct users, one in ten rated; then
 * ticks 5 s apart, each after BENCH_NEW_ROWS new rows. Two readers of the same store, one after the other: the
 * evidence reader on the gateway's thread (what the gateway ran before) and on the monitor's own thread
 * (`EvidenceWorker`, what it runs now). The first tick of each is the first after a restart: it reads the whole
 * window through the index (the monitor's thread started beforehand, as the monitor starts it an interval before
 * its first tick). Per tick: its wall time, the CPU time of the process and of the gateway's thread alone,
 * and, on a second reader of the same kind that ticks beside it (so the probe's own CPU stays out of the first's),
 * the longest the gateway's thread was not free (a 1 ms timer's lateness). At the turn from one to the other, the
 * second's first read must count what the first's last read counted.
 *
 * Env: BENCH_ROWS (400000), BENCH_USERS (50000), BENCH_NEW_ROWS (3000), BENCH_TICKS (9), BENCH_STORES
 * (sqlite,postgres), BENCH_POSTGRES_URL (postgres://postgres@127.0.0.1:5432/test), BENCH_WRITE (1; 0 prints only).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { buildConfig } from '../src/config/load.js';
import { deepStrictEqual } from 'node:assert';
import { EvidenceReader, type EvidenceSource } from '../src/race/monitor-evidence.js';
import { EvidenceWorker } from '../src/race/monitor-evidence-worker.js';
import { RaceBook } from '../src/race/race-book.js';
import { RaceStates } from '../src/race/race-states.js';
import { MAX_BOOK_SLOTS, UNIT_METRICS } from '../src/race/unit-book.js';
import type { RaceEvidence } from '../src/race/evidence.js';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { openStore, type Store } from '../src/store/index.js';
import type { RequestLogRow } from '../src/store/types.js';
import { publishBenchSection } from './support/benchmarks-doc.js';

const env = (name: string, dflt: string): string => process.env[name] ?? dflt;
const ROWS = Number(env('BENCH_ROWS', '400000'));
const USERS = Number(env('BENCH_USERS', '50000'));
const NEW_ROWS = Number(env('BENCH_NEW_ROWS', '3000'));
const TICKS = Number(env('BENCH_TICKS', '9'));
const STORES = env('BENCH_STORES', 'sqlite,postgres').split(',').map((s) => s.trim()).filter(Boolean);
const PG_URL = env('BENCH_POSTGRES_URL', 'postgres://postgres@127.0.0.1:5432/test');

interface Measured { wall: number; cpu: number; thread: number }
interface Path { first: Measured; firstStall: number; later: Measured[]; laterStall: number[] }
interface Result { store: string; here: Path; there: Path; same: boolean }

/** The longest a 1 ms timer fired late while `work` ran: how long the thread was not free to serve anything. */
async function stallDuring<T>(work: () => Promise<T>): Promise<number> {
  let worst = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const t = performance.now();
    worst = Math.max(worst, t - last - 1);
    last = t;
  }, 1);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(worst, performance.now() - last - 1, 0);
}

/** A full collection of this thread's heap, through V8's `gc` (exposed at run time: the script runs without flags). */
const collectGarbage = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

/** Whether two reads agree on every count: requests, errors, users and rows per metric, sample-ratio units. */
function sameCounts(a: RaceEvidence, b: RaceEvidence): boolean {
  const counts = (e: RaceEvidence) => ({
    windows: [...e.windows].map(([since, arms]) => [since, [...arms.values()].map((x) => [x.contender, x.requests, x.errors, x.cuts, x.truncations, x.logLatency.n, x.cost.n, x.feedback.n, x.judge.n, ...UNIT_METRICS.flatMap((m) => [x.units?.[m].units, x.units?.[m].n])]).sort()]),
    assignment: e.assignment && [e.assignment.since, [...e.assignment.units].sort()],
  });
  try {
    deepStrictEqual(counts(b), counts(a));
    return true;
  } catch {
    return false;
  }
}

/** Wall time and CPU time (the process's, the calling thread's) of one awaited call. */
async function measure<T>(work: () => Promise<T>): Promise<{ value: T; m: Measured }> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const th0 = threadCpuUsage();
  const value = await work();
  const c = process.cpuUsage(c0);
  const th = threadCpuUsage(th0);
  return { value, m: { wall: performance.now() - t0, cpu: (c.user + c.system) / 1000, thread: (th.user + th.system) / 1000 } };
}

async function run(kind: string): Promise<Result> {
  let store: Store;
  let cleanup: () => Promise<void>;
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'saima-bench-monitor-'));
    store = await openStore(`sqlite:${join(dir, 'monitor.db')}`);
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const schema = `bench_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    const url = new URL(PG_URL);
    url.searchParams.set('schema', schema);
    store = await openStore(url.toString());
    cleanup = async () => {
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
    };
  }
  try {
    const mock = { provider: 'mock', model: 'm', price: { input: 1, output: 2 }, mock: {} };
    const config = buildConfig({ store: 'sqlite::memory:', contenders: { champ: mock, chal: mock }, races: { r: { champion: 'champ', challengers: [{ contender: 'chal', weight: 20 }], sticky: true, policy: { type: 'canary' } } } }, {});
    let now = Date.now();
    const states = new RaceStates(store, config, new RaceBook(config), () => now);
    await states.init();
    const race = config.races.get('r')!;
    const since = states.get('r')!.challengers[0]!.since;

    let id = 0;
    const row = (ts: number, i: number): RequestLogRow => ({
      id: `m${id++}`, ts, race: 'r', contender: i % 5 === 0 ? 'chal' : 'champ', upstreamModel: 'm', team: null, keyId: null,
      userHash: i % 7 === 0 ? null : `u${(i * 7919) % USERS}`, parentId: null, shadow: false, stream: false, status: 200, outcome: i % 97 === 0 ? 'error' : 'ok',
      errorCode: null, errorMessage: null, attempts: 1, latencyMs: 100 + (i % 50), ttftMs: 40, promptTokens: 12, completionTokens: 30,
      reasoningTokens: 0, cachedTokens: 0, usageEstimated: false, costNanos: 60_000, currency: 'CNY', finishReason: 'stop',
      promptText: null, responseText: null, fallbackFrom: null,
    });
    // Rows start 1 ms apart; one in ten is rated as it ends.
    const append = async (n: number, from: number): Promise<void> => {
      for (let done = 0; done < n; done += 5000) {
        const batch = Array.from({ length: Math.min(5000, n - done) }, (_, k) => row(from + done + k, done + k));
        await Promise.all(batch.map((r) => store.requestLog.append(r)));
        // Ratings go in 50 at a time: hundreds at once wait longer for a pooled connection than the store allows
        // on a loaded machine.
        const rated = batch.filter((_, k) => k % 10 === 3);
        for (let j = 0; j < rated.length; j += 50) {
          await Promise.all(rated.slice(j, j + 50).map((r) => store.feedback.insertFeedback({
            id: `f${r.id}`, ts: r.ts + r.latencyMs, requestId: r.id, race: 'r', contender: r.contender, team: null, keyId: null, score: r.ts % 3 === 0 ? -1 : 1, comment: null,
          })));
        }
      }
    };
    // The window: ROWS requests over the last ROWS ms (a race at 1,000 req/s).
    await append(ROWS, since + 1000);
    await store.requestLog.flush();
    now = since + 1000 + ROWS + 10;

    const state = () => states.get('r')!;
    /**
     * One reader kind over TICKS ticks: the first after a restart (a fresh reader reads the whole window), then a
     * tick after every NEW_ROWS rows. Each tick runs twice, on a reader measured for time and on one probed for
     * stalls. Returns what it measured and the evidence of its last tick.
     */
    const phase = async (make: () => EvidenceSource): Promise<{ path: Path; first: RaceEvidence; last: RaceEvidence }> => {
      const [timed, probed] = [make(), make()];
      try {
        // As the monitor does when it starts, an interval before its first tick (a thread starts and opens its connection).
        await Promise.all([timed.warm?.(), probed.warm?.()]);
        const first = await measure(() => timed.read(race, state(), now));
        const path: Path = { first: first.m, firstStall: await stallDuring(() => probed.read(race, state(), now)), later: [], laterStall: [] };
        let last = first.value;
        for (let k = 1; k < TICKS; k++) {
          await append(NEW_ROWS, now);
          await store.requestLog.flush();
          now += 5000;
          const tick = await measure(() => timed.read(race, state(), now));
          path.later.push(tick.m);
          path.laterStall.push(await stallDuring(() => probed.read(race, state(), now)));
          last = tick.value;
        }
        return { path, first: first.value, last };
      } finally {
        await Promise.all([timed.close(), probed.close()]);
      }
    };
    // The reader on the gateway's thread first; then, once its books are collected (in the gateway they are not on
    // this thread's heap at all, and a heap that holds them pauses longer to collect), the reader on the monitor's
    // thread, whose first tick reads the whole window again: TICKS - 1 ticks of rows more than the first's.
    const here = await phase(() => new EvidenceReader(store, config));
    collectGarbage();
    const there = await phase(() => new EvidenceWorker({ url: store.url, config, fallback: store }));
    // Same store, same moment: the first read of the second equals the last of the first, count for count.
    return { store: kind, here: here.path, there: there.path, same: sameCounts(here.last, there.first) };
  } finally {
    await store.close();
    await cleanup();
  }
}

/** CPU time of the calling thread (Node ≥ 22.19; the installed type definitions predate it). */
const threadCpuUsage = (process as unknown as { threadCpuUsage(prev?: NodeJS.CpuUsage): NodeJS.CpuUsage }).threadCpuUsage.bind(process);
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const ms = (x: number): string => (x < 10 ? x.toFixed(1) : x.toFixed(0));
const range = (xs: number[]): string => `${ms(Math.min(...xs))}–${ms(Math.max(...xs))}`;

const results: Result[] = [];
const loadBefore = loadavg()[0]!;
for (const kind of STORES) results.push(await run(kind));
const load = Math.max(loadBefore, loadavg()[0]!);
const tableRow = (r: Result, name: string, p: Path): string => {
  const threads = p.later.map((m) => m.thread);
  return `| ${r.store} | ${name} | ${ms(p.first.wall)} | ${ms(p.first.thread)} | ${ms(p.firstStall)} | ${range(p.later.map((m) => m.wall))} | ${range(p.later.map((m) => m.cpu))} | ${range(threads)} (**${ms(median(threads))}**) | ${range(p.laterStall)} |`;
};
const lines = [
  `\`npm run bench:monitor\` on ${cpus().length} cores (1-minute load average up to ${load.toFixed(1)} during the run), Node ${process.version}: one race-monitor tick, a sticky canary race with an active challenger, ${ROWS.toLocaleString('en-US')} rows in its window from ${USERS.toLocaleString('en-US')} distinct users (one in seven anonymous, one in ten rated), every metric tested per user; ticks 5 s apart, ${NEW_ROWS.toLocaleString('en-US')} new rows before each. Two readers of the same store: on the gateway's thread (what the gateway ran before) and on the monitor's own thread with its own connection (what it runs now); the first runs its ticks, then the second, each reader kind twice (one timed, one probed for stalls). At the turn, the second's first read counted ${results.every((r) => r.same) ? 'the same' : '**not** the same'} requests, errors, users and sample-ratio units as the first's last, arm by arm.`,
  '',
  '| store | evidence read | first tick after a restart: wall, ms | its CPU on the gateway\'s thread, ms | its longest stall of the gateway\'s thread, ms | later ticks: wall, ms | CPU of the process, ms | CPU of the gateway\'s thread, ms (median) | longest stall of the gateway\'s thread, ms |',
  '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...results.flatMap((r) => [tableRow(r, "on the gateway's thread (before)", r.here), tableRow(r, "on the monitor's thread (now)", r.there)]),
];
lines.push('', `Bar: a later tick ≤ 20 ms of the gateway's thread, and a first tick that does not block it. The CPU columns are the CPU time during the tick of the process (every thread: the monitor's, the database driver's, V8's helpers) and of the gateway's thread alone; the stall is how late a 1 ms timer on the gateway's thread fired at worst during the tick, measured on a second reader of the same kind so that the probe's own CPU stays out of the other columns. On a machine whose load exceeds its cores every figure also counts time spent waiting for a core. Memory: each arm's per-user sums in a window are bounded at ${MAX_BOOK_SLOTS.toLocaleString('en-US')} slots of 144 bytes (${((MAX_BOOK_SLOTS * 144) / 2 ** 20).toFixed(1)} MiB, plus the users' keys; the sums include each user's pre-race covariate), held by the monitor's thread; past it, users share slots by hash ([racing.md](racing.md)).`);
publishBenchSection('monitor', 'Race monitor tick', lines.join('\n'));
