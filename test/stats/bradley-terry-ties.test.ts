// A tie (either kind) is half a win each way, as in Chatbot Arena: k ties between i and j fit exactly like the same
// data with every count doubled and each tie replaced by one win for i and one for j.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aggregateBattles, fitBradleyTerry, type Battle } from '../../src/stats/bradley-terry.js';

const rep = (count: number, b: Battle): Battle[] => Array.from({ length: count }, () => b);

test('ties count as half a win each way, and both tie kinds count the same', () => {
  const withTies = [
    ...rep(3, { a: 0, b: 1, outcome: 'a' }), ...rep(1, { a: 0, b: 1, outcome: 'b' }), ...rep(2, { a: 0, b: 1, outcome: 'tie' }),
    ...rep(2, { a: 1, b: 2, outcome: 'a' }), ...rep(2, { a: 2, b: 1, outcome: 'a' }), ...rep(3, { a: 2, b: 1, outcome: 'tie_bothbad' }),
    ...rep(1, { a: 2, b: 0, outcome: 'a' }), ...rep(4, { a: 0, b: 2, outcome: 'a' }), ...rep(1, { a: 2, b: 0, outcome: 'tie' }),
  ];
  const doubled = withTies.flatMap((b): Battle[] =>
    b.outcome === 'a' || b.outcome === 'b' ? [b, b] : [{ a: b.a, b: b.b, outcome: 'a' }, { a: b.a, b: b.b, outcome: 'b' }]);
  const tied = fitBradleyTerry(aggregateBattles(withTies, 3));
  const split = fitBradleyTerry(aggregateBattles(doubled, 3));
  tied.ratings.forEach((r, k) => assert.ok(Math.abs(r - split.ratings[k]!) < 1e-9, `contender ${k}: ${r} vs ${split.ratings[k]}`));
  // And ties matter: dropping them moves the ratings.
  const dropped = fitBradleyTerry(aggregateBattles(withTies.filter((b) => b.outcome === 'a' || b.outcome === 'b'), 3));
  assert.ok(Math.abs(dropped.ratings[0]! - tied.ratings[0]!) > 1);
});
