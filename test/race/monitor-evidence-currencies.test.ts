/**
 * An arm whose rows were charged in two currencies — its own calls in CNY, the calls a fallback priced in USD rescued
 * for it — has its cost converted row by row at the configured rate, in the arm's moments and in each user's sums,
 * on both stores, for sticky races (users as units) and races split per request, at the first read and after it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EvidenceReader } from '../../src/race/monitor-evidence.js';
import { testDialects } from '../support/databases.js';
import { requestRow } from '../store/rows.js';
import { monitorRig } from './monitor-support.js';

const OWN = 2_000_000; // nanos CNY
const RESCUE = 1_000_000; // nanos USD
const USD = 7.1;
const PER_USER = (OWN + RESCUE * USD) / 1e9; // CNY

function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${actual} ≠ ${expected}`);
}

for (const dialect of testDialects()) {
  test(`an arm's costs in two currencies are converted row by row (${dialect})`, async (t) => {
    const policy = { type: 'canary' };
    const rig = await monitorRig(t, dialect, {
      s: { champion: 'champ', challengers: [{ contender: 'chal', weight: 20 }], sticky: true, policy },
      p: { champion: 'champ', challengers: [{ contender: 'chal', weight: 20 }], sticky: false, policy },
    });
    const reader = new EvidenceReader(rig.store, rig.config);
    let id = 0;
    const put = async (race: string, users: number, ts: number) => {
      for (let u = 0; u < users; u++) {
        const user = race === 's' ? `u${u}` : null;
        await rig.store.requestLog.append(requestRow({ id: `c${id++}`, ts, race, contender: 'chal', userHash: user, latencyMs: 100, costNanos: OWN, currency: 'CNY' }));
        await rig.store.requestLog.append(requestRow({ id: `c${id++}`, ts: ts + 1, race, contender: 'abroad', fallbackFrom: 'chal', userHash: user, latencyMs: 100, costNanos: RESCUE, currency: 'USD' }));
      }
    };
    const check = async (race: string, users: number, now: number) => {
      const state = rig.states.get(race)!;
      const since = state.challengers[0]!.since;
      const arm = (await reader.read(rig.config.races.get(race)!, state, now)).windows.get(since)!.get('chal')!;
      assert.equal(arm.cost.n, 2 * users, `${race}: rows`);
      close(arm.cost.sum, users * PER_USER, `${race}: the arm's cost in CNY`);
      close(arm.cost.sumSquares, users * ((OWN / 1e9) ** 2 + ((RESCUE * USD) / 1e9) ** 2), `${race}: the arm's squared costs`);
      if (race === 's') {
        const c = arm.units!.cost;
        assert.equal(c.units, users);
        close(c.y, users * PER_USER, 's: per-user sums of cost');
        close(c.yy, users * PER_USER ** 2, 's: squares of per-user sums');
      } else {
        assert.equal(arm.units ?? null, null);
      }
    };
    const t0 = rig.states.get('s')!.challengers[0]!.since;
    await put('s', 10, t0 + 1000);
    await put('p', 10, t0 + 1000);
    // Read 2 minutes later (settled: the request-level sums are read once and kept), then again after more rows.
    await check('s', 10, t0 + 1000 + 120_000);
    await check('p', 10, t0 + 1000 + 120_000);
    await put('s', 5 + 10, t0 + 130_000); // users u0..u14: u0..u9 twice, five new
    await put('p', 15, t0 + 130_000);
    const later = t0 + 130_000 + 120_000;
    const s = rig.states.get('s')!;
    const arm = (await reader.read(rig.config.races.get('s')!, s, later)).windows.get(t0)!.get('chal')!;
    close(arm.cost.sum, 25 * PER_USER, 's later: the arm\'s cost');
    assert.equal(arm.units!.cost.units, 15);
    close(arm.units!.cost.yy, 10 * (2 * PER_USER) ** 2 + 5 * PER_USER ** 2, 's later: squares of per-user sums');
    const p = (await reader.read(rig.config.races.get('p')!, rig.states.get('p')!, later)).windows.get(rig.states.get('p')!.challengers[0]!.since)!.get('chal')!;
    close(p.cost.sum, 25 * PER_USER, 'p later: the arm\'s cost');
  });
}
