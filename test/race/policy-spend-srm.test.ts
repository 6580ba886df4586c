/**
 * Race-wide checks: past `max_extra_spend` the race freezes (decision `freeze`, no more ramps) while rollbacks
 * still happen; a sample-ratio mismatch (χ², p < 0.001) records one `srm-alert` per window and blocks ramps.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyPolicyChange, decide, emptyMemory } from '../../src/race/policies/index.js';
import { arm, evidence, input, MIN, raceWith, state } from './policy-fixtures.js';

test('extra spend past the cap freezes ramping, once; rollbacks continue', () => {
  // Cap 1 USD = 7.1 CNY. The challenger costs 0.012 CNY a request vs 0.002: 1,000 requests cost 10 CNY extra.
  const race = raceWith({ type: 'canary', ramp: [5, 25], max_extra_spend: { amount: 1, currency: 'USD' } });
  const s = state([{ contender: 'chal', since: 0 }]);
  const e = evidence({ 0: [arm('champ', { requests: 20_000 }), arm('chal', { requests: 1000, cost: 0.012 })] });
  const v = decide(input(race, s, e, 5 * MIN));
  assert.deepEqual(v.changes.map((c) => c.kind), ['freeze']);
  assert.ok(Math.abs(v.assessment.spend!.extra - 10) < 1e-9 && Math.abs(v.assessment.spend!.cap - 7.1) < 1e-12);
  const frozen = applyPolicyChange(structuredClone(s), v.changes[0]!, 5 * MIN)!;
  assert.equal(frozen.decision.action, 'freeze');
  assert.match(frozen.state.frozen!, /past the cap of 7\.1000 CNY/);
  const after = decide(input(race, frozen.state, e, 6 * MIN));
  assert.deepEqual(after.changes, []);
  assert.match(after.assessment.challengers[0]!.note, /^waiting: frozen/);
  const failing = evidence({ 0: [arm('champ', { requests: 20_000, errors: 200 }), arm('chal', { requests: 1000, errors: 200, cost: 0.012 })] });
  assert.deepEqual(decide(input(race, frozen.state, failing, 6 * MIN)).changes.map((c) => c.kind), ['rollback']);
});

test('a sample-ratio mismatch is alerted once per window and blocks the ramp', () => {
  const race = raceWith({ type: 'canary', ramp: [10, 50] }, [{ contender: 'chal', weight: 10 }]);
  const s = state([{ contender: 'chal', weight: 10, since: 0 }]);
  const arms = [arm('champ', { requests: 9000 }), arm('chal', { requests: 1000 })];
  // 9,300 / 700 units against 90 / 10 weights: χ² = 300²/9000 + 300²/1000 = 100 (one-look p ≈ 1.5e-23); the
  // always-valid test's Bayes factor is e^25.9, p = 1/BF ≈ 5.5e-12.
  const skewed = evidence({ 0: arms }, { units: { champ: 9300, chal: 700 }, since: 0 });
  const v = decide(input(race, s, skewed, 5 * MIN));
  assert.deepEqual(v.changes.map((c) => c.kind), ['srm-alert']);
  assert.ok(v.assessment.srm!.flagged && v.assessment.srm!.pValue < 1e-11 && v.assessment.srm!.logBayesFactor > 25);
  assert.ok(Math.abs(v.assessment.srm!.chiSquare - 100) < 1e-9);
  const memory = { ...emptyMemory(), srmAlertedSince: 0 };
  const again = decide(input(race, s, skewed, 6 * MIN, memory));
  assert.deepEqual(again.changes, []);
  assert.match(again.assessment.challengers[0]!.note, /sample-ratio check/);
  // 8,950 / 1,050 is within chance (χ² = 2.78, one-look p = 0.096; BF 1.4): the ramp goes ahead.
  const fine = evidence({ 0: arms }, { units: { champ: 8950, chal: 1050 }, since: 0 });
  assert.deepEqual(decide(input(race, s, fine, 6 * MIN, memory)).changes.map((c) => c.kind), ['ramp']);
});
