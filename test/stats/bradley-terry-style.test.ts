// Style control separates "wins because the answer is longer" from "wins because it is better": battles simulated
// with a known length effect and one verbose contender. Plain BT overrates the verbose one; the style-controlled fit
// recovers its true rating and the true coefficients (tokens 0.4 log-odds per sd, bold 0).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aggregateBattles, fitBradleyTerry } from '../../src/stats/bradley-terry.js';
import { fitStyleControlled, type StyleBattle } from '../../src/stats/bradley-terry-style.js';
import { mulberry32 } from '../../src/stats/bradley-terry-resample.js';

const truth = [1000, 1050, 950, 1100, 900, 1000]; // mean 1000; contender 0 writes ~3× longer answers
const BETA_TOKENS = 0.4;
const N = 30_000;

function simulate(): StyleBattle[] {
  const rand = mulberry32(11);
  const style = (model: number) => [Math.round((model === 0 ? 900 : 300) * (0.5 + rand())), Math.floor(rand() * 6)];
  const raw = Array.from({ length: N }, () => {
    const a = Math.floor(rand() * truth.length);
    const b = (a + 1 + Math.floor(rand() * (truth.length - 1))) % truth.length;
    return { a, b, styleA: style(a), styleB: style(b) };
  });
  // The true model uses the z-scored normalised token difference, computed here independently of the code under test.
  const d = raw.map((r) => (r.styleA[0]! - r.styleB[0]!) / (r.styleA[0]! + r.styleB[0]! + 1));
  const mean = d.reduce((s, x) => s + x, 0) / N;
  const sd = Math.sqrt(d.reduce((s, x) => s + (x - mean) ** 2, 0) / N);
  return raw.map((r, t) => {
    const logit = (Math.LN10 * (truth[r.a]! - truth[r.b]!)) / 400 + BETA_TOKENS * ((d[t]! - mean) / sd);
    return { ...r, outcome: rand() < 1 / (1 + Math.exp(-logit)) ? 'a' : 'b' };
  });
}

test('style control removes a length bias that plain Bradley–Terry absorbs into the rating', () => {
  const battles = simulate();
  const plain = fitBradleyTerry(aggregateBattles(battles, truth.length));
  const styled = fitStyleControlled(battles, truth.length);
  assert.ok(styled.converged);
  assert.ok(plain.ratings[0]! - truth[0]! > 40, `plain BT should overrate the verbose contender: ${plain.ratings[0]}`);
  assert.ok(Math.abs(styled.ratings[0]! - truth[0]!) < 15, `style-controlled rating ${styled.ratings[0]}`);
  truth.forEach((r, k) => assert.ok(Math.abs(styled.ratings[k]! - r) < 15, `contender ${k}: ${styled.ratings[k]} vs ${r}`));
  assert.ok(Math.abs(styled.coefficients[0]! - BETA_TOKENS) < 0.05, `tokens β ${styled.coefficients[0]}`);
  assert.ok(Math.abs(styled.coefficients[1]!) < 0.05, `bold β ${styled.coefficients[1]}`);
  assert.ok(Math.abs(styled.ratings.reduce((s, r) => s + r, 0) / truth.length - 1000) < 1e-9);
});
