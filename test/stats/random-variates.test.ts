// References: xoshiro128** reference C implementation (Blackman & Vigna, prng.di.unimi.it) from state {1, 2, 3, 4};
// moments of the gamma (mean = var = shape), beta and normal distributions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleBeta, sampleGamma, sampleStandardNormal, SeededRandom } from '../../src/stats/index.js';

test('xoshiro128** reproduces the reference output from state {1, 2, 3, 4}', () => {
  const rng = SeededRandom.fromState([1, 2, 3, 4]);
  const expected = [11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597,
    4258142804];
  assert.deepEqual(expected.map(() => rng.nextUint32()), expected);
  assert.throws(() => SeededRandom.fromState([0, 0, 0, 0]), RangeError);
});

test('a seed fixes the stream; different seeds give different streams in [0, 1)', () => {
  const a = new SeededRandom(42);
  const b = new SeededRandom(42);
  const c = new SeededRandom(43);
  const xs = Array.from({ length: 1000 }, () => a.next());
  assert.deepEqual(Array.from({ length: 1000 }, () => b.next()), xs);
  assert.notDeepEqual(Array.from({ length: 1000 }, () => c.next()), xs);
  assert.ok(xs.every((x) => x >= 0 && x < 1));
});

/** Sample mean and variance of n draws. */
function moments(n: number, draw: () => number): { mean: number; variance: number } {
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < n; i++) {
    const x = draw();
    sum += x;
    sumSquares += x * x;
  }
  const mean = sum / n;
  return { mean, variance: sumSquares / n - mean * mean };
}

test('gamma variates (Marsaglia–Tsang) have mean and variance equal to the shape', () => {
  const rng = new SeededRandom(7);
  const n = 40_000;
  for (const shape of [0.3, 1, 7.5, 200]) {
    const m = moments(n, () => sampleGamma(shape, rng));
    // 5 standard errors: sd of the mean is sqrt(shape/n); of the variance about shape·sqrt((2 + 6/shape)/n).
    assert.ok(Math.abs(m.mean - shape) < 5 * Math.sqrt(shape / n), `shape ${shape}: mean ${m.mean}`);
    assert.ok(Math.abs(m.variance - shape) < 5 * shape * Math.sqrt((2 + 6 / shape) / n),
      `shape ${shape}: variance ${m.variance}`);
  }
});

test('beta and normal variates have the right first two moments', () => {
  const rng = new SeededRandom(11);
  const n = 40_000;
  const [a, b] = [50, 52];
  const beta = moments(n, () => sampleBeta(a, b, rng));
  const betaMean = a / (a + b);
  const betaVariance = (a * b) / ((a + b) ** 2 * (a + b + 1));
  assert.ok(Math.abs(beta.mean - betaMean) < 5 * Math.sqrt(betaVariance / n), `beta mean ${beta.mean}`);
  assert.ok(Math.abs(beta.variance / betaVariance - 1) < 0.05, `beta variance ${beta.variance}`);
  const normal = moments(n, () => sampleStandardNormal(rng));
  assert.ok(Math.abs(normal.mean) < 5 / Math.sqrt(n), `normal mean ${normal.mean}`);
  assert.ok(Math.abs(normal.variance - 1) < 5 * Math.sqrt(2 / n), `normal variance ${normal.variance}`);
});
