/**
 * Sticky races: the monitor reads each user's pre-race history once — their requests and ratings on the champion
 * in the `pre_race_days` before the race's challengers first got traffic — and the per-user books carry it as the
 * covariate of the regression adjustment (ΣZ, ΣZ², ΣYZ, ΣNZ with Zᵢ = Nᵢ·xᵢ, xᵢ the user's own pre-race rate minus
 * the pooled one). Checked against the same sums computed here from the rows, on both databases; rows outside the
 * pre-race period, or not the champion's, do not count.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adjustmentOf, errorRateArm, logLatencyArm } from '../../src/race/evidence.js';
import { EvidenceReader } from '../../src/race/monitor-evidence.js';
import { ratioStats } from '../../src/stats/index.js';
import { testDialects } from '../support/databases.js';
import { requestRow } from '../store/rows.js';
import { monitorRig } from './monitor-support.js';

const DAY = 86_400_000;
const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

for (const dialect of testDialects()) {
  test(`sticky race: the users' pre-race history on the champion adjusts the tests (${dialect})`, async (t) => {
    const rig = await monitorRig(t, dialect, { s: { champion: 'champ', challengers: [{ contender: 'chal', weight: 50 }], sticky: true, policy: { type: 'canary', pre_race_days: 2 } } });
    const reader = new EvidenceReader(rig.store, rig.config);
    const race = rig.config.races.get('s')!;
    const state = rig.states.get('s')!;
    const t0 = state.challengers[0]!.since;
    let id = 0;
    const put = (ts: number, contender: string, user: string, failed: boolean, latencyMs: number) => rig.store.requestLog.append(requestRow({
      id: `q${id++}`, ts, race: 's', contender, userHash: user, latencyMs, costNanos: 1000, currency: 'CNY',
      ...(failed ? { outcome: 'error' as const, errorCode: 'upstream_error', status: 502 } : {}),
    }));
    // 12 users, u0..u5 later on the champion, v0..v5 on the challenger. User i fails on every (i % 3 + 2)-th
    // request and answers in 100·(1 + i % 4) ms, before the race and in it alike.
    const users = [...Array.from({ length: 6 }, (_, i) => `u${i}`), ...Array.from({ length: 6 }, (_, i) => `v${i}`)];
    const fails = (i: number, k: number) => k % (i % 3 + 2) === 0;
    const latency = (i: number, k: number) => 100 * (1 + (i % 4)) + (k % 5);
    const pre = new Map<string, { err: number; n: number; lat: number; ok: number }>();
    for (const [i, user] of users.entries()) {
      const h = { err: 0, n: 0, lat: 0, ok: 0 };
      for (let k = 0; k < 10 + i; k++) {
        const failed = fails(i, k);
        await put(t0 - DAY - 1000 * (k + 1) - i, 'champ', user, failed, latency(i, k));
        h.n++;
        if (failed) h.err++;
        else { h.ok++; h.lat += Math.log(latency(i, k)); }
      }
      pre.set(user, h);
    }
    // Not the history: older than pre_race_days, another contender, or after the challenger's first request.
    await put(t0 - 3 * DAY, 'champ', 'u1', true, 5000);
    await put(t0 - 1000, 'chal', 'v1', true, 5000);
    // The race: every user sends 8 requests to their lane.
    const window = new Map<string, { err: number; n: number; lat: number; ok: number }>();
    for (const [i, user] of users.entries()) {
      const arm = user.startsWith('u') ? 'champ' : 'chal';
      const w = { err: 0, n: 0, lat: 0, ok: 0 };
      for (let k = 0; k < 8; k++) {
        const failed = fails(i, k + 1);
        await put(t0 + 5000 + 1000 * k + i, arm, user, failed, latency(i, k));
        w.n++;
        if (failed) w.err++;
        else { w.ok++; w.lat += Math.log(latency(i, k)); }
      }
      window.set(user, w);
    }
    const ev = await reader.read(race, state, t0 + 600_000);
    const arms = ev.windows.get(t0)!;
    // Pooled pre-race rates, and each user's covariate.
    let err = 0, n = 0, lat = 0, ok = 0;
    for (const h of pre.values()) { err += h.err; n += h.n; lat += h.lat; ok += h.ok; }
    for (const [arm, prefix] of [['champ', 'u'], ['chal', 'v']] as const) {
      const units = arms.get(arm)!.units!;
      const mine = users.filter((u) => u.startsWith(prefix));
      const sums = (pick: (w: { err: number; n: number; lat: number; ok: number }) => [number, number], rate: (h: { err: number; n: number; lat: number; ok: number }) => number, pooled: number) => {
        let z = 0, zz = 0, yz = 0, nz = 0;
        for (const u of mine) {
          const [y, m] = pick(window.get(u)!);
          const zi = m * (rate(pre.get(u)!) - pooled);
          z += zi; zz += zi * zi; yz += y * zi; nz += m * zi;
        }
        return { z, zz, yz, nz };
      };
      const e = sums((w) => [w.err, w.n], (h) => h.err / h.n, err / n);
      const l = sums((w) => [w.lat, w.ok], (h) => h.lat / h.ok, lat / ok);
      for (const k of ['z', 'zz', 'yz', 'nz'] as const) {
        close(units.errors[k]!, e[k], `${arm} errors.${k}`);
        close(units.logLatency[k]!, l[k], `${arm} logLatency.${k}`);
      }
    }
    // The users' latencies are their own, before and in the race: adjusted, the lanes' difference in speed is
    // (nearly) no longer noise, and the latency test's variance is a small fraction of the plain one.
    const champ = arms.get('champ')!, chal = arms.get('chal')!;
    const plain = ratioStats(chal.units!.logLatency);
    assert.equal(logLatencyArm(chal).variance, plain.variance, 'without an adjustment, the plain delta method');
    const adj = adjustmentOf('logLatency', champ, chal);
    assert.ok(adj.theta > 0.5, `θ = ${adj.theta}`);
    const adjusted = logLatencyArm(chal, adj);
    assert.ok(adjusted.variance < 0.2 * plain.variance, `adjusted ${adjusted.variance} vs plain ${plain.variance}`);
    // n stays Kish's effective users: the adjustment changes the variance, not the number of units.
    assert.equal(adjusted.n, plain.n);
    assert.equal(errorRateArm(chal, adjustmentOf('errors', champ, chal)).n, errorRateArm(chal).n);
  });
}
