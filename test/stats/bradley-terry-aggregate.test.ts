// Aggregation keeps decisive wins per ordered pair and ties (both kinds) per unordered pair, whatever the side.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aggregateBattles, battlesPerModel, type Battle } from '../../src/stats/bradley-terry.js';

test('battles aggregate into wins per ordered pair and ties per unordered pair', () => {
  const battles: Battle[] = [
    { a: 0, b: 1, outcome: 'a' }, { a: 1, b: 0, outcome: 'b' }, { a: 1, b: 0, outcome: 'a' },
    { a: 2, b: 0, outcome: 'tie' }, { a: 0, b: 2, outcome: 'tie_bothbad' }, { a: 2, b: 1, outcome: 'b' },
  ];
  const c = aggregateBattles(battles, 3);
  assert.equal(c.total, 6);
  assert.deepEqual([...c.wins], [0, 2, 0, 1, 0, 1, 0, 0, 0]);
  assert.deepEqual([...c.ties], [0, 0, 2, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...battlesPerModel(c)], [5, 4, 3]);
});

test('out-of-range indices, self-battles and unknown outcomes are rejected', () => {
  assert.throws(() => aggregateBattles([{ a: 0, b: 3, outcome: 'a' }], 3), RangeError);
  assert.throws(() => aggregateBattles([{ a: -1, b: 0, outcome: 'a' }], 3), RangeError);
  assert.throws(() => aggregateBattles([{ a: 1, b: 1, outcome: 'tie' }], 3), RangeError);
  assert.throws(() => aggregateBattles([{ a: 0, b: 1, outcome: 'draw' } as unknown as Battle], 3), RangeError);
});
