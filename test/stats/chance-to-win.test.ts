// Anchor: GrowthBook gbstats, `packages/stats/tests/bayesian/test_tests.py::test_bayesian_binomial_ab_test`
// (49/100 vs 51/100 conversions, relative lift, improper prior): expected 0.04082, chance to win 0.60918,
// credible interval (−0.24779, 0.32943), risk [0.0814, 0.04058]. Formulas: GrowthBook docs "statistics/details".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chanceToWin, proportionStats } from '../../src/stats/index.js';
import { assertClose } from './assert-close.js';

const control = proportionStats(49, 100);
const treatment = proportionStats(51, 100);

test('chance to win on the relative lift, improper prior, matches GrowthBook (49/100 vs 51/100)', () => {
  const r = chanceToWin(control, treatment, { scale: 'relative' });
  assertClose(r.mean, 0.04082, 1e-5, { label: 'lift' });
  assertClose(r.sd, 0.14725, 1e-5, { label: 'sd' });
  assertClose(r.chanceToWin, 0.60918, 1e-5, { label: 'chance to win' });
  assertClose(r.lower, -0.24779, 1e-5, { label: 'CI lower' });
  assertClose(r.upper, 0.32943, 1e-5, { label: 'CI upper' });
  assertClose(r.riskControl, 0.0814, 1e-4, { label: 'risk of control' });
  assertClose(r.riskTreatment, 0.04058, 1e-5, { label: 'risk of treatment' });
});

test('a proper N(0, 0.3²) prior shrinks the lift towards 0', () => {
  // σpost² = 1/(1/0.09 + 1/σ̂²), Δpost = σpost²·Δ̂/σ̂²: 0.03289, 0.13219, CTW 0.59825.
  const r = chanceToWin(control, treatment, { scale: 'relative', prior: { mean: 0, variance: 0.09 } });
  assertClose(r.mean, 0.03289, 1e-5);
  assertClose(r.sd, 0.13219, 1e-5);
  assertClose(r.chanceToWin, 0.59825, 1e-5);
});

test('inverse metrics flip the chance to win and swap the risks', () => {
  const plain = chanceToWin(control, treatment, { scale: 'relative' });
  const inverse = chanceToWin(control, treatment, { scale: 'relative', inverse: true });
  assertClose(inverse.chanceToWin, 1 - plain.chanceToWin, 1e-15);
  assert.equal(inverse.riskControl, plain.riskTreatment);
  assert.equal(inverse.riskTreatment, plain.riskControl);
});

test('no variance means no evidence: chance to win 0.5', () => {
  const r = chanceToWin(proportionStats(0, 50), proportionStats(0, 50), { scale: 'absolute' });
  assert.equal(r.chanceToWin, 0.5);
});
