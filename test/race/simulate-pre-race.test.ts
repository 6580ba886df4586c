/**
 * `saima simulate` with users who spent a week on the champion before the race: the tests adjust each user's
 * metrics by their own pre-race baseline (CUPED with the delta method, `stats/ratio.ts`). Seeded and small, so it
 * runs in seconds; the docs' tables come from `npm run bench:simulate-users`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultSimulationRace, simulateBatch } from '../../src/race/simulate/simulate.js';

const FX = { CNY: 1, USD: 7.1 };

test('a challenger 30 % slower among 200 users who differ: caught with their history, rarely without', () => {
  // 200 equally active users whose latencies differ (spread 0.3), default canary, 4 simulated hours. Without
  // history the lane's users' own speeds drown the model's: the per-user test caught this 1.5 % of the time in a
  // day. With a week of each user's requests on the champion, their baselines are known and the harm shows.
  const race = defaultSimulationRace();
  const effects = { p95_latency: 0.3 };
  const options = { race, effects, trafficRps: 20, hours: 4, runs: 12, intervalMs: 300_000, fx: FX, analysis: 'user' as const };
  const withHistory = simulateBatch({ ...options, users: { count: 200, activity: 'equal', spread: 0.3, preHours: 168 } }, effects, 21);
  const without = simulateBatch({ ...options, users: { count: 200, activity: 'equal', spread: 0.3, preHours: 0 } }, effects, 21);
  assert.ok(withHistory.rolledBack >= 11, `with history: ${withHistory.rolledBack} of 12 rolled back`);
  assert.ok(without.rolledBack <= 3, `without history: ${without.rolledBack} of 12 rolled back`);
});

test('A/A with history, guardrail margins 0 (the worst case): no false rollbacks or promotions', () => {
  const race = defaultSimulationRace({ ramp: [5, 25, 50], guardrails: { error_rate: { margin: 0 }, p95_latency: { margin: 0 } } });
  for (const users of [{ count: 200, activity: 'equal', spread: 0.3, preHours: 168 }, { count: 2000, activity: 'heavy', spread: 0.3, preHours: 168 }] as const) {
    const batch = simulateBatch({ race, effects: {}, trafficRps: 20, hours: 4, runs: 30, intervalMs: 300_000, fx: FX, users, analysis: 'user' }, {}, 9);
    assert.ok(batch.rolledBack + batch.promoted <= 2, `${users.activity}: ${batch.rolledBack} rolled back, ${batch.promoted} promoted of 30`);
  }
});
