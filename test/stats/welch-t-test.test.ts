// Anchor: GrowthBook gbstats frequentist engine (`TwoSidedTTest`), proportions 14/28 vs 16/30 on the relative lift:
// lift 0.06667, sd 0.2717, p = 0.80707, CI (−0.47767, 0.61101) (packages/stats/tests/frequentist/test_tests.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { meanStats, proportionStats, welchDegreesOfFreedom, welchTTest } from '../../src/stats/index.js';
import { assertClose } from './assert-close.js';

test('Welch t-test on the relative lift matches GrowthBook (14/28 vs 16/30)', () => {
  const r = welchTTest(proportionStats(14, 28), proportionStats(16, 30), { scale: 'relative' });
  assertClose(r.estimate, 0.06667, 1e-5, { label: 'lift' });
  assertClose(r.standardError, 0.2717, 1e-4, { label: 'sd' });
  assertClose(r.pValue, 0.80707, 1e-5, { label: 'p-value' });
  assertClose(r.lower, -0.47767, 1e-5, { label: 'CI lower' });
  assertClose(r.upper, 0.61101, 1e-5, { label: 'CI upper' });
});

test('Welch t-test on means matches scipy from running sums', () => {
  // Two samples summarised by n, Σx, Σx²; scipy.stats.ttest_ind(a, b, equal_var=False) 1.17 on
  // a = [19.8, 20.4, 19.6, 17.8, 18.5, 18.9, 18.3, 18.9, 19.5, 22.0],
  // b = [28.2, 26.6, 20.1, 23.3, 25.2, 22.1, 17.7, 27.6, 20.6, 13.7, 23.2, 17.5, 20.6, 18.0, 23.9, 21.6, 24.3, 20.4,
  //      23.9, 13.3] gives t = −2.225512039969852, p = 0.035484530830010394, df = 24.524634944257343.
  const a = [19.8, 20.4, 19.6, 17.8, 18.5, 18.9, 18.3, 18.9, 19.5, 22.0];
  const b = [28.2, 26.6, 20.1, 23.3, 25.2, 22.1, 17.7, 27.6, 20.6, 13.7, 23.2, 17.5, 20.6, 18.0, 23.9, 21.6, 24.3,
    20.4, 23.9, 13.3];
  const stats = (xs: number[]) => meanStats(xs.length, sum(xs), sum(xs.map((x) => x * x)));
  // scipy's statistic is (mean_a − mean_b)/se; ours is treatment − control, so a is the treatment here.
  const r = welchTTest(stats(b), stats(a), { scale: 'absolute' });
  assertClose(r.statistic, -2.225512039969852, 1e-12);
  assertClose(r.pValue, 0.035484530830010394, 1e-12);
  assertClose(welchDegreesOfFreedom(stats(b), stats(a)), 24.524634944257343, 1e-10);
});

test('one-sided alternatives split the two-sided p-value', () => {
  const control = proportionStats(30, 200);
  const treatment = proportionStats(45, 210);
  const two = welchTTest(control, treatment, { scale: 'absolute' });
  const greater = welchTTest(control, treatment, { scale: 'absolute', alternative: 'greater' });
  const less = welchTTest(control, treatment, { scale: 'absolute', alternative: 'less' });
  assertClose(greater.pValue, two.pValue / 2, 1e-15);
  assertClose(greater.pValue + less.pValue, 1, 1e-15);
  assert.equal(greater.upper, Number.POSITIVE_INFINITY);
  assert.equal(less.lower, Number.NEGATIVE_INFINITY);
});

function sum(xs: number[]): number {
  return xs.reduce((s, x) => s + x, 0);
}
