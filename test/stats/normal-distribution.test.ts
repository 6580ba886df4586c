// Reference values: high-precision evaluations with mpmath 1.3 (30 digits) and the classical tables
// (Φ(1.96) = 0.9750021048517795, z_0.975 = 1.959963984540054).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalCdf, normalPdf, normalQuantile, normalSf } from '../../src/stats/index.js';
import { assertClose } from './assert-close.js';

test('normal CDF matches published values to ~1e-15 relative, including far tails', () => {
  assertClose(normalCdf(1.96), 0.9750021048517795, 1e-15);
  const lowerTail: Array<[number, number]> = [
    [-1, 0.15865525393145705], [-3, 0.0013498980316300946], [-5, 2.866515718791939e-7],
    [-8, 6.220960574271784e-16], [-10, 7.619853024160525e-24], [-20, 2.7536241186062337e-89],
    [-37, 5.725571222524577e-300],
  ];
  for (const [z, expected] of lowerTail) {
    assertClose(normalCdf(z), expected, 1e-12, { relative: true, label: `Φ(${z})` });
    assertClose(normalSf(-z), expected, 1e-12, { relative: true, label: `1 − Φ(${-z})` });
  }
  assert.equal(normalCdf(0), 0.5);
  assert.equal(normalCdf(-40), 0);
  assert.equal(normalCdf(40), 1);
  assert.ok(Number.isNaN(normalCdf(Number.NaN)));
});

test('normal CDF is symmetric and continuous across Cody\'s region boundaries', () => {
  for (const z of [0.1, 0.66291, 0.663, 1.5, 5.656854, 5.66, 7]) {
    assertClose(normalCdf(z) + normalCdf(-z), 1, 2e-16, { label: `Φ(${z}) + Φ(${-z})` });
  }
  assertClose(normalCdf(0.66291 + 1e-12) - normalCdf(0.66291 - 1e-12), 2e-12 * normalPdf(0.66291), 1e-16);
});

test('normal quantile (AS 241) matches published values and inverts the CDF', () => {
  assertClose(normalQuantile(0.975), 1.9599639845400538, 1e-15);
  assertClose(normalQuantile(0.995), 2.5758293035489004, 1e-15);
  assertClose(normalQuantile(0.3), -0.5244005127080408, 1e-15);
  assertClose(normalQuantile(1e-10), -6.361340902404057, 1e-14, { relative: true });
  assertClose(normalQuantile(1e-300), -37.0470962993612, 1e-13, { relative: true });
  for (const p of [1e-15, 1e-6, 0.01, 0.2, 0.5, 0.77, 0.999999]) {
    assertClose(normalCdf(normalQuantile(p)), p, 1e-13, { relative: true, label: `Φ(Φ⁻¹(${p}))` });
  }
  assert.equal(normalQuantile(0), Number.NEGATIVE_INFINITY);
  assert.equal(normalQuantile(1), Number.POSITIVE_INFINITY);
  assert.ok(Number.isNaN(normalQuantile(1.5)));
});
