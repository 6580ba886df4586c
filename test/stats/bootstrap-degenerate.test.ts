// On sparse data some resamples have no finite MLE (a contender keeps only wins). Those rounds are counted and left
// out of the quantiles rather than turned into huge numbers, and an anchor carries into every round.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bootstrapBradleyTerry } from '../../src/stats/bootstrap.js';
import { aggregateBattles, type Battle } from '../../src/stats/bradley-terry.js';

test('rounds without a finite MLE are counted, not rated', () => {
  const battles: Battle[] = [];
  for (let k = 0; k < 40; k++) battles.push({ a: k % 3, b: (k + 1) % 3, outcome: k % 2 ? 'a' : 'b' });
  // Contender 3 beat 0 once and lost to 1 once: a resample drops its only loss about a third of the time.
  battles.push({ a: 3, b: 0, outcome: 'a' }, { a: 3, b: 1, outcome: 'b' });
  const boot = bootstrapBradleyTerry(aggregateBattles(battles, 4), { rounds: 400, seed: 5, anchor: { index: 0, rating: 1114 } });
  assert.deepEqual(boot.fit.unrated, []);
  assert.ok(boot.degenerateRounds > 50 && boot.degenerateRounds < 350, `degenerate ${boot.degenerateRounds}`);
  let nanRows = 0;
  for (let r = 0; r < 400; r++) {
    const row = boot.samples.subarray(r * 4, r * 4 + 4);
    if (row.every(Number.isNaN)) nanRows++;
    else assert.equal(row[0], 1114);
  }
  assert.equal(nanRows, boot.degenerateRounds);
  for (let k = 0; k < 4; k++) assert.ok(Number.isFinite(boot.lower[k]) && Number.isFinite(boot.upper[k]));
  assert.equal(boot.lower[0], 1114);
  assert.equal(boot.upper[0], 1114);
});
