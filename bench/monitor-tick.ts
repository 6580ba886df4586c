/**
 * `npm run bench:monitor`: what one race-monitor tick costs the gateway's thread on SQLite, where the evidence
 * reads run synchronously on it. A sticky canary race with an active challenger (so the tick reads both the metric
 * moments and the sample-ratio units) and BENCH_ROWS rows in its window, 5,000 distinct users; then ticks 5 s
 * apart, each after BENCH_NEW_ROWS new rows. The first read of a window goes through the index; later ticks read
 * only the rows inserted since. For comparison, the same window's moments and distinct-user counts as one full
 * SQL read each, which is what every tick cost before.
 *
 * Env: BENCH_ROWS (400000), BENCH_NEW_ROWS (3000), BENCH_TICKS (5), BENCH_WRITE (1; 0 prints only).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfig } from '../src/config/load.js';
import { EvidenceReader } from '../src/race/monitor-evidence.js';
import { RaceBook } from '../src/race/race-book.js';
import { RaceStates } from '../src/race/race-states.js';
import { openStore } from '../src/store/index.js';
import type { RequestLogRow } from '../src/store/types.js';
import { publishBenchSection } from './support/benchmarks-doc.js';

const env = (name: string, dflt: string): string => process.env[name] ?? dflt;
const ROWS = Number(env('BENCH_ROWS', '400000'));
const NEW_ROWS = Number(env('BENCH_NEW_ROWS', '3000'));
const TICKS = Number(env('BENCH_TICKS', '5'));

const dir = mkdtempSync(join(tmpdir(), 'saima-bench-monitor-'));
const store = await openStore(`sqlite:${join(dir, 'monitor.db')}`);
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
    userHash: i % 7 === 0 ? null : `u${i % 5000}`, parentId: null, shadow: false, stream: false, status: 200, outcome: 'ok',
    errorCode: null, errorMessage: null, attempts: 1, latencyMs: 100 + (i % 50), ttftMs: 40, promptTokens: 12, completionTokens: 30,
    reasoningTokens: 0, cachedTokens: 0, usageEstimated: false, costNanos: 60_000, currency: 'CNY', finishReason: 'stop',
    promptText: null, responseText: null, fallbackFrom: null,
  });
  const append = async (n: number, from: number): Promise<void> => {
    for (let done = 0; done < n; done += 5000) {
      await Promise.all(Array.from({ length: Math.min(5000, n - done) }, (_, k) => store.requestLog.append(row(from + done + k, done + k))));
    }
  };
  // The window: ROWS requests over the last ~10 minutes (what a race at ~650 req/s holds in `total_ms` + 30 s).
  await append(ROWS, since + 1000);
  now = since + 1000 + ROWS + 10;

  const reader = new EvidenceReader(store, config);
  const ticks: number[] = [];
  for (let k = 0; k < TICKS; k++) {
    if (k > 0) {
      await append(NEW_ROWS, now);
      now += 5000;
    }
    const t0 = performance.now();
    await reader.read(race, states.get('r')!, now);
    ticks.push(performance.now() - t0);
  }
  const f0 = performance.now();
  await store.requests.metricMoments('r', since, { contenders: ['champ', 'chal'] });
  await store.requests.assignmentCounts('r', Math.max(since, now - 30 * 60_000), { contenders: ['champ', 'chal'] });
  const full = performance.now() - f0;

  const later = ticks.slice(1);
  const section = [
    `\`npm run bench:monitor\` on ${cpus().length} cores, Node ${process.version}: one race-monitor tick on SQLite (synchronous on the gateway's thread), a sticky canary race with an active challenger, ${ROWS.toLocaleString('en-US')} rows in its window and 5,000 distinct users; ticks 5 s apart, ${NEW_ROWS.toLocaleString('en-US')} new rows before each.`,
    '',
    '| read | ms |',
    '| --- | ---: |',
    `| first tick (the window read once through the index) | ${ticks[0]!.toFixed(0)} |`,
    `| later ticks (rows inserted since the last), ${later.length} | ${Math.min(...later).toFixed(0)}–${Math.max(...later).toFixed(0)} |`,
    `| the same window read whole in SQL (moments + distinct users), what every tick cost before | ${full.toFixed(0)} |`,
  ].join('\n');
  publishBenchSection('monitor', 'Race monitor tick', section);
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
