// Recovery: battles simulated from known ratings; the bootstrap 95% intervals should contain the true (mean-1000)
// ratings about 95% of the time. 20 contenders × 8 seeds = 160 intervals; the bounds 0.85–0.99 leave room for the
// Monte-Carlo spread (sd ≈ 0.017) and the small-sample bias of percentile intervals.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bootstrapBradleyTerry } from '../../src/stats/bootstrap.js';
import { aggregateBattles, type Battle } from '../../src/stats/bradley-terry.js';
import { mulberry32 } from '../../src/stats/bradley-terry-resample.js';

const N_MODELS = 20;
const N_BATTLES = 4000;
const truth = Array.from({ length: N_MODELS }, (_, k) => 1000 + (k - (N_MODELS - 1) / 2) * 20); // 810 … 1190, mean 1000

function simulate(seed: number): Battle[] {
  const rand = mulberry32(seed);
  return Array.from({ length: N_BATTLES }, () => {
    const a = Math.floor(rand() * N_MODELS);
    const b = (a + 1 + Math.floor(rand() * (N_MODELS - 1))) % N_MODELS;
    const pA = 1 / (1 + 10 ** ((truth[b]! - truth[a]!) / 400));
    return { a, b, outcome: rand() < pA ? 'a' : 'b' };
  });
}

test('bootstrap 95% intervals cover the true ratings at about the nominal rate', () => {
  let covered = 0;
  let intervals = 0;
  for (let seed = 1; seed <= 8; seed++) {
    const boot = bootstrapBradleyTerry(aggregateBattles(simulate(seed), N_MODELS), { rounds: 1000, seed });
    assert.equal(boot.degenerateRounds, 0);
    for (let k = 0; k < N_MODELS; k++) {
      assert.ok(boot.lower[k]! < boot.fit.ratings[k]! && boot.fit.ratings[k]! < boot.upper[k]!);
      intervals++;
      if (boot.lower[k]! <= truth[k]! && truth[k]! <= boot.upper[k]!) covered++;
    }
  }
  const coverage = covered / intervals;
  assert.ok(coverage >= 0.85 && coverage <= 0.99, `coverage ${coverage} (${covered}/${intervals})`);
});
