/**
 * A sticky race weighs each user by at most `user_request_cap` observations of a metric in a window: a busier user
 * enters the delta method's moments at their own rate with the weight of the cap, so one very active user cannot
 * stand for a whole lane. Checked through the monitor's reader on both databases against the moments computed here
 * from the rows, across ticks while the heavy user's count grows past the cap; with the cap at 0 every request
 * weighs alike, as before.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorRateArm, logLatencyArm } from '../../src/race/evidence.js';
import { EvidenceReader } from '../../src/race/monitor-evidence.js';
import type { RatioMoments } from '../../src/stats/index.js';
import { testDialects } from '../support/databases.js';
import { requestRow } from '../store/rows.js';
import { monitorRig } from './monitor-support.js';

/** Delta-method moments from per-user (Y, N) pairs, each capped at c observations (Y scaled to keep the rate). */
function cappedMoments(pairs: Iterable<[number, number]>, c: number): RatioMoments {
  let units = 0, y = 0, n = 0, yy = 0, nn = 0, yn = 0, nnn = 0;
  for (const [a0, b0] of pairs) {
    if (b0 <= 0) continue;
    const [a, b] = c > 0 && b0 > c ? [(a0 * c) / b0, c] : [a0, b0];
    units++; y += a; n += b; yy += a * a; nn += b * b; yn += a * b; nnn += b * b * b;
  }
  return { units, y, n, yy, nn, yn, nnn };
}

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

for (const dialect of testDialects()) {
  test(`sticky race: a user past user_request_cap weighs as the cap, at their own rate (${dialect})`, async (t) => {
    const rig = await monitorRig(t, dialect, {
      capped: { champion: 'champ', challengers: [{ contender: 'chal', weight: 50 }], sticky: true, policy: { type: 'canary', user_request_cap: 10, pre_race_days: 0 } },
      uncapped: { champion: 'champ', challengers: [{ contender: 'chal', weight: 50 }], sticky: true, policy: { type: 'canary', user_request_cap: 0, pre_race_days: 0 } },
    });
    const reader = new EvidenceReader(rig.store, rig.config);
    let id = 0;
    // Per race, per arm, per user: errors, requests, Σ ln latency of successes, successes.
    const truth = new Map<string, Map<string, Map<string, [number, number, number, number]>>>();
    const put = async (race: string, ts: number, contender: string, user: string, failed: boolean, latencyMs: number) => {
      await rig.store.requestLog.append(requestRow({
        id: `q${id++}`, ts, race, contender, userHash: user, latencyMs, costNanos: 1000, currency: 'CNY',
        ...(failed ? { outcome: 'error' as const, errorCode: 'upstream_error', status: 502 } : {}),
      }));
      const arms = truth.get(race) ?? new Map<string, Map<string, [number, number, number, number]>>();
      truth.set(race, arms);
      const users = arms.get(contender) ?? new Map<string, [number, number, number, number]>();
      arms.set(contender, users);
      const u = users.get(user) ?? [0, 0, 0, 0];
      users.set(user, u);
      u[1]++;
      if (failed) u[0]++;
      else { u[2] += Math.log(latencyMs); u[3]++; }
    };
    // Nine light users per arm (5 requests each, no error); on the challenger one heavy user who fails every other
    // request and is slow, 30 requests before the first tick and 30 more before the second.
    const traffic = async (race: string, t0: number, fromS: number, heavy: number) => {
      for (let i = 0; i < 9; i++) {
        for (let k = 0; k < 5; k++) {
          await put(race, t0 + (fromS + i * 5 + k) * 1000, 'champ', `u${i}`, false, 300 + 10 * i + k);
          await put(race, t0 + (fromS + i * 5 + k) * 1000 + 1, 'chal', `v${i}`, false, 300 + 10 * i + k);
        }
      }
      for (let k = 0; k < heavy; k++) await put(race, t0 + (fromS + k) * 1000 + 2, 'chal', 'heavy', k % 2 === 0, 2000 + k);
    };
    const check = async (race: string, cap: number, nowS: number) => {
      const r = rig.config.races.get(race)!;
      const state = rig.states.get(race)!;
      const t0 = state.challengers[0]!.since;
      const arms = (await reader.read(r, state, t0 + nowS * 1000)).windows.get(t0)!;
      for (const [arm, users] of truth.get(race)!) {
        const units = arms.get(arm)!.units!;
        const err = cappedMoments([...users.values()].map((u) => [u[0], u[1]]), cap);
        const lat = cappedMoments([...users.values()].map((u) => [u[2], u[3]]), cap);
        for (const k of ['units', 'y', 'n', 'yy', 'nn', 'yn', 'nnn'] as const) {
          close(units.errors[k], err[k], `${race} ${arm} errors.${k} at ${nowS} s`);
          close(units.logLatency[k], lat[k], `${race} ${arm} logLatency.${k} at ${nowS} s`);
        }
      }
      return arms.get('chal')!;
    };

    for (const [race, cap] of [['capped', 10], ['uncapped', 0]] as const) {
      const t0 = rig.states.get(race)!.challengers[0]!.since;
      await traffic(race, t0, 0, 30);
      const first = await check(race, cap, 600);
      await traffic(race, t0, 600, 30);
      const second = await check(race, cap, 1200);
      if (cap > 0) {
        // 18 light requests per user now, the heavy user 60: half of them errors, weighing as 10 requests (5 errors).
        close(errorRateArm(first).mean, 5 / (9 * 5 + 10), 'capped error rate, first tick');
        close(errorRateArm(second).mean, 5 / (9 * 10 + 10), 'capped error rate, second tick');
        // Ten users, none dominant: worth nearly ten.
        assert.ok(errorRateArm(second).n > 9.5, `effective users ${errorRateArm(second).n}`);
      } else {
        close(errorRateArm(second).mean, 30 / (9 * 10 + 60), 'uncapped error rate: every request weighs alike');
        // One user holds 40 % of the weight: the ten users are worth (150)²/(9·10² + 60²) = 5.
        close(errorRateArm(second).n, 5, 'uncapped effective users');
      }
      // The heavy user's slowness counts at their own rate either way; capped it weighs less.
      assert.ok(logLatencyArm(second).mean > Math.log(300), `${race} latency`);
    }
  });
}
