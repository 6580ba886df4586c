/**
 * `npm run bench:monitor`: what one race-monitor tick costs the gateway's thread. A sticky canary race with an
 * active challenger (so the tick reads the metric moments, the per-user sums of every metric and the
 * sample-ratio units) and BENCH_ROWS rows in its window from BENCH_USERS distinct users, one in ten rated; then
 * ticks 5 s apart, each after BENCH_NEW_ROWS new rows. The first read of a window goes through the index; later
 * ticks read only what arrived since. On SQLite the reads run synchronously on the gateway's thread, so a tick's
 * wall time is what the gateway waits; on PostgreSQL they do not, and the thread's share is measured as the
 * longest event-loop stall during the tick (a timer's lateness). For comparison on SQLite, the same window's
 * moments and distinct-user counts as one full SQL read each, what every tick cost before.
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
import { EvidenceReader } from '../src/race/monitor-evidence.js';
import { RaceBook } from '../src/race/race-book.js';
import { RaceStates } from '../src/race/race-states.js';
import { MAX_BOOK_SLOTS } from '../src/race/unit-book.js';
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

interface Result { store: string; first: number; later: number[]; laterCpu: number[]; laterThread: number[]; full: number | null }

/** The longest a timer fired late while `work` ran: how long the thread was not free. */
async function stallDuring<T>(work: () => Promise<T>): Promise<number> {
  let worst = 0;
  let last = performance.now();
  let done = false;
  const beat = (): void => {
    const t = performance.now();
    worst = Math.max(worst, t - last);
    last = t;
    if (!done) setImmediate(beat);
  };
  setImmediate(beat);
  await work();
  done = true;
  worst = Math.max(worst, performance.now() - last);
  return worst;
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

    const reader = new EvidenceReader(store, config);
    const ticks: number[] = [];
    // CPU time of the process during a tick: on a loaded machine the wall time also counts time the thread waited
    // for a core, which the tick did not cost. Measured on ticks of their own on PostgreSQL, where the stall
    // monitor's timer spinning while the reads wait would count too.
    const cpu: number[] = [];
    // The same, of the gateway's thread alone (without V8's helper threads: the concurrent collector, the compiler).
    const thread: number[] = [];
    const tick = async (measureStall: boolean): Promise<void> => {
      await append(NEW_ROWS, now);
      await store.requestLog.flush();
      now += 5000;
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const th0 = threadCpuUsage();
      if (measureStall) ticks.push(await stallDuring(() => reader.read(race, states.get('r')!, now)));
      else await reader.read(race, states.get('r')!, now);
      const c = process.cpuUsage(c0);
      const th = threadCpuUsage(th0);
      if (!measureStall) ticks.push(performance.now() - t0);
      if (kind === 'sqlite' || !measureStall) {
        cpu.push((c.user + c.system) / 1000);
        thread.push((th.user + th.system) / 1000);
      }
    };
    const t0 = performance.now();
    if (kind === 'sqlite') await reader.read(race, states.get('r')!, now);
    else await stallDuring(() => reader.read(race, states.get('r')!, now)).then((s) => ticks.push(s));
    if (kind === 'sqlite') ticks.push(performance.now() - t0);
    for (let k = 1; k < TICKS; k++) await tick(kind !== 'sqlite');
    if (kind !== 'sqlite') for (let k = 1; k < TICKS; k++) await tick(false);
    let full: number | null = null;
    if (kind === 'sqlite') {
      const f0 = performance.now();
      await store.requests.metricMoments('r', since, { contenders: ['champ', 'chal'] });
      await store.requests.assignmentCounts('r', Math.max(since, now - 30 * 60_000), { contenders: ['champ', 'chal'] });
      full = performance.now() - f0;
    }
    return { store: kind, first: ticks[0]!, later: ticks.slice(1, TICKS), laterCpu: cpu, laterThread: thread, full };
  } finally {
    await store.close();
    await cleanup();
  }
}

/** CPU time of the calling thread (Node ≥ 22.19; the installed type definitions predate it). */
const threadCpuUsage = (process as unknown as { threadCpuUsage(prev?: NodeJS.CpuUsage): NodeJS.CpuUsage }).threadCpuUsage.bind(process);
const range = (xs: number[]): string => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const results: Result[] = [];
const loadBefore = loadavg()[0]!;
for (const kind of STORES) results.push(await run(kind));
const load = Math.max(loadBefore, loadavg()[0]!);
const lines = [
  `\`npm run bench:monitor\` on ${cpus().length} cores (1-minute load average up to ${load.toFixed(1)} during the run), Node ${process.version}: one race-monitor tick, a sticky canary race with an active challenger, ${ROWS.toLocaleString('en-US')} rows in its window from ${USERS.toLocaleString('en-US')} distinct users (one in seven anonymous, one in ten rated), every metric tested per user; ticks 5 s apart, ${NEW_ROWS.toLocaleString('en-US')} new rows before each. SQLite: the tick's wall time (its reads run on the gateway's thread). PostgreSQL: the longest the gateway's thread was blocked during the tick.`,
  '',
  '| store | first tick (the window read once through the index), ms | later ticks, ms | later ticks, CPU ms of the process | later ticks, CPU ms of the gateway\'s thread (median) | the same window read whole in SQL (what every tick cost before), ms |',
  '| --- | ---: | ---: | ---: | ---: | ---: |',
  ...results.map((r) => `| ${r.store} | ${r.first.toFixed(0)} | ${range(r.later)} | ${range(r.laterCpu)} | ${range(r.laterThread)} (${median(r.laterThread).toFixed(0)}) | ${r.full === null ? '—' : r.full.toFixed(0)} |`),
];
lines.push('', `Bar: a later tick ≤ 20 ms of the gateway's thread. The CPU columns are the CPU time during the tick of the process and of the gateway's thread alone (on PostgreSQL on ticks of their own, without the stall monitor, and with the driver's work on other turns of the event loop); on a machine whose load exceeds its cores the wall time also counts time spent waiting for a core. Memory: each arm's per-user sums in a window are bounded at ${MAX_BOOK_SLOTS.toLocaleString('en-US')} slots of 144 bytes (${((MAX_BOOK_SLOTS * 144) / 2 ** 20).toFixed(1)} MiB, plus the users' keys; the sums include each user's pre-race covariate); past it, users share slots by hash ([racing.md](racing.md)).`);
publishBenchSection('monitor', 'Race monitor tick', lines.join('\n'));
