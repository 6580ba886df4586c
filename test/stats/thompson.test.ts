// References: exact two-arm P(θB > θA) for Beta posteriors (E. Miller, "Formulas for Bayesian A/B testing", 2015):
// 49/100 vs 51/100 with Beta(1, 1) priors → 0.61077; 10/100 vs 20/100 → 0.97517. Allocation floor: GrowthBook
// bandits, p_i = f + (1 − K·f)·w_i with f = 0.01 (docs "bandits/config", gbstats `bayesian/bandits.py`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyAllocationFloor, betaPosterior, normalCdf, probabilityBetaBeats, SeededRandom, thompsonBetaAllocation,
  thompsonGaussianAllocation,
} from '../../src/stats/index.js';
import { assertClose } from './assert-close.js';

const a = betaPosterior(49, 51);
const b = betaPosterior(51, 49);

test('exact two-arm probability matches the closed form values', () => {
  assertClose(probabilityBetaBeats(a, b), 0.61077, 1e-5);
  assertClose(probabilityBetaBeats(betaPosterior(10, 90), betaPosterior(20, 80)), 0.97517, 1e-5);
  assertClose(probabilityBetaBeats(b, a), 1 - 0.61077, 1e-5);
});

test('Monte Carlo allocation (10k draws) agrees with the exact probability and is reproducible', () => {
  const shares = thompsonBetaAllocation([a, b], { rng: new SeededRandom(1) });
  assertClose(shares[1]!, 0.61077, 0.015); // 3 standard errors of a 10k-draw share
  assertClose(shares[0]! + shares[1]!, 1, 1e-12);
  assert.deepEqual(thompsonBetaAllocation([a, b], { rng: new SeededRandom(1) }), shares);
});

test('many arms: the clear winner takes almost everything, and lower-is-better reverses it', () => {
  const arms = [betaPosterior(100, 900), betaPosterior(300, 700), betaPosterior(110, 890)];
  const shares = thompsonBetaAllocation(arms, { rng: new SeededRandom(2), draws: 4000 });
  assert.ok(shares[1]! > 0.99, `winner share ${shares[1]}`);
  const low = thompsonBetaAllocation(arms, { rng: new SeededRandom(3), draws: 4000, lowerIsBetter: true });
  assert.ok(low[0]! > 0.7 && low[1]! < 0.01, `lower-is-better shares ${Array.from(low)}`);
});

test('Gaussian arms: the share matches Φ((μB − μA)/sqrt(vA + vB))', () => {
  const shares = thompsonGaussianAllocation([{ mean: 1, variance: 0.04 }, { mean: 1.1, variance: 0.05 }],
    { rng: new SeededRandom(4) });
  assertClose(shares[1]!, normalCdf(0.1 / Math.sqrt(0.09)), 0.015);
});

test('the allocation floor keeps every arm at 1 % and the total at 1', () => {
  const floored = applyAllocationFloor([0, 0.3, 0.7], 0.01);
  assertClose(floored[0]!, 0.01, 1e-15);
  assertClose(floored[1]!, 0.01 + 0.97 * 0.3, 1e-15);
  assertClose(floored[0]! + floored[1]! + floored[2]!, 1, 1e-15);
  assert.throws(() => applyAllocationFloor([0.5, 0.5], 0.6), RangeError);
});
