/**
 * Bandit policy: Thompson sampling on the primary metric re-weights every arm (with the floor), no more often
 * than `min_step_s`, and only once every arm has `min_samples`; a guardrail still rolls a challenger back.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyPolicyChange, decide, emptyMemory } from '../../src/race/policies/index.js';
import { arm, evidence, input, MIN, raceWith, state } from './policy-fixtures.js';

const race = raceWith({ type: 'bandit', primary: 'feedback', min_samples: 100, min_step_s: 60, bandit_floor: 0.05 }, [
  { contender: 'a', weight: 30 }, { contender: 'b', weight: 30 },
]);
const s = state([{ contender: 'a', weight: 30 }, { contender: 'b', weight: 30 }]);

test('moves traffic towards the clearly better arm, keeping the floor, without restarting windows', () => {
  const e = evidence({ 0: [
    arm('champ', { requests: 3000, feedback: { n: 1000, mean: 0.2 } }),
    arm('a', { requests: 3000, feedback: { n: 1000, mean: 0.5 } }),
    arm('b', { requests: 3000, feedback: { n: 1000, mean: 0.1 } }),
  ] });
  const v = decide(input(race, s, e, 5 * MIN));
  assert.equal(v.banditEvaluated, true);
  assert.equal(v.changes.length, 1);
  const change = v.changes[0]!;
  assert.equal(change.kind, 'reweight');
  const weights = change.kind === 'reweight' ? Object.fromEntries(change.weights.map((w) => [w.contender, w.weight])) : {};
  // P(best) ≈ 1 for a: 0.05 + 0.85·1 = 90 %; b keeps the 5 % floor; the champion gets the rest.
  assert.deepEqual(weights, { a: 90, b: 5 });
  const done = applyPolicyChange(structuredClone(s), change, 5 * MIN)!;
  assert.equal(done.decision.action, 'ramp');
  assert.deepEqual(done.state.challengers.map((c) => [c.contender, c.weight, c.since]), [['a', 90, 0], ['b', 5, 0]]);
});

test('waits for min_step_s since the last re-weight and for min_samples per arm', () => {
  const e = evidence({ 0: [arm('champ', { requests: 3000, feedback: { n: 1000, mean: 0.2 } }), arm('a', { requests: 3000, feedback: { n: 1000, mean: 0.5 } }), arm('b', { requests: 300, feedback: { n: 50, mean: 0.1 } })] });
  assert.equal(decide(input(race, s, e, 5 * MIN)).banditEvaluated, false);
  const memory = { ...emptyMemory(), lastReweightAt: 5 * MIN - 30_000 };
  const full = evidence({ 0: [arm('champ', { requests: 3000, feedback: { n: 1000, mean: 0.2 } }), arm('a', { requests: 3000, feedback: { n: 1000, mean: 0.5 } }), arm('b', { requests: 3000, feedback: { n: 1000, mean: 0.1 } })] });
  assert.equal(decide(input(race, s, full, 5 * MIN, memory)).banditEvaluated, false);
});

test('a broken guardrail rolls a bandit arm back', () => {
  const e = evidence({ 0: [arm('champ', { requests: 3000, errors: 30, feedback: { n: 1000, mean: 0.2 } }), arm('a', { requests: 3000, errors: 600, feedback: { n: 1000, mean: 0.5 } }), arm('b', { requests: 3000, errors: 30, feedback: { n: 1000, mean: 0.1 } })] });
  const v = decide(input(race, s, e, 5 * MIN));
  assert.equal(v.changes[0]!.kind, 'rollback');
  assert.equal(v.changes[0]!.kind === 'rollback' && v.changes[0]!.contender, 'a');
});
