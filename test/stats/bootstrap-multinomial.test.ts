// The bootstrap's resampler draws from the exact binomial and multinomial distributions: chi-square goodness of fit
// against the binomial pmf on both code paths (inversion for n·p < 10, BTRD above), moments at a million trials,
// and multinomial draws that always sum to the total.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { binomial, multinomial, mulberry32 } from '../../src/stats/bradley-terry-resample.js';


/** Pearson chi-square over cells with expected count ≥ 5 (the tails pooled into their neighbours). */
function chiSquare(n: number, p: number, draws: number, seed: number): { stat: number; df: number } {
  const rand = mulberry32(seed);
  const seen = new Map<number, number>();
  for (let t = 0; t < draws; t++) {
    const k = binomial(n, p, rand);
    assert.ok(Number.isInteger(k) && k >= 0 && k <= n);
    seen.set(k, (seen.get(k) ?? 0) + 1);
  }
  const cells: { expected: number; observed: number }[] = [];
  let pending = { expected: 0, observed: 0 };
  let logPmf = n * Math.log1p(-p); // log P(0), then P(k+1)/P(k) = (n−k)/(k+1) · p/(1−p)
  for (let k = 0; k <= n; k++) {
    if (k > 0) logPmf += Math.log((n - k + 1) / k) + Math.log(p / (1 - p));
    pending.expected += draws * Math.exp(logPmf);
    pending.observed += seen.get(k) ?? 0;
    if (pending.expected >= 5) { cells.push(pending); pending = { expected: 0, observed: 0 }; }
  }
  const last = cells.at(-1)!;
  last.expected += pending.expected;
  last.observed += pending.observed;
  const stat = cells.reduce((s, c) => s + (c.observed - c.expected) ** 2 / c.expected, 0);
  return { stat, df: cells.length - 1 };
}

test('binomial variates fit the binomial pmf on every code path', () => {
  for (const [n, p] of [[30, 0.2], [40, 0.3], [2000, 0.45], [500, 0.93], [100000, 0.0003], [100000, 0.00005]] as const) {
    const { stat, df } = chiSquare(n, p, 100_000, n);
    // Mean df, sd √(2df): 6 sd above is a p-value far below 1e-6.
    assert.ok(stat < df + 6 * Math.sqrt(2 * df), `Bin(${n}, ${p}): chi-square ${stat.toFixed(1)} on ${df} df`);
  }
});

test('binomial moments at a million trials', () => {
  const rand = mulberry32(7);
  const n = 1_000_000;
  const p = 0.37;
  const draws = 20_000;
  let sum = 0;
  let sq = 0;
  for (let t = 0; t < draws; t++) {
    const k = binomial(n, p, rand);
    sum += k;
    sq += k * k;
  }
  const mean = sum / draws;
  const variance = sq / draws - mean * mean;
  const sd = Math.sqrt(n * p * (1 - p));
  assert.ok(Math.abs(mean - n * p) < 5 * sd / Math.sqrt(draws), `mean ${mean}`);
  assert.ok(Math.abs(variance / (sd * sd) - 1) < 0.05, `variance ratio ${variance / (sd * sd)}`);
});

test('multinomial draws sum to the total and follow the cell proportions', () => {
  const rand = mulberry32(3);
  const cells = Float64Array.of(500_000, 0, 300_000, 150_000, 49_000, 1_000);
  const total = cells.reduce((s, c) => s + c, 0);
  const out = new Float64Array(cells.length);
  const mean = new Float64Array(cells.length);
  const rounds = 2000;
  for (let r = 0; r < rounds; r++) {
    multinomial(total, cells, out, rand);
    assert.equal(out.reduce((s, c) => s + c, 0), total);
    assert.equal(out[1], 0);
    out.forEach((x, k) => { mean[k] = mean[k]! + x / rounds; });
  }
  cells.forEach((c, k) => {
    const sd = Math.sqrt(c * (1 - c / total));
    assert.ok(Math.abs(mean[k]! - c) <= 5 * sd / Math.sqrt(rounds) + 1e-9, `cell ${k}: mean ${mean[k]} vs ${c}`);
  });
});
