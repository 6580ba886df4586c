// Anchor: GrowthBook gbstats `packages/stats/tests/frequentist/test_tests.py::test_sequential_test_runs_prop`:
// proportions 1396/3000 vs 2422/3461, relative lift, N* = 5000, α = 0.05, two-sided → CS (0.40098, 0.60675).
// Method: Waudby-Smith et al., "Time-uniform central limit theory and asymptotic confidence sequences" (arXiv
// 2103.06476 v7), eqs. 9, 134, 155, 161, as implemented in gbstats `frequentist/tests.py`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  confidenceSequence, estimateEffect, proportionStats, sequentialRho, welchTTest,
} from '../../src/stats/index.js';
import { assertClose } from './assert-close.js';

const control = proportionStats(1396, 3000);
const treatment = proportionStats(2422, 3461);

test('two-sided asymptotic confidence sequence matches GrowthBook (1396/3000 vs 2422/3461)', () => {
  const r = confidenceSequence(control, treatment, { scale: 'relative', tuning: 5000, alpha: 0.05 });
  assertClose(r.estimate, 0.50386, 1e-5, { label: 'lift' });
  assertClose(r.standardError, 0.03386, 1e-5, { label: 'se' });
  assertClose(r.lower, 0.40098, 1e-5, { label: 'CS lower' });
  assertClose(r.upper, 0.60675, 1e-5, { label: 'CS upper' });
  assert.equal(r.n, 6461);
});

test('the sequence is wider than the fixed 95 % interval by the documented factor (~1.55 here)', () => {
  const cs = confidenceSequence(control, treatment, { scale: 'relative' });
  const fixed = welchTTest(control, treatment, { scale: 'relative' });
  const ratio = (cs.upper - cs.lower) / (fixed.upper - fixed.lower);
  assert.ok(ratio > 1.5 && ratio < 1.6, `width ratio ${ratio}`);
});

test('ρ follows eq. 161 and one-sided sequences use 2α', () => {
  const l = -2 * Math.log(0.05);
  assertClose(sequentialRho(0.05, 5000), Math.sqrt((l + Math.log(l + 1)) / 5000), 1e-16);
  assertClose(sequentialRho(0.05, 5000, 'greater'), sequentialRho(0.1, 5000), 1e-16);
  assert.throws(() => sequentialRho(0, 5000), RangeError);
});

test('the always-valid p-value crosses α exactly where the sequence stops covering 0', () => {
  // Shrink the effect until the two-sided CS just touches 0, then check p ≈ α there (two-sided and one-sided).
  const n = 8000;
  for (const alternative of ['two-sided', 'greater'] as const) {
    let lo = 0;
    let hi = 0.1;
    for (let i = 0; i < 80; i++) {
      const mid = (lo + hi) / 2;
      const r = confidenceSequence(proportionStats(0.2 * n, n), proportionStats((0.2 + mid) * n, n),
        { scale: 'absolute', alternative });
      if (r.lower > 0) hi = mid;
      else lo = mid;
    }
    const edge = confidenceSequence(proportionStats(0.2 * n, n), proportionStats((0.2 + hi) * n, n),
      { scale: 'absolute', alternative });
    assertClose(edge.pValue, 0.05, 1e-6, { label: `${alternative} p at the CS edge` });
  }
});

test('a one-sided sequence bounds one side and ignores effects in the other direction', () => {
  const worse = confidenceSequence(control, treatment, { scale: 'absolute', alternative: 'less' });
  assert.equal(worse.lower, Number.NEGATIVE_INFINITY);
  assert.equal(worse.pValue, 1);
  const better = confidenceSequence(control, treatment, { scale: 'absolute', alternative: 'greater' });
  assert.equal(better.upper, Number.POSITIVE_INFINITY);
  assert.ok(better.lower > 0 && better.pValue < 1e-10);
  const effect = estimateEffect(control, treatment, 'absolute');
  assert.ok(better.lower < effect.estimate);
});
