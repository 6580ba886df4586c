// Reference values: mpmath 1.3 at 30 digits and the standard χ² table (χ²_{1, 0.95} = 3.841458820694124).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chiSquareCdf, chiSquareSf, logBeta, logGamma, regularizedGammaP, regularizedGammaQ,
} from '../../src/stats/index.js';
import { assertClose } from './assert-close.js';

test('log-gamma matches exact values', () => {
  assertClose(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-15);
  assertClose(logGamma(1), 0, 1e-15);
  assertClose(logGamma(3), Math.log(2), 1e-15);
  assertClose(logGamma(10.5), 13.940625219403763, 1e-14);
  assertClose(logGamma(100), 359.1342053695754, 1e-12);
  assertClose(logGamma(1e-5), 11.512919692895826, 1e-14);
  assertClose(logGamma(-0.5), Math.log(2 * Math.sqrt(Math.PI)), 1e-14); // Γ(−½) = −2√π
  assert.equal(logGamma(0), Number.POSITIVE_INFINITY);
});

test('log-beta stays accurate when one argument is huge (Student t with 10⁶ degrees of freedom)', () => {
  // ln B(½, 5·10⁵) from mpmath; the plain lnΓ sum is off by ~2e-10 here.
  assertClose(logBeta(0.5, 5e5), -5.988816495777464, 1e-14);
  assertClose(logBeta(2, 3), Math.log(1 / 12), 1e-14);
});

test('chi-square survival function reproduces table critical values', () => {
  assertClose(chiSquareSf(3.841458820694124, 1), 0.05, 1e-15);
  assertClose(chiSquareSf(5.991464547107979, 2), 0.05, 1e-15);
  assertClose(chiSquareSf(7.814727903251179, 3), 0.05, 1e-14);
  assertClose(chiSquareSf(18.46682695290317, 4), 0.001, 1e-15);
  assertClose(chiSquareSf(100, 50), 3.454931382984864e-5, 1e-12, { relative: true });
  assertClose(chiSquareSf(1, 10), 0.9998278843700441, 1e-14);
  assertClose(chiSquareSf(30, 3), 1.3800570312932547e-6, 1e-12, { relative: true });
  assertClose(chiSquareSf(2.5, 6) + chiSquareCdf(2.5, 6), 1, 1e-15);
  assert.equal(chiSquareSf(0, 3), 1);
});

test('regularized incomplete gamma: P + Q = 1 and P(1, x) = 1 − e^(−x)', () => {
  for (const [a, x] of [[0.3, 0.1], [1, 2], [4, 9], [50, 48], [200, 260]] as const) {
    assertClose(regularizedGammaP(a, x) + regularizedGammaQ(a, x), 1, 1e-14, { label: `P+Q at (${a}, ${x})` });
  }
  assertClose(regularizedGammaP(1, 2), 1 - Math.exp(-2), 1e-15);
  assertClose(regularizedGammaQ(1, 30), Math.exp(-30), 1e-13, { relative: true });
});
