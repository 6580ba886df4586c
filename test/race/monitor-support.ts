/** A real store, race states and monitor on an injected clock, for the monitor tests; rows written directly. */
import type { TestContext } from 'node:test';
import { buildConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { RaceMonitor, type GateResults } from '../../src/race/monitor.js';
import type { EvidenceSource } from '../../src/race/monitor-evidence.js';
import { RaceBook } from '../../src/race/race-book.js';
import { RaceStates } from '../../src/race/race-states.js';
import { openStore, type Store } from '../../src/store/index.js';
import { SeededRandom } from '../../src/stats/index.js';
import { storeUrlFor, type TestDialect } from '../support/databases.js';
import { requestRow } from '../store/rows.js';

export interface MonitorRig {
  store: Store;
  config: Config;
  states: RaceStates;
  monitor: RaceMonitor;
  clock: { now: number };
  /** Appends n rows for a contender at the current clock, `errors` of them failed. */
  traffic(race: string, contender: string, n: number, errors?: number, ts?: number): Promise<void>;
}

export async function monitorRig(
  t: TestContext, dialect: TestDialect, races: Record<string, unknown>,
  opts: { gates?: GateResults; errors?: string[]; intervalMs?: number; evidence?: (store: Store, config: Config) => EvidenceSource } = {},
): Promise<MonitorRig> {
  const store = await openStore(await storeUrlFor(dialect, t));
  t.after(() => store.close());
  const mock = { provider: 'mock', model: 'm', price: { input: 1, output: 2 }, mock: {} };
  const names = new Set(Object.values(races).flatMap((r) => {
    const race = r as { champion: string; challengers?: Array<{ contender: string }> };
    return [race.champion, ...(race.challengers ?? []).map((c) => c.contender)];
  }));
  const config = buildConfig({ store: 'sqlite::memory:', monitor: { interval_ms: opts.intervalMs ?? 5000 }, contenders: Object.fromEntries([...names].map((n) => [n, mock])), races }, {});
  const clock = { now: 1_700_000_000_000 };
  const now = () => clock.now;
  const states = new RaceStates(store, config, new RaceBook(config), now);
  await states.init();
  const monitor = new RaceMonitor({
    config, store, raceStates: states, now, random: new SeededRandom(3), gates: opts.gates ?? null,
    onError: (race, err) => opts.errors?.push(`${race}: ${(err as Error).message}`),
    ...(opts.evidence ? { evidence: opts.evidence(store, config) } : {}),
  });
  t.after(() => monitor.stop());
  let seq = 0;
  return {
    store, config, states, monitor, clock,
    async traffic(race, contender, n, errors = 0, ts = clock.now) {
      await Promise.all(Array.from({ length: n }, (_, i) => store.requestLog.append(requestRow({
        id: `r${seq++}`, ts, race, contender, userHash: null, costNanos: 1000, currency: 'CNY', latencyMs: 500 + (i % 7) * 10,
        ...(i < errors ? { outcome: 'error' as const, errorCode: 'upstream_error', status: 502 } : {}),
      }))));
    },
  };
}
