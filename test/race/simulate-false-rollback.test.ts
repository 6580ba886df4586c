/**
 * The bar: 2,000 simulated races in which the challenger equals the champion, the monitor looking every
 * tick through the whole ramp, roll back at most α = 5 % of the time. Guardrail margins are 0, the worst case
 * (the null sits on the boundary); the same seed makes the count reproducible (23 of 2,000 when written).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultSimulationRace, simulate } from '../../src/race/simulate/simulate.js';

const NULL_RACE = defaultSimulationRace({ ramp: [5, 25, 50], guardrails: { error_rate: { margin: 0 }, p95_latency: { margin: 0 } } });

test('always-valid tests keep false rollbacks ≤ α over 2,000 races watched every tick', () => {
  const report = simulate({ race: NULL_RACE, effects: {}, trafficRps: 20, hours: 0.75, runs: 2000, intervalMs: 20_000, fx: { CNY: 1, USD: 7.1 }, seed: 11 });
  const rate = report.noEffect.rolledBack / report.noEffect.runs;
  assert.equal(report.noEffect.runs, 2000);
  assert.ok(rate <= NULL_RACE.policy.alpha, `false-rollback rate ${rate}`);
  // Sanity: the races did run their course (ramped to the last step), so the looks were many.
  assert.ok(report.noEffect.finalWeights.challenger! > 40, `final challenger share ${report.noEffect.finalWeights.challenger}`);
  assert.equal(report.noEffect.promoted, 0);
});
