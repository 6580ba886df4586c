// The style-controlled fit minimises exactly FastChat's objective: at its solution the gradient of a line-by-line port
// of `contextual_bt_loss_and_grad` (lm-sys/FastChat rating_systems.py; reg 0.5, alpha ln 10, one row per battle,
// ties 0.5, features from `preprocess_for_style`) vanishes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitStyleControlled, styleFeatures, type StyleBattle } from '../../src/stats/bradley-terry-style.js';
import { mulberry32 } from '../../src/stats/bradley-terry-resample.js';

test('the style-controlled optimum is a stationary point of FastChat\'s penalised loss', () => {
  const rand = mulberry32(2);
  const outcomes = ['a', 'b', 'tie', 'tie_bothbad'] as const;
  const battles: StyleBattle[] = Array.from({ length: 400 }, () => {
    const a = Math.floor(rand() * 5);
    const b = (a + 1 + Math.floor(rand() * 4)) % 5;
    const counts = () => [Math.floor(rand() * 900), Math.floor(rand() * 4), Math.floor(rand() * 12), Math.floor(rand() * 7)];
    return { a, b, outcome: outcomes[Math.floor(rand() * (a < 2 ? 2 : 4))]!, styleA: counts(), styleB: counts() };
  });
  const fit = fitStyleControlled(battles, 5);
  assert.ok(fit.converged);
  // Back to FastChat's parameters: ratings in log10 units (mean zero) and the coefficients.
  const r = Array.from(fit.ratings, (x) => (x - 1000) / 400);
  const theta = [...fit.coefficients];
  const { z } = styleFeatures(battles, 4);
  const reg = 0.5;
  const grad = [...r, ...theta].map((p) => reg * p);
  battles.forEach((bt, t) => {
    let logit = Math.LN10 * (r[bt.a]! - r[bt.b]!);
    for (let f = 0; f < 4; f++) logit += theta[f]! * z[t * 4 + f]!;
    const prob = 1 / (1 + Math.exp(-logit));
    const error = (bt.outcome === 'a' ? 1 : bt.outcome === 'b' ? 0 : 0.5) - prob;
    grad[bt.a] = grad[bt.a]! - Math.LN10 * error;
    grad[bt.b] = grad[bt.b]! + Math.LN10 * error;
    for (let f = 0; f < 4; f++) grad[5 + f] = grad[5 + f]! - z[t * 4 + f]! * error;
  });
  for (const g of grad) assert.ok(Math.abs(g) < 1e-8, `gradient ${g}`);
  // And the features are FastChat's: every column z-scored with the population sd.
  for (let f = 0; f < 4; f++) {
    let s = 0;
    let ss = 0;
    for (let t = 0; t < 400; t++) { s += z[t * 4 + f]!; ss += z[t * 4 + f]! ** 2; }
    assert.ok(Math.abs(s / 400) < 1e-12 && Math.abs(ss / 400 - 1) < 1e-12);
  }
});
