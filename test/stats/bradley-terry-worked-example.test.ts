// The Wikipedia Bradley–Terry worked example (https://en.wikipedia.org/wiki/Bradley%E2%80%93Terry_model, also the
// fixture of lmarena/arena-rank `tests/test_bradley_terry.py`): 22 games, A–B 2:3, A–D 1:4, B–C 5:3, C–D 1:3.
// Published strengths, normalised to geometric mean 1: A 0.640, B 1.043, C 0.660, D 2.270.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aggregateBattles, fitBradleyTerry, type Battle } from '../../src/stats/bradley-terry.js';

const [A, B, C, D] = [0, 1, 2, 3];
function games(winner: number, loser: number, count: number): Battle[] {
  return Array.from({ length: count }, () => ({ a: winner, b: loser, outcome: 'a' as const }));
}
const battles = [
  ...games(A, B, 2), ...games(B, A, 3), ...games(A, D, 1), ...games(D, A, 4),
  ...games(B, C, 5), ...games(C, B, 3), ...games(C, D, 1), ...games(D, C, 3),
];

test('the fit reproduces the published strengths of the Wikipedia worked example', () => {
  const fit = fitBradleyTerry(aggregateBattles(battles, 4));
  assert.ok(fit.converged);
  // Strengths are mean-zero natural logs, so exp(θ) already has geometric mean 1; the published values carry 3 decimals.
  const published = [0.64, 1.043, 0.66, 2.27];
  fit.strengths.forEach((theta, k) => {
    assert.ok(Math.abs(Math.exp(theta) / published[k]! - 1) < 1e-3, `strength ${k}: ${Math.exp(theta)}`);
  });
  // Arena scale, mean 1000; the rounded published strengths give 922.47 / 1007.31 / 927.82 / 1142.41.
  const elo = [922.43, 1007.37, 927.77, 1142.44];
  fit.ratings.forEach((r, k) => assert.ok(Math.abs(r - elo[k]!) < 0.01, `rating ${k}: ${r}`));
  assert.ok(Math.abs(fit.ratings.reduce((s, r) => s + r, 0) / 4 - 1000) < 1e-9);
});

test('an anchor shifts every rating by the same amount and pins the anchor', () => {
  const counts = aggregateBattles(battles, 4);
  const free = fitBradleyTerry(counts);
  const anchored = fitBradleyTerry(counts, { anchor: { index: D, rating: 1114 } });
  assert.equal(anchored.ratings[D], 1114);
  const shift = 1114 - free.ratings[D]!;
  anchored.ratings.forEach((r, k) => assert.ok(Math.abs(r - free.ratings[k]! - shift) < 1e-9));
});
