/**
 * In a sticky race the monitor tests every metric with the user as the unit: per-user sums read from the store
 * and kept across ticks, fed to the delta method. Checked against the same numbers computed here from the rows
 * themselves, on both databases, over ticks that add rows late and feedback; a per-request race keeps requests
 * as its unit.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorRateArm, feedbackArm, logLatencyArm } from '../../src/race/evidence.js';
import { EvidenceReader } from '../../src/race/monitor-evidence.js';
import { ratioStats, type RatioMoments } from '../../src/stats/index.js';
import { testDialects } from '../support/databases.js';
import { requestRow } from '../store/rows.js';
import { monitorRig } from './monitor-support.js';

/** Delta-method moments from per-unit (Y, N) pairs. */
function unitMoments(pairs: Iterable<[number, number]>): RatioMoments {
  let units = 0, y = 0, n = 0, yy = 0, nn = 0, yn = 0, nnn = 0;
  for (const [a, b] of pairs) {
    if (b <= 0) continue;
    units++; y += a; n += b; yy += a * a; nn += b * b; yn += a * b; nnn += b * b * b;
  }
  return { units, y, n, yy, nn, yn, nnn };
}

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

for (const dialect of testDialects()) {
  test(`sticky race: every metric's unit is the user, kept across ticks (${dialect})`, async (t) => {
    const rig = await monitorRig(t, dialect, { s: { champion: 'champ', challengers: [{ contender: 'chal', weight: 50 }], sticky: true, policy: { type: 'canary' } } });
    const reader = new EvidenceReader(rig.store, rig.config);
    const race = rig.config.races.get('s')!;
    const state = rig.states.get('s')!;
    const t0 = state.challengers[0]!.since;
    // Every row and rating written, to compute what the monitor must see: per arm, per unit (user, or one per
    // anonymous row), requests that ended and ratings given a commit delay (30 s) before the tick — on SQLite,
    // which reads requests in insertion order, every request inserted.
    const events: Array<{ arm: string; key: string; visibleAt: number; err?: number; lat?: number; fb?: number }> = [];
    const truthAt = (now: number) => {
      const truth = new Map<string, Map<string, { err: [number, number]; lat: [number, number]; fb: [number, number] }>>();
      for (const e of events) {
        if (e.visibleAt >= now - 30_000 && !(dialect === 'sqlite' && e.fb === undefined)) continue;
        const arm = truth.get(e.arm) ?? new Map();
        truth.set(e.arm, arm);
        const u = arm.get(e.key) ?? { err: [0, 0], lat: [0, 0], fb: [0, 0] };
        arm.set(e.key, u);
        if (e.err !== undefined) { u.err[0] += e.err; u.err[1] += 1; }
        if (e.lat !== undefined) { u.lat[0] += e.lat; u.lat[1] += 1; }
        if (e.fb !== undefined) { u.fb[0] += e.fb; u.fb[1] += 1; }
      }
      return truth;
    };
    let id = 0;
    const put = async (ts: number, contender: string, user: string | null, failed: boolean, latencyMs: number) => {
      const rowId = `q${id++}`;
      await rig.store.requestLog.append(requestRow({
        id: rowId, ts, race: 's', contender, userHash: user, latencyMs, costNanos: 1000, currency: 'CNY',
        ...(failed ? { outcome: 'error' as const, errorCode: 'upstream_error', status: 502 } : {}),
      }));
      const key = user ?? `anon:${rowId}`;
      events.push({ arm: contender, key, visibleAt: ts + latencyMs, err: failed ? 1 : 0, ...(failed ? {} : { lat: Math.log(latencyMs) }) });
      return { rowId, key };
    };
    const rate = async (contender: string, req: { rowId: string; key: string }, score: number, ts: number) => {
      await rig.store.feedback.insertFeedback({ id: `f${id++}`, ts, requestId: req.rowId, race: 's', contender, team: null, keyId: null, score, comment: null });
      events.push({ arm: contender, key: req.key, visibleAt: ts, fb: score });
    };
    // 24 users per arm who differ: user i fails on every (i % 4 + 2)-th request and answers in 200·(1 + i % 5) ms.
    const traffic = async (fromS: number, toS: number) => {
      for (let s = fromS; s < toS; s += 5) {
        for (const [arm, prefix] of [['champ', 'u'], ['chal', 'v']] as const) {
          const i = (s / 5) % 24;
          const req = await put(t0 + s * 1000, arm, `${prefix}${i}`, (s / 5) % (i % 4 + 2) === 0, 200 * (1 + (i % 5)) + (s % 7));
          if (s % 15 === 0) await rate(arm, req, i % 3 === 0 ? -1 : 1, t0 + s * 1000 + 100);
        }
        if (s % 40 === 0) await put(t0 + s * 1000 + 7, 'chal', null, s % 80 === 0, 900);
      }
    };
    const check = async (nowS: number) => {
      const ev = await reader.read(race, state, t0 + nowS * 1000);
      const arms = ev.windows.get(t0)!;
      for (const [name, users] of truthAt(t0 + nowS * 1000)) {
        const a = arms.get(name)!;
        assert.ok(a.units, `${name}: user-level evidence`);
        const err = unitMoments([...users.values()].map((u) => u.err));
        const lat = unitMoments([...users.values()].map((u) => u.lat));
        const fb = unitMoments([...users.values()].map((u) => u.fb));
        for (const [got, want, what] of [[a.units.errors, err, 'errors'], [a.units.logLatency, lat, 'latency'], [a.units.feedback, fb, 'feedback']] as const) {
          for (const k of ['units', 'y', 'n', 'yy', 'nn', 'yn', 'nnn'] as const) close(got[k], want[k], `${name} ${what}.${k} at ${nowS} s`);
        }
        // The tests' arm statistics: n = effective units (users and anonymous rows, Kish), the delta-method variance.
        const e = errorRateArm(a);
        close(e.n, (err.n * err.n) / err.nn, `${name} effective users`);
        close(e.variance, Math.max(ratioStats(err).variance, ((err.y + 0.5) / (err.n + 1)) * (1 - (err.y + 0.5) / (err.n + 1)) * e.n / err.n), `${name} error variance`);
        close(logLatencyArm(a).variance, ratioStats(lat).variance, `${name} latency variance`);
        close(feedbackArm(a).n, (fb.n * fb.n) / fb.nn, `${name} feedback effective users`);
      }
      return arms;
    };
    await traffic(0, 1200);
    const first = await check(1200);
    assert.equal(first.get('champ')!.units!.errors.units, 24, 'champion: 24 users, no anonymous rows');
    assert.equal(first.get('chal')!.units!.errors.units, 24 + 30, 'challenger: 24 users and 30 anonymous rows');
    assert.equal(first.get('champ')!.requests, 240);
    assert.equal(first.get('champ')!.units!.feedback.n, 78, 'ratings given up to 30 s before the tick');
    // Next ticks: more of the same users, and a request that started 10 minutes ago ends only now.
    await traffic(1200, 1500);
    await put(t0 + 910_003, 'champ', 'u5', false, 590_000);
    await check(1505);
    await check(1520);
    // Ten minutes later the recent part has settled (PostgreSQL), or been read once (SQLite): still the same.
    await traffic(1500, 1800);
    await check(2400);
  });

  test(`per-request race: requests stay the unit (${dialect})`, async (t) => {
    const rig = await monitorRig(t, dialect, { p: { champion: 'champ', challengers: [{ contender: 'chal', weight: 50 }], sticky: false, policy: { type: 'canary' } } });
    const reader = new EvidenceReader(rig.store, rig.config);
    const state = rig.states.get('p')!;
    rig.clock.now = state.challengers[0]!.since + 1000;
    await rig.traffic('p', 'champ', 40, 4);
    const ev = await reader.read(rig.config.races.get('p')!, state, rig.clock.now + 1000);
    const champ = ev.windows.get(state.challengers[0]!.since)!.get('champ')!;
    assert.equal(champ.units ?? null, null);
    assert.equal(errorRateArm(champ).n, 40);
  });
}
