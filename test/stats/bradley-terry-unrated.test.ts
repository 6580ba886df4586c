// A contender that never lost (or never won), or never played, has no finite MLE (Zermelo/Ford condition: the
// "scored against" graph must be strongly connected). It is reported unrated instead of as a huge number, and the
// others are rated on the battles among themselves.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aggregateBattles, fitBradleyTerry, type Battle } from '../../src/stats/bradley-terry.js';

const core: Battle[] = [
  { a: 0, b: 1, outcome: 'a' }, { a: 1, b: 0, outcome: 'a' }, { a: 0, b: 1, outcome: 'a' },
  { a: 1, b: 2, outcome: 'a' }, { a: 2, b: 1, outcome: 'tie' }, { a: 2, b: 0, outcome: 'a' },
  { a: 0, b: 2, outcome: 'b' }, { a: 0, b: 2, outcome: 'a' },
];
// 3 beat 0 and 1 every time; 4 lost every battle (to 2); 5 never played.
const extra: Battle[] = [
  { a: 3, b: 0, outcome: 'a' }, { a: 1, b: 3, outcome: 'b' }, { a: 3, b: 1, outcome: 'a' },
  { a: 4, b: 2, outcome: 'b' },
];

test('contenders without a finite MLE are unrated; the rest match a fit on their own battles', () => {
  const fit = fitBradleyTerry(aggregateBattles([...core, ...extra], 6));
  assert.ok(fit.converged);
  assert.deepEqual(fit.unrated, [3, 4, 5]);
  assert.deepEqual([...fit.rated], [0, 1, 2]);
  for (const k of [3, 4, 5]) assert.ok(Number.isNaN(fit.ratings[k]));
  const alone = fitBradleyTerry(aggregateBattles(core, 3));
  for (const k of [0, 1, 2]) assert.ok(Math.abs(fit.ratings[k]! - alone.ratings[k]!) < 1e-9);
  assert.ok(Math.abs((fit.ratings[0]! + fit.ratings[1]! + fit.ratings[2]!) / 3 - 1000) < 1e-9);
  assert.throws(() => fitBradleyTerry(aggregateBattles([...core, ...extra], 6), { anchor: { index: 3, rating: 1114 } }), RangeError);
});
