// Anchors: GrowthBook's SRM check (gbstats `utils.check_srm`, back-end `checkSrm`, threshold
// DEFAULT_SRM_THRESHOLD = 0.001): Pearson χ² against configured weights. At 50/50: 5200/4800 → p ≈ 6.3e-5 (flagged),
// 5100/4900 → p ≈ 0.0455 (not flagged), 480/520 → p ≈ 0.206.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { srmTest } from '../../src/stats/index.js';
import { assertClose } from './assert-close.js';

test('SRM flags 5200/4800 at 50/50 and not 5100/4900', () => {
  const bad = srmTest([5200, 4800], [0.5, 0.5]);
  assert.equal(bad.chiSquare, 16);
  assertClose(bad.pValue, 6.334248366623988e-5, 1e-12, { relative: true });
  assert.equal(bad.flagged, true);
  const ok = srmTest([5100, 4900], [50, 50]);
  assertClose(ok.pValue, 0.04550026389635857, 1e-12, { relative: true });
  assert.equal(ok.flagged, false);
  assertClose(srmTest([480, 520], [1, 1]).pValue, 0.206, 1e-3);
});

test('SRM with three arms and unequal weights uses df = 2; the threshold is configurable', () => {
  // Expected 8000/1000/1000: χ² = 50²/8000 + 80²/1000 + 30²/1000 = 7.6125, p = exp(−χ²/2) = 0.0222.
  const r = srmTest([8050, 920, 1030], [0.8, 0.1, 0.1]);
  const expectedChi = 50 ** 2 / 8000 + 80 ** 2 / 1000 + 30 ** 2 / 1000;
  assertClose(r.chiSquare, expectedChi, 1e-12);
  assert.equal(r.df, 2);
  assertClose(r.pValue, Math.exp(-expectedChi / 2), 1e-15); // χ²₂ survival is exp(−x/2)
  assert.equal(r.flagged, false);
  assert.equal(srmTest([8050, 920, 1030], [0.8, 0.1, 0.1], { threshold: 0.05 }).flagged, true);
});

test('zero-weight arms are left out and empty data is not flagged', () => {
  const r = srmTest([5000, 5000, 37], [1, 1, 0]);
  assert.equal(r.df, 1);
  assert.equal(r.chiSquare, 0);
  assert.equal(srmTest([0, 0], [1, 1]).flagged, false);
  assert.throws(() => srmTest([1, 2], [1]), RangeError);
});
