// Paired bootstrap over items: reproducible from a seed, exact on degenerate data, close to the normal-theory
// standard error sd/√n on large samples (Efron & Tibshirani 1993, ch. 5), and tighter than an unpaired comparison
// when the two conditions are correlated item by item.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulberry32 } from '../../src/stats/bradley-terry-resample.js';
import { bootstrapItems, bootstrapMean, pairedBootstrap, quantile } from '../../src/stats/paired-bootstrap.js';

test('same seed, same interval; constant differences give a zero-width interval', () => {
  const a = [1, 0, 1, 1, 0, 1, 1, 1];
  const b = [0, 0, 1, 0, 0, 1, 0, 1];
  assert.deepEqual(pairedBootstrap(a, b, { seed: 7 }), pairedBootstrap(a, b, { seed: 7 }));
  const flat = pairedBootstrap([1, 1, 1], [0.5, 0.5, 0.5]);
  assert.deepEqual([flat.estimate, flat.lower, flat.upper], [0.5, 0.5, 0.5]);
  assert.throws(() => pairedBootstrap([1], [1, 2]), /equal length/);
});

test('the interval width matches the normal approximation on a large sample', () => {
  const rand = mulberry32(11);
  const values = Array.from({ length: 2000 }, () => (rand() < 0.7 ? 1 : 0));
  const ci = bootstrapMean(values, { rounds: 4000, seed: 3 });
  const p = ci.estimate;
  const halfWidth = 1.959964 * Math.sqrt((p * (1 - p)) / values.length);
  assert.ok(Math.abs((ci.upper - ci.lower) / 2 / halfWidth - 1) < 0.08, `${ci.lower}..${ci.upper} vs ±${halfWidth}`);
  assert.ok(ci.lower < p && p < ci.upper);
});

test('pairing: correlated conditions give a much tighter interval than independent resampling', () => {
  const rand = mulberry32(5);
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < 300; i++) {
    const easy = rand() < 0.5;
    a.push(easy ? 1 : rand() < 0.3 ? 1 : 0);
    b.push(easy ? (rand() < 0.9 ? 1 : 0) : rand() < 0.2 ? 1 : 0);
  }
  const paired = pairedBootstrap(a, b, { seed: 1 });
  const ia = bootstrapMean(a, { seed: 2 });
  const ib = bootstrapMean(b, { seed: 3 });
  const unpairedHalf = Math.hypot(ia.upper - ia.lower, ib.upper - ib.lower) / 2;
  assert.ok((paired.upper - paired.lower) / 2 < 0.8 * unpairedHalf, `${(paired.upper - paired.lower) / 2} vs ${unpairedHalf}`);
});

test('a statistic that is undefined on some resamples drops those rounds; quantile is numpy type 7', () => {
  const r = bootstrapItems(2, (w) => (w[0] === 0 ? Number.NaN : w[0]!), { rounds: 200, seed: 1 });
  assert.ok(r.samples.length < 200 && r.samples.length > 100);
  assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
  assert.equal(quantile([10, 20], 0.25), 12.5);
  assert.ok(Number.isNaN(bootstrapMean([]).estimate));
});
