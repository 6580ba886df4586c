/**
 * Bandit policy: Thompson sampling on the primary metric re-weights every arm (with the floors), in doubling epochs
 * of `min_step_s`, and only once every arm has `min_samples`; the canary's guardrails roll a challenger back, on
 * the evidence of its whole stint (re-weights do not restart it), at the stint's share of α; a challenger whose
 * harm tests are not settled keeps the guard floor, and so does the champion.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyPolicyChange, decide, emptyMemory } from '../../src/race/policies/index.js';
import { buildConfig } from '../../src/config/load.js';
import { setWeight } from '../../src/race/race-control.js';
import { arm, evidence, input, MIN, raceWith, state } from './policy-fixtures.js';

const MOCK = { provider: 'mock', model: 'm', price: { input: 1, output: 2 }, mock: {} };

const race = raceWith({ type: 'bandit', primary: 'feedback', min_samples: 100, min_step_s: 60, bandit_floor: 0.05 }, [
  { contender: 'a', weight: 30 }, { contender: 'b', weight: 30 },
]);
const s = state([{ contender: 'a', weight: 30 }, { contender: 'b', weight: 30 }]);

test('moves traffic towards the clearly better arm, keeping the guard floor on unsettled arms, and keeps each stint', () => {
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
  // P(best) ≈ 1 for a. Neither challenger is settled (b is worse on feedback, not yet significantly; a is better
  // but not yet shown within its latency margin), so each keeps the guard floor, 25 %, and so does the champion:
  // a gets 0.25 + 0.25·1 = 50 %.
  assert.deepEqual(weights, { a: 50, b: 25 });
  const done = applyPolicyChange(structuredClone(s), change, 5 * MIN)!;
  assert.equal(done.decision.action, 'ramp');
  // A new allocation epoch (since, window) but the same stint: its harm tests keep the evidence since 0.
  assert.deepEqual(done.state.challengers.map((c) => [c.contender, c.weight, c.since, c.window, c.stintSince, c.stintWindow]), [['a', 50, 5 * MIN, 2, 0, 1], ['b', 25, 5 * MIN, 2, 0, 1]]);
});

test('once a challenger is settled (within every margin), only the bandit floor holds it', () => {
  const lone = raceWith({ type: 'bandit', primary: 'feedback', min_samples: 100, min_step_s: 60, bandit_floor: 0.05, guardrails: {} }, [{ contender: 'a', weight: 30 }]);
  const one = state([{ contender: 'a', weight: 30 }]);
  const big = (name: string, mean: number) => arm(name, { requests: 300_000, feedback: { n: 100_000, mean } });
  // a is far better on feedback, its only test: settled, so the champion falls to the 5 % floor.
  const better = decide(input(lone, one, evidence({ 0: [big('champ', 0.2), big('a', 0.5)] }), 5 * MIN)).changes[0]!;
  assert.equal(better.kind === 'reweight' && better.weights[0]!.weight, 95);
  // The champion far better: a is not settled (its harm test breaks, so it is rolled back instead).
  const worse = decide(input(lone, one, evidence({ 0: [big('champ', 0.5), big('a', 0.2)] }), 5 * MIN));
  assert.equal(worse.changes[0]!.kind, 'rollback');
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

test('guardrails read the whole stint: harm before a re-weight is pooled with the evidence after, at the stint’s α', () => {
  const moved = state([{ contender: 'a', weight: 50, since: 10 * MIN, window: 2, stintSince: 0, stintWindow: 1 }, { contender: 'b', weight: 5, since: 10 * MIN, window: 2, stintSince: 0, stintWindow: 1 }]);
  const ok = (name: string) => arm(name, { requests: 3000, errors: 30, feedback: { n: 1000, mean: 0.2 } });
  // Since the stint began (0) 'a' failed 10.5 % of the time; since the last re-weight (10 min), as often as the
  // champion. A window restarted at the re-weight would see no harm; the stint does.
  const e = evidence({
    0: [arm('champ', { requests: 6000, errors: 60, feedback: { n: 2000, mean: 0.2 } }), arm('a', { requests: 6000, errors: 630, feedback: { n: 2000, mean: 0.2 } }), arm('b', { requests: 6000, errors: 60, feedback: { n: 2000, mean: 0.2 } })],
    [10 * MIN]: [ok('champ'), ok('a'), ok('b')],
  });
  const v = decide(input(race, moved, e, 20 * MIN, { ...emptyMemory(), lastReweightAt: 20 * MIN }));
  assert.deepEqual(v.changes.filter((c) => c.kind === 'rollback').map((c) => c.kind === 'rollback' && c.contender), ['a']);
  const view = v.assessment.challengers.find((c) => c.contender === 'a')!;
  assert.equal(view.requests.challenger, 6000, 'the guardrail window is the stint');
  // Its level is the stint's first window's share, α/(S + 1) with S = 1, over K = 3 tests (the default
  // error_rate and p95_latency guardrails, feedback the primary); the re-weight windows inside spend none.
  assert.equal(view.metrics.length, 3);
  for (const m of view.metrics) assert.ok(Math.abs(m.harm!.alpha - 0.05 / 2 / 3) < 1e-12, `${m.metric} α ${m.harm!.alpha}`);

  // A weight set by hand ends the stint: the next one starts with the window it opens (and that window's α).
  const config = buildConfig({ contenders: { champ: MOCK, a: MOCK, b: MOCK }, races: { r: { champion: 'champ', challengers: [{ contender: 'a', weight: 50 }], policy: { type: 'bandit' } } } }, {});
  const manual = setWeight(structuredClone(moved), config, 'a', 20, 'by hand', 'ops', 10 * MIN).state;
  assert.deepEqual(manual.challengers.map((c) => [c.contender, c.stintSince, c.stintWindow, c.window]), [['a', undefined, undefined, 3], ['b', 0, 1, 2]]);
  const after = decide(input(race, manual, e, 20 * MIN, { ...emptyMemory(), lastReweightAt: 20 * MIN }));
  assert.equal(after.changes.filter((c) => c.kind === 'rollback').length, 0);
  const fresh = after.assessment.challengers.find((c) => c.contender === 'a')!;
  assert.equal(fresh.requests.challenger, 3000);
  for (const m of fresh.metrics) assert.ok(Math.abs(m.harm!.alpha - ((0.05 / 2) * (6 / Math.PI ** 2) / 4) / 3) < 1e-12, `${m.metric} α ${m.harm!.alpha}`);
  // A rollback ends it too.
  const rolled = applyPolicyChange(structuredClone(moved), v.changes.find((c) => c.kind === 'rollback')!, 20 * MIN)!;
  assert.deepEqual([rolled.state.challengers[0]!.status, rolled.state.challengers[0]!.stintSince], ['rolled_back', undefined]);
});

test('before its first allocation an unsettled challenger climbs the ramp to the guard floor, unless a guardrail leans', () => {
  // One challenger at 1 %: feedback (the primary) has too few ratings for Thompson sampling, but after min_step_s
  // the challenger has min_samples requests, so it takes the canary's next step — a re-weight, so its stint goes on.
  const lone = raceWith({ type: 'bandit', primary: 'feedback', min_samples: 100, min_step_s: 60 }, [{ contender: 'a', weight: 1 }]);
  const one = state([{ contender: 'a', weight: 1 }]);
  const quiet = (errors: number) => evidence({ 0: [
    arm('champ', { requests: 3000, errors: 30, feedback: { n: 50, mean: 0.4 } }),
    arm('a', { requests: 150, errors, feedback: { n: 10, mean: 0.4 } }),
  ] });
  const v = decide(input(lone, one, quiet(2), 5 * MIN));
  assert.equal(v.banditEvaluated, true);
  const change = v.changes[0]!;
  assert.equal(change.kind, 'reweight');
  assert.deepEqual(change.kind === 'reweight' && change.weights, [{ contender: 'a', weight: 5 }]);
  assert.equal(change.why.code, 'ramp');
  const done = applyPolicyChange(structuredClone(one), change, 5 * MIN)!;
  assert.deepEqual(done.state.challengers.map((c) => [c.weight, c.since, c.stintSince]), [[5, 5 * MIN, 0]]);
  // From the last step below the guard floor it goes to the floor itself, 25 %, and no further.
  const ten = state([{ contender: 'a', weight: 10 }]);
  const up = decide(input(lone, ten, quiet(2), 5 * MIN)).changes[0]!;
  assert.deepEqual(up.kind === 'reweight' && up.weights, [{ contender: 'a', weight: 25 }]);
  assert.equal(decide(input(lone, state([{ contender: 'a', weight: 25 }]), quiet(2), 5 * MIN)).changes.length, 0);
  // 8 errors in 150 (5.3 %) against 1 %: not yet a broken guardrail, but it leans past its 1-point margin: no climb.
  const leaning = decide(input(lone, one, quiet(8), 5 * MIN));
  assert.deepEqual(leaning.changes.map((c) => c.kind), []);
  assert.ok(leaning.assessment.challengers[0]!.metrics.find((m) => m.metric === 'error_rate')!.harmZ! > 1.28);
});
