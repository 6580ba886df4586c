/**
 * The monitor's evidence reader caches the settled part of a window (rows older than the longest request can
 * take) and re-reads only the recent part, yet always equals a full read of the window: rows written late for an
 * early start time are still counted, costs are converted to CNY, and feedback joins its contender.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EvidenceReader, srmWindowStart } from '../../src/race/monitor-evidence.js';
import { testDialects } from '../support/databases.js';
import { requestRow } from '../store/rows.js';
import { monitorRig } from './monitor-support.js';

for (const dialect of testDialects()) {
  test(`incremental windows equal a full read (${dialect})`, async (t) => {
    const rig = await monitorRig(t, dialect, { r: { champion: 'champ', challengers: [{ contender: 'chal', weight: 20 }], policy: { type: 'canary' } } });
    const reader = new EvidenceReader(rig.store, rig.config);
    const t0 = rig.states.get('r')!.challengers[0]!.since;
    let id = 0;
    const put = (ts: number, contender: string, extra: Record<string, unknown> = {}) =>
      rig.store.requestLog.append(requestRow({ id: `w${id++}`, ts, race: 'r', contender, latencyMs: 100 + (id % 13) * 37, costNanos: 2_000_000, currency: contender === 'chal' ? 'USD' : 'CNY', ...extra }));
    // 40 minutes of traffic, one request every 20 s per contender; some failures.
    for (let s = 0; s < 2400; s += 20) {
      await put(t0 + s * 1000, 'champ');
      await put(t0 + s * 1000 + 7, 'chal', s % 200 === 0 ? { outcome: 'error', errorCode: 'upstream_error' } : {});
    }
    await rig.store.feedback.insertFeedback({ id: 'f1', ts: t0 + 5, requestId: 'w1', race: 'r', contender: 'chal', team: null, keyId: null, score: 1, comment: null });
    const full = async () => new Map((await rig.store.requests.metricMoments('r', t0)).map((m) => [m.contender, m]));
    const check = async (now: number) => {
      const ev = await reader.read(rig.config.races.get('r')!, rig.states.get('r')!, now);
      const arms = ev.windows.get(t0)!;
      for (const [name, m] of await full()) {
        const a = arms.get(name)!;
        assert.deepEqual([a.requests, a.errors, a.logLatency.n], [m.requests, m.errors, m.logLatency.n], name);
        assert.ok(Math.abs(a.logLatency.sum - m.logLatency.sum) < 1e-6 && Math.abs(a.logLatency.sumSquares - m.logLatency.sumSquares) < 1e-5);
        const rate = name === 'chal' ? 7.1 : 1;
        assert.ok(Math.abs(a.cost.sum - (m.cost.sum * rate) / 1e9) < 1e-9, `${name} cost in CNY`);
      }
      return arms;
    };
    // SQLite is read in insertion order (each row once); PostgreSQL, which has no such order, by time.
    const lastRow = await rig.store.requests.lastRow();
    if (dialect === 'sqlite') assert.ok(lastRow !== null && lastRow >= id, `rowid ${lastRow} after ${id} rows`);
    else assert.equal(lastRow, null);
    const first = await check(t0 + 2400_000);
    assert.equal(first.get('chal')!.requests, 120);
    assert.equal(first.get('chal')!.errors, 12);
    assert.deepEqual(first.get('chal')!.feedback, { n: 1, sum: 1, sumSquares: 1 });
    // A long request that started 5 minutes ago ends now: its row appears late, inside the unsettled part.
    await put(t0 + 2100_000, 'chal');
    await put(t0 + 2405_000, 'champ');
    const second = await check(t0 + 2410_000);
    assert.equal(second.get('chal')!.requests, 121);
    assert.equal(second.get('champ')!.requests, 121);
  });
}

for (const dialect of testDialects()) {
  test(`sample-ratio units kept across ticks equal a full count of the sliding window (${dialect})`, async (t) => {
    const rig = await monitorRig(t, dialect, { s: { champion: 'champ', challengers: [{ contender: 'chal', weight: 20 }], sticky: true, policy: { type: 'canary' } } });
    const reader = new EvidenceReader(rig.store, rig.config);
    const race = rig.config.races.get('s')!;
    const state = rig.states.get('s')!;
    const t0 = state.challengers[0]!.since;
    let id = 0;
    // Every 10 s: a returning user on each arm (users cycle through 40 names), an anonymous request every 30 s.
    const put = (ts: number, contender: string, user: string | null) =>
      rig.store.requestLog.append(requestRow({ id: `a${id++}`, ts, race: 's', contender, userHash: user }));
    const traffic = async (fromS: number, toS: number) => {
      for (let s = fromS; s < toS; s += 10) {
        await put(t0 + s * 1000, 'champ', `u${(s / 10) % 40}`);
        await put(t0 + s * 1000 + 3, 'chal', `v${(s / 10) % 40}`);
        if (s % 30 === 0) await put(t0 + s * 1000 + 500, s % 60 === 0 ? 'champ' : 'chal', null);
      }
    };
    const check = async (nowS: number) => {
      const now = t0 + nowS * 1000;
      const ev = await reader.read(race, state, now);
      const full = await rig.store.requests.assignmentCounts('s', srmWindowStart(t0, now), { contenders: ['champ', 'chal'] });
      const expected = new Map(full.map((c) => [c.contender, c.users + c.anonymous]));
      assert.deepEqual(ev.assignment?.units, expected, `at ${nowS} s`);
      return expected;
    };
    await traffic(0, 1200);
    const first = await check(1200);
    assert.equal(first.get('champ'), 40 + 20, '40 distinct users and 20 anonymous requests in 20 minutes');
    // Later, a fresh half-hour window (from 30 min on): users drop out and come back, and a late row lands for a
    // request that started 5 minutes ago (inside the window) and one that started 40 minutes ago (outside it).
    await traffic(1200, 3590);
    await put(t0 + 3300_000 + 7, 'chal', 'late-user');
    await put(t0 + 1200_000 + 7, 'chal', 'too-old-user');
    const later = await check(3595);
    assert.equal(srmWindowStart(t0, t0 + 3595_000), t0 + 1800_000);
    assert.equal(later.get('chal'), 40 + 1 + 30, 'distinct users since the half hour began, the late one included, plus anonymous requests');
    // Ticks with nothing new are counted the same; at the next half hour a fresh window starts, counted to the
    // millisecond.
    await check(3595.5);
    await traffic(3600, 3700);
    const fresh = await check(3700.2);
    assert.equal(srmWindowStart(t0, t0 + 3700_200), t0 + 3600_000);
    assert.ok(fresh.get('chal')! < 20, `a fresh window counts only its own units: ${fresh.get('chal')}`);
  });
}
