/**
 * `saima simulate` with users: an A/A race (challenger identical to the champion) among 200 equally active users
 * who differ (per-user spread 0.3), each sticky in the lane the router gives them. Analysed per request — what
 * the monitor did before — the race rolls a harmless challenger back most of the time, because the test then
 * measures which users landed in which lane; analysed per user it stays within α. Guardrail margins 0, the worst
 * case. Small and seeded, so it runs in seconds: the docs' tables come from `npm run bench:simulate-users`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LaneLayout } from '../../src/race/assign.js';
import { defaultSimulationRace, simulateBatch } from '../../src/race/simulate/simulate.js';
import { drawPopulation, pickUser } from '../../src/race/simulate/users.js';
import { SeededRandom } from '../../src/stats/index.js';

const RACE = defaultSimulationRace({ ramp: [5, 25, 50], guardrails: { error_rate: { margin: 0 }, p95_latency: { margin: 0 } } });
const USERS = { count: 200, activity: 'equal', spread: 0.3 } as const;

test('A/A with sticky users who differ: per-request tests roll back a harmless challenger, per-user tests do not', () => {
  const options = { race: RACE, effects: {}, trafficRps: 20, hours: 4, runs: 30, intervalMs: 300_000, fx: { CNY: 1, USD: 7.1 }, users: USERS };
  const perRequest = simulateBatch({ ...options, analysis: 'request' }, {}, 3);
  const perUser = simulateBatch({ ...options, analysis: 'user' }, {}, 3);
  assert.ok(perRequest.rolledBack >= 10, `per-request analysis: ${perRequest.rolledBack} of 30 rolled back`);
  assert.ok(perUser.rolledBack + perUser.promoted <= 2, `per-user analysis: ${perUser.rolledBack} rolled back, ${perUser.promoted} promoted of 30`);
  // The per-user races did run: the challenger climbed the ramp.
  assert.ok(perUser.finalWeights.challenger! > 20, `final challenger share ${perUser.finalWeights.challenger}`);
});

test('activity shapes: equal spreads requests evenly, heavy puts many on a few users', () => {
  const share = (activity: 'equal' | 'skewed' | 'heavy') => {
    const rng = new SeededRandom(1);
    const pop = drawPopulation({ count: 2000, activity, spread: 0 }, rng, 's');
    const counts = new Int32Array(pop.count);
    for (let i = 0; i < 100_000; i++) counts[pickUser(pop, rng)]!++;
    const sorted = [...counts].sort((a, b) => b - a);
    return sorted.slice(0, 20).reduce((s, x) => s + x, 0) / 100_000;
  };
  const top = { equal: share('equal'), skewed: share('skewed'), heavy: share('heavy') };
  assert.ok(top.equal < 0.02, JSON.stringify(top));
  // Zipf 0.7 over 2,000 users: the top 1 % send Σ_{r≤20} r^−0.7 / Σ_{r≤2000} r^−0.7 = 18.3 %; Zipf 1.2: 63.6 %.
  assert.ok(Math.abs(top.skewed - 0.183) < 0.01, JSON.stringify(top));
  assert.ok(Math.abs(top.heavy - 0.636) < 0.01, JSON.stringify(top));
});

test('simulated users land in the lanes the router gives them', () => {
  // The simulator keys users by name and asks the router's LaneLayout: a 25 % lane holds about a quarter of them.
  const pop = drawPopulation(USERS, new SeededRandom(2), 'lanes');
  const lanes = new LaneLayout('champion', [{ name: 'challenger', weight: 25 }]);
  const inLane = pop.keys.filter((k) => lanes.sticky(k) === 'challenger').length;
  assert.ok(Math.abs(inLane / pop.count - 0.25) < 0.08, `${inLane} of ${pop.count}`);
});

test('A/A with heavy-tailed activity: a few users who send most of the requests do not read as many units', () => {
  // The top 1 % of 2,000 users send 64 % of the requests. Counting users (n = k) and the plain delta-method
  // variance rolled this harmless challenger back in 7 of these 40 races; n = Kish's effective users and the
  // bias-reduced variance leave it alone.
  const heavy = simulateBatch({ race: RACE, effects: {}, trafficRps: 20, hours: 4, runs: 40, intervalMs: 300_000, fx: { CNY: 1, USD: 7.1 }, users: { count: 2000, activity: 'heavy', spread: 0.3 }, analysis: 'user' }, {}, 5);
  assert.ok(heavy.rolledBack + heavy.promoted <= 2, `heavy-tailed: ${heavy.rolledBack} rolled back, ${heavy.promoted} promoted of 40`);
});

test('heavy-tailed activity: a challenger that fails 2 points more often is caught once no user weighs more than the cap', () => {
  // Uncapped, the 2,000 users are worth about 15 equally active ones and no lane reaches the 30 effective users a
  // test needs: none of these races rolled back. Each user weighing at most 300 requests (the default), the lanes
  // are worth hundreds of users within hours.
  const effects = { error_rate: 0.02 };
  const run = (cap: number) => simulateBatch({ race: defaultSimulationRace({ user_request_cap: cap }), effects, trafficRps: 20, hours: 6, runs: 12, intervalMs: 300_000, fx: { CNY: 1, USD: 7.1 }, users: { count: 2000, activity: 'heavy', spread: 0.3 }, analysis: 'user' }, effects, 9);
  const capped = run(300);
  const uncapped = run(0);
  assert.ok(capped.rolledBack >= 11, `capped: ${capped.rolledBack} of 12 rolled back`);
  assert.ok(uncapped.rolledBack <= 1, `uncapped: ${uncapped.rolledBack} of 12 rolled back`);
});

test('the bandit rolls back a challenger that fails 2 points more often, with the canary guardrails', () => {
  // Sticky users of skewed activity, 12 simulated hours. Before the bandit had the canary's guardrails (windows
  // restarting at each re-weight, min_samples counted in observations) it rolled back none of these 16.
  const race = defaultSimulationRace({ type: 'bandit' });
  const effects = { error_rate: 0.02 };
  const batch = simulateBatch({ race, effects, trafficRps: 20, hours: 12, runs: 16, intervalMs: 300_000, fx: { CNY: 1, USD: 7.1 }, users: { count: 2000, activity: 'skewed', spread: 0.3 }, analysis: 'user' }, effects, 5);
  assert.ok(batch.rolledBack >= 4, `bandit: ${batch.rolledBack} of 16 rolled back`);
});
