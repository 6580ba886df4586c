/**
 * Canary rollback: a guardrail shown worse than its margin by its one-sided always-valid bound rolls the
 * challenger back at the first evaluation where the bound crosses, with the numbers in the decision, even while
 * the race is frozen.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyPolicyChange, decide } from '../../src/race/policies/index.js';
import { arm, evidence, input, MIN, raceWith, state } from './policy-fixtures.js';

const race = raceWith({ type: 'canary', ramp: [5, 25, 50], guardrails: { error_rate: { margin: 0.01 } } });

test('rolls back at the first look where the error-rate bound passes the margin, not later', () => {
  let first: number | null = null;
  for (let n = 50; n <= 2000; n += 50) {
    // Champion 1 % errors, challenger 10 %.
    const e = evidence({ 0: [arm('champ', { requests: 10 * n, errors: n / 10 }), arm('chal', { requests: n, errors: n / 10 })] });
    const v = decide(input(race, state([{ contender: 'chal' }]), e, MIN));
    const errorTest = v.assessment.challengers[0]!.metrics.find((m) => m.metric === 'error_rate')!;
    const rolled = v.changes.some((c) => c.kind === 'rollback');
    assert.equal(rolled, errorTest.harm?.significant === true, `n=${n}`);
    if (rolled && first === null) first = n;
  }
  assert.ok(first !== null && first <= 300, `rolled back first at n=${first}`);
});

test('the decision stores the metric, effect, bound, p-value, level and sample sizes', () => {
  const e = evidence({ 0: [arm('champ', { requests: 5000, errors: 50 }), arm('chal', { requests: 500, errors: 50 })] });
  const s = state([{ contender: 'chal' }], { frozen: 'spend cap' });
  const v = decide(input(race, s, e, MIN));
  assert.equal(v.changes.length, 1);
  const done = applyPolicyChange(structuredClone(s), v.changes[0]!, MIN)!;
  assert.equal(done.decision.action, 'rollback');
  assert.match(done.decision.reason!, /^guardrail broken: error_rate \+0\.0900 \(bound \+0\.\d+ > \+0\.0100, p = /);
  assert.deepEqual(done.state.challengers[0], { contender: 'chal', weight: 0, since: MIN, status: 'rolled_back', step: 0 });
  const details = done.decision.details as { window: { requests: { champion: number; challenger: number } }; tests: Array<Record<string, unknown>> };
  assert.deepEqual(details.window.requests, { champion: 5000, challenger: 500 });
  const err = details.tests.find((t) => t.metric === 'error_rate') as { effect: number; harm: { alpha: number; bound: number; pValue: number; significant: boolean }; champion: { n: number } };
  assert.ok(Math.abs(err.effect - 0.09) < 1e-12);
  assert.equal(err.champion.n, 5000);
  // Two tests in the rollback family (error_rate, feedback as primary), three windows foreseen (5, 25, 50) and
  // one share kept for windows nobody foresaw: α/(K·(S + 1)).
  assert.ok(Math.abs(err.harm.alpha - 0.05 / 8) < 1e-12);
  assert.ok(err.harm.significant && err.harm.bound > 0.01 && err.harm.pValue <= err.harm.alpha);
});

test('a challenger equal to the champion is not rolled back', () => {
  const e = evidence({ 0: [arm('champ', { requests: 50_000, errors: 500 }), arm('chal', { requests: 50_000, errors: 500 })] });
  assert.equal(decide(input(race, state([{ contender: 'chal', weight: 50, step: 2 }]), e, 10 * MIN)).changes.length, 0);
});
