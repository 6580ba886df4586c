// Anchors: Optimizely's `ssrm` (Lindon & Malek, "Anytime-Valid Inference for Multinomial Count Data", NeurIPS
// 2022), `test_ssrm_test.py::test_sequential_posteriors`: null shares [0.4, 0.4, 0.2], Dirichlet α = [1, 1, 1].
// Unit-level data ending at counts [2, 2, 1]: log M1 = −6.4457198193855785, log M0 = −5.27460083993072.
// Time-aggregated chunks summing to [60, 63, 32]: log M1 = −19.96484521090386, log M0 = −15.781031228536165
// (each chunk's multinomial coefficient appears in both and cancels in the Bayes factor).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom, sequentialSrmTest, srmTest } from '../../src/stats/index.js';
import { assertClose } from './assert-close.js';

test('the Bayes factor matches ssrm\'s published marginal likelihoods', () => {
  const unit = sequentialSrmTest([2, 2, 1], [0.4, 0.4, 0.2], { dirichletAlpha: [1, 1, 1] });
  assertClose(unit.logBayesFactor, -6.4457198193855785 - -5.27460083993072, 1e-10);
  const chunks = sequentialSrmTest([60, 63, 32], [40, 40, 20], { dirichletAlpha: [1, 1, 1] });
  assertClose(chunks.logBayesFactor, -19.96484521090386 - -15.781031228536165, 1e-9);
  assert.equal(chunks.pValue, 1);
  assert.equal(chunks.flagged, false);
});

test('a clear mismatch is flagged, a matching split is not, zero-weight arms are ignored', () => {
  const bad = sequentialSrmTest([5400, 4600], [50, 50]);
  assert.equal(bad.flagged, true);
  assert.ok(bad.pValue < 1e-6, `p ${bad.pValue}`);
  assert.equal(bad.chiSquare, srmTest([5400, 4600], [50, 50]).chiSquare);
  const ok = sequentialSrmTest([5030, 4970], [50, 50]);
  assert.equal(ok.flagged, false);
  assert.equal(ok.pValue, 1);
  assert.deepEqual(sequentialSrmTest([5030, 4970, 12], [50, 50, 0]), ok);
  assert.equal(sequentialSrmTest([0, 0], [50, 50]).pValue, 1);
});

test('re-tested after every 25 units, the check keeps its false-alarm rate where a repeated χ² does not', () => {
  const rng = new SeededRandom(20261129);
  const runs = 400;
  const alpha = 0.05;
  let sequentialAlarms = 0;
  let chiAlarms = 0;
  for (let r = 0; r < runs; r++) {
    const counts = [0, 0];
    let seq = false;
    let chi = false;
    for (let look = 0; look < 200 && !(seq && chi); look++) {
      for (let u = 0; u < 25; u++) counts[rng.next() < 0.8 ? 0 : 1]!++;
      seq ||= sequentialSrmTest(counts, [80, 20], { threshold: alpha }).flagged;
      chi ||= srmTest(counts, [80, 20], { threshold: alpha }).flagged;
    }
    if (seq) sequentialAlarms++;
    if (chi) chiAlarms++;
  }
  // 200 looks on a healthy split: the repeated χ² alarms far more often than α; the sequential test stays under it.
  assert.ok(sequentialAlarms / runs <= alpha, `sequential false alarms ${sequentialAlarms}/${runs}`);
  assert.ok(chiAlarms / runs > 3 * alpha, `repeated χ² false alarms ${chiAlarms}/${runs}`);
});

test('a 2-point shift on an 80/20 split is caught once the evidence is there', () => {
  const rng = new SeededRandom(7);
  const counts = [0, 0];
  let at = -1;
  for (let n = 1; n <= 100_000 && at < 0; n++) {
    counts[rng.next() < 0.78 ? 0 : 1]!++;
    if (n % 500 === 0 && sequentialSrmTest(counts, [80, 20]).flagged) at = n;
  }
  assert.ok(at > 0 && at <= 60_000, `flagged after ${at} units`);
});
