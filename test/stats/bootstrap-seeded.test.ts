// The bootstrap is reproducible: the same counts and seed give bit-identical intervals, another seed different ones;
// the point rating is the full-data fit and sits inside its interval; quantiles follow numpy's default.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bootstrapBradleyTerry, quantileSorted } from '../../src/stats/bootstrap.js';
import { aggregateBattles, fitBradleyTerry, type Battle } from '../../src/stats/bradley-terry.js';

const battles: Battle[] = [];
const score = [[0, 30, 25, 40], [20, 0, 22, 35], [25, 28, 0, 30], [10, 15, 20, 0]]; // score[i][j]: i's wins over j
score.forEach((row, i) => row.forEach((wins, j) => {
  for (let k = 0; k < wins; k++) battles.push({ a: i, b: j, outcome: 'a' });
}));
for (let k = 0; k < 12; k++) battles.push({ a: k % 4, b: (k + 1) % 4, outcome: k % 3 ? 'tie' : 'tie_bothbad' });
const counts = aggregateBattles(battles, 4);

test('same seed, same intervals; another seed, other intervals', () => {
  const one = bootstrapBradleyTerry(counts, { rounds: 300, seed: 42 });
  const again = bootstrapBradleyTerry(counts, { rounds: 300, seed: 42 });
  const other = bootstrapBradleyTerry(counts, { rounds: 300, seed: 43 });
  assert.deepEqual(one.lower, again.lower);
  assert.deepEqual(one.upper, again.upper);
  assert.deepEqual(one.samples, again.samples);
  assert.notDeepEqual(one.lower, other.lower);
  assert.equal(one.samples.length, 300 * 4);
  assert.equal(one.degenerateRounds, 0);
  assert.deepEqual(one.fit.ratings, fitBradleyTerry(counts).ratings);
  for (let k = 0; k < 4; k++) {
    assert.ok(one.lower[k]! < one.fit.ratings[k]! && one.fit.ratings[k]! < one.upper[k]!);
    // Each round is centred on 1000 like the point fit.
    const row = one.samples.subarray(k * 4, k * 4 + 4);
    assert.ok(Math.abs(row.reduce((s, r) => s + r, 0) / 4 - 1000) < 1e-9);
  }
});

test('percentile bounds interpolate linearly between order statistics (numpy default)', () => {
  const sorted = Float64Array.from({ length: 11 }, (_, k) => k * 10); // 0, 10, …, 100
  assert.equal(quantileSorted(sorted, 0.025), 2.5);
  assert.equal(quantileSorted(sorted, 0.975), 97.5);
  assert.equal(quantileSorted(sorted, 0.5), 50);
  assert.equal(quantileSorted([7], 0.3), 7);
  assert.ok(Number.isNaN(quantileSorted([], 0.5)));
});
