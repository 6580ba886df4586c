// The share of bootstrap rounds in which each contender keeps its place in the order of ratings: hand-checked on
// four rounds, then on real bootstraps where a clear gap holds and a near tie does not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeLeaderboard } from '../../src/arena/leaderboard.js';
import type { PairOutcomeCount } from '../../src/store/index.js';
import { rankHeld } from '../../src/stats/index.js';

test('rank held: the share of usable rounds with the same place, degenerate rounds and unrated contenders left out', () => {
  // Full-data order: a (1100) > b (1050) > c (900); d unrated.
  const ratings = Float64Array.of(1100, 1050, 900, Number.NaN);
  const N = Number.NaN;
  const samples = Float64Array.of(
    1110, 1040, 905, N, // a b c: everyone holds
    1040, 1060, 890, N, // b a c: a and b swap, c holds
    N, N, N, N, // degenerate
    1090, 1090, 910, N, // an exact tie keeps the full-data order
  );
  const { share, rounds } = rankHeld(ratings, samples, 4);
  assert.equal(rounds, 3);
  assert.deepEqual([share[0], share[1], share[2]], [2 / 3, 2 / 3, 1]);
  assert.ok(Number.isNaN(share[3]!));
});

test('on a real bootstrap a clear gap holds its place and a near tie trades places', () => {
  const counts: PairOutcomeCount[] = [
    // strong beats both others most of the time; mid-a and mid-b are evenly matched.
    { contenderA: 'strong', contenderB: 'mid-a', winner: 'a', n: 170 },
    { contenderA: 'strong', contenderB: 'mid-a', winner: 'b', n: 30 },
    { contenderA: 'strong', contenderB: 'mid-b', winner: 'a', n: 170 },
    { contenderA: 'strong', contenderB: 'mid-b', winner: 'b', n: 30 },
    { contenderA: 'mid-a', contenderB: 'mid-b', winner: 'a', n: 101 },
    { contenderA: 'mid-a', contenderB: 'mid-b', winner: 'b', n: 99 },
  ];
  const board = computeLeaderboard({ counts, retired: () => false, errors: 0 }, { rounds: 400 });
  const held = Object.fromEntries(board.data.map((r) => [r.contender, r.rank_held]));
  assert.ok(held.strong! > 0.99, `strong held ${held.strong}`);
  assert.ok(held['mid-a']! > 0.3 && held['mid-a']! < 0.8, `mid-a held ${held['mid-a']}`);
  assert.ok(held['mid-b']! > 0.3 && held['mid-b']! < 0.8, `mid-b held ${held['mid-b']}`);
  // The pair counts behind the win-rate matrix: every battle of a pair, in the rows' order.
  assert.deepEqual(board.win_rates.contenders, board.data.map((r) => r.contender));
  const at = (a: string, b: string) => board.win_rates.battles[board.win_rates.contenders.indexOf(a)]![board.win_rates.contenders.indexOf(b)];
  assert.equal(at('strong', 'mid-b'), 200);
  assert.equal(at('mid-b', 'strong'), 200);
  assert.equal(at('mid-a', 'mid-a'), 0);
  const noBootstrap = computeLeaderboard({ counts, retired: () => false, errors: 0 }, { rounds: 0 });
  assert.ok(noBootstrap.data.every((r) => r.rank_held === null));
});
