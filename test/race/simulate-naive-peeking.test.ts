/**
 * The same 2,000 races as `simulate-false-rollback.test.ts`, but each look uses a fixed-horizon one-sided z-test
 * at the same levels: looking every tick inflates false rollbacks far above α (378 of 2,000 when written, against
 * 23 with the always-valid tests) — the reason the monitor uses confidence sequences.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixedHorizonInterval } from '../../src/race/policies/index.js';
import { defaultSimulationRace, simulate } from '../../src/race/simulate/simulate.js';

const race = defaultSimulationRace({ ramp: [5, 25, 50], guardrails: { error_rate: { margin: 0 }, p95_latency: { margin: 0 } } });

test('a fixed-horizon z-test checked every tick rolls back far more than α', () => {
  const report = simulate({ race, effects: {}, trafficRps: 20, hours: 0.75, runs: 2000, intervalMs: 20_000, fx: { CNY: 1, USD: 7.1 }, seed: 11, method: fixedHorizonInterval });
  const rate = report.noEffect.rolledBack / report.noEffect.runs;
  assert.ok(rate >= 2.5 * race.policy.alpha, `naive false-rollback rate ${rate}`);
});
