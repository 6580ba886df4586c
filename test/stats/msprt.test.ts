// Anchors: the mSPRT statistic of Johari, Koomen, Pekelis & Walsh ("Peeking at A/B tests", KDD 2017;
// R package mixtureSPRT `mSPRT.default`): Λn = sqrt(V/(V + nτ²))·exp(n²τ²(z̄n − θ0)²/(2V(V + nτ²))),
// V = pA(1 − pA) + pB(1 − pB). Worked values for pA = 0.10, pB = 0.12, τ² = 10⁻³: n = 1,000 per arm → Λ = 0.95;
// n = 5,000 → Λ = 26.58, p = 0.0376; pA = pB at n = 5,000 → Λ = 0.19.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  confidenceSequence, msprt, msprtTest, proportionStats, sequentialRho, tauForHorizon,
} from '../../src/stats/index.js';
import { assertClose } from './assert-close.js';

const tau = Math.sqrt(1e-3);
const look = (pA: number, pB: number, n: number, previous?: number) =>
  msprtTest(proportionStats(pA * n, n), proportionStats(pB * n, n), { scale: 'absolute', tau }, previous);

test('mixture likelihood ratio matches the worked values', () => {
  assertClose(look(0.1, 0.12, 1000).eValue, 0.95128, 1e-5);
  const r = look(0.1, 0.12, 5000);
  assertClose(r.eValue, 26.58258, 1e-5);
  assertClose(r.pValue, 0.03762, 1e-5);
  assertClose(look(0.1, 0.1, 5000).eValue, 0.18641, 1e-5);
});

test('the always-valid p-value is a running minimum', () => {
  const first = look(0.1, 0.12, 5000);
  const later = look(0.1, 0.1, 5000, first.pValue);
  assert.equal(later.pValue, first.pValue);
  assert.ok(later.eValue < 1);
});

test('with τ² = ρ²s² the mSPRT equals GrowthBook\'s sequential e-value', () => {
  const control = proportionStats(1396, 3000);
  const treatment = proportionStats(2422 / 3461 * 3000 * 0.92, 3000);
  const n = control.n + treatment.n;
  const variance = control.variance / control.n + treatment.variance / treatment.n;
  const cs = confidenceSequence(control, treatment, { scale: 'absolute' });
  const m = msprt({ estimate: treatment.mean - control.mean, variance }, { tau: tauForHorizon(variance * n) });
  assertClose(m.pValue, cs.pValue, 1e-12, { relative: true });
  assertClose(tauForHorizon(4), 2 * sequentialRho(0.05, 5000), 1e-16);
});

test('no variance means no evidence and τ must be positive', () => {
  const r = msprt({ estimate: 0, variance: 0 }, { tau: 0.1 }, 0.3);
  assert.equal(r.eValue, 1);
  assert.equal(r.pValue, 0.3);
  assert.throws(() => msprt({ estimate: 0.1, variance: 0.01 }, { tau: 0 }), RangeError);
});
