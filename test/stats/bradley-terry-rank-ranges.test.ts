// Rank ranges from 95% intervals, hand-checked. best = 1 + #{others whose lower bound > my upper bound} (the rank
// Chatbot Arena publishes); worst = n_rated − #{others whose upper bound < my lower bound}.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rankRanges } from '../../src/stats/bradley-terry.js';

test('rank ranges follow interval overlaps; unrated contenders get no rank', () => {
  const ratings = Float64Array.of(1100, 1050, 1040, 900, Number.NaN, 1045);
  const lower = Float64Array.of(1080, 1030, 1020, 880, Number.NaN, 1000);
  const upper = Float64Array.of(1120, 1070, 1060, 920, Number.NaN, 1090);
  const ranks = rankRanges(ratings, lower, upper);
  // 0 is clear of everyone below it except 5, whose interval reaches 1090 > 1080.
  assert.deepEqual(ranks[0], { best: 1, worst: 2 });
  // 1 and 2 sit under 0 (lower 1080 > their uppers) and overlap 5, but clear 3.
  assert.deepEqual(ranks[1], { best: 2, worst: 4 });
  assert.deepEqual(ranks[2], { best: 2, worst: 4 });
  // 3 is below everyone's lower bound.
  assert.deepEqual(ranks[3], { best: 5, worst: 5 });
  // 5 overlaps 0, 1 and 2.
  assert.deepEqual(ranks[5], { best: 1, worst: 4 });
  assert.ok(Number.isNaN(ranks[4]!.best) && Number.isNaN(ranks[4]!.worst));
});
