// Win-rate matrices on a hand-checked example: predicted P(i beats j) = 1/(1 + 10^((R_j − R_i)/400)), and the
// observed fraction (wins + ties/2) / battles.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aggregateBattles, observedWinRates, winRateMatrix, type Battle } from '../../src/stats/bradley-terry.js';

const close = (actual: number | undefined, expected: number) =>
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-12, `${actual} ≠ ${expected}`);

test('predicted win rates follow the Elo logistic and are complementary', () => {
  const ratings = Float64Array.of(1200, 1000, 1000, 800);
  const w = winRateMatrix(ratings);
  close(w[0 * 4 + 1], 1 / (1 + 10 ** -0.5)); // 200 points: 0.7597…
  close(w[0 * 4 + 1], 0.7597469266479578);
  close(w[0 * 4 + 3], 1 / 1.1); // 400 points: 10:1 odds
  close(w[1 * 4 + 2], 0.5);
  close(w[3 * 4 + 0], 1 - 1 / 1.1);
  for (let i = 0; i < 4; i++) {
    assert.ok(Number.isNaN(w[i * 4 + i]));
    for (let j = 0; j < 4; j++) if (i !== j) close(w[i * 4 + j]! + w[j * 4 + i]!, 1);
  }
  // Another scale: 100 points per factor 10 in odds.
  close(winRateMatrix(ratings, { scale: 100 })[0 * 4 + 1], 1 / (1 + 10 ** -2));
});

test('observed win rates count ties as half and leave unplayed pairs NaN', () => {
  const battles: Battle[] = [
    { a: 0, b: 1, outcome: 'a' }, { a: 1, b: 0, outcome: 'b' }, { a: 0, b: 1, outcome: 'b' }, { a: 1, b: 0, outcome: 'tie' },
    { a: 1, b: 2, outcome: 'tie_bothbad' },
  ];
  const w = observedWinRates(aggregateBattles(battles, 3));
  close(w[0 * 3 + 1], 2.5 / 4);
  close(w[1 * 3 + 0], 1.5 / 4);
  close(w[1 * 3 + 2], 0.5);
  close(w[2 * 3 + 1], 0.5);
  assert.ok(Number.isNaN(w[0 * 3 + 2]) && Number.isNaN(w[2 * 3 + 0]) && Number.isNaN(w[0]));
});
