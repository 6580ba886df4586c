// Holm's step-down adjustment. Published anchor: the worked example of the Holm–Bonferroni method (four hypotheses
// with p = 0.01, 0.04, 0.03, 0.005 at α = 0.05: H4 and H1 are rejected, H2 and H3 are not), whose adjusted values
// are those of R's p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm") = 0.03, 0.06, 0.06, 0.02.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { holmAdjust } from '../../src/stats/holm.js';

const close = (a: number[], b: number[]) => a.forEach((x, i) => assert.ok(Math.abs(x - b[i]!) < 1e-12, `${a} vs ${b}`));

test('the worked example: adjusted values and which hypotheses are rejected', () => {
  const adj = holmAdjust([0.01, 0.04, 0.03, 0.005]);
  close(adj, [0.03, 0.06, 0.06, 0.02]);
  assert.deepEqual(adj.map((p) => p < 0.05), [true, false, false, true]);
});

test('monotone in the sorted order, capped at 1, and one p-value is its own adjustment', () => {
  close(holmAdjust([0.01, 0.02, 0.03, 0.04, 0.05]), [0.05, 0.08, 0.09, 0.09, 0.09]);
  close(holmAdjust([0.5, 0.9]), [1, 1]);
  close(holmAdjust([0.0123]), [0.0123]);
  const nan = holmAdjust([Number.NaN, 0.02, 0.04]);
  assert.ok(Number.isNaN(nan[0]!));
  close(nan.slice(1), [0.04, 0.04]);
});
