/**
 * Bandit policy: Thompson sampling on the primary metric re-weights every arm (with the floor), in doubling epochs
 * of `min_step_s`, and only once every arm has `min_samples`; the canary's guardrails roll a challenger back, in
 * windows that restart at each re-weight, each with its own share of α.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyPolicyChange, decide, emptyMemory } from '../../src/race/policies/index.js';
import { arm, evidence, input, MIN, raceWith, state } from './policy-fixtures.js';

const race = raceWith({ type: 'bandit', primary: 'feedback', min_samples: 100, min_step_s: 60, bandit_floor: 0.05 }, [
  { contender: 'a', weight: 30 }, { contender: 'b', weight: 30 },
]);
const s = state([{ contender: 'a', weight: 30 }, { contender: 'b', weight: 30 }]);

test('moves traffic towards the clearly better arm, keeping the floor, and opens a new guardrail window for each arm it moved', () => {
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
  assert.deepEqual(done.state.challengers.map((c) => [c.contender, c.weight, c.since, c.window]), [['a', 90, 5 * MIN, 2], ['b', 5, 5 * MIN, 2]]);
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

test('re-weights come in doubling epochs: the j-th at least min_step_s·2^(j−1) after the one before', () => {
  const full = evidence({ 0: [arm('champ', { requests: 3000, feedback: { n: 1000, mean: 0.2 } }), arm('a', { requests: 3000, feedback: { n: 1000, mean: 0.5 } }), arm('b', { requests: 3000, feedback: { n: 1000, mean: 0.1 } })] });
  // Both arms are in their third window: two re-weights so far, so the next waits 4 × 60 s.
  const third = state([{ contender: 'a', weight: 90, window: 3 }, { contender: 'b', weight: 5, window: 3 }]);
  const at = (since: number) => decide(input(race, third, full, 100 * MIN, { ...emptyMemory(), lastReweightAt: 100 * MIN - since })).banditEvaluated;
  assert.equal(at(3 * MIN), false);
  assert.equal(at(4 * MIN), true);
});

test('guardrails read the window since the last re-weight: harm before it is not pooled with the evidence after', () => {
  const moved = state([{ contender: 'a', weight: 50, since: 10 * MIN, window: 2 }, { contender: 'b', weight: 5, since: 10 * MIN, window: 2 }]);
  const ok = (name: string) => arm(name, { requests: 3000, errors: 30, feedback: { n: 1000, mean: 0.2 } });
  // Before the re-weight 'a' failed 20 % of the time (window 0); since then, as often as the champion.
  const e = evidence({
    0: [arm('champ', { requests: 6000, errors: 60, feedback: { n: 2000, mean: 0.2 } }), arm('a', { requests: 6000, errors: 630, feedback: { n: 2000, mean: 0.2 } }), ok('b')],
    [10 * MIN]: [ok('champ'), ok('a'), ok('b')],
  });
  const v = decide(input(race, moved, e, 20 * MIN, { ...emptyMemory(), lastReweightAt: 20 * MIN }));
  assert.equal(v.changes.filter((c) => c.kind === 'rollback').length, 0);
  const view = v.assessment.challengers.find((c) => c.contender === 'a')!;
  assert.equal(view.requests.challenger, 3000, 'the guardrail window is the one since the re-weight');
  // Its level is the second window's share, (α/(S + 1))·6/π² with S = 1, over K = 3 tests (the default
  // error_rate and p95_latency guardrails, feedback the primary).
  assert.equal(view.metrics.length, 3);
  for (const m of view.metrics) assert.ok(Math.abs(m.harm!.alpha - ((0.05 / 2) * (6 / Math.PI ** 2)) / 3) < 1e-12, `${m.metric} α ${m.harm!.alpha}`);
});
