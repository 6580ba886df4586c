/** The live progress line shows done/total, rate, spend and ETA, and the cached and failed counts when there are any. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, renderProgress } from '../../src/eval/progress.js';

test('progress line', () => {
  const base = { done: 250, total: 1000, cached: 0, failed: 0, spentCnyNanos: 12_345_000, elapsedMs: 5000, ratePerS: 50, etaMs: 15_000, finished: false };
  assert.equal(renderProgress(base, 8), '[██░░░░░░]  250/1000  25%  50.0/s  spent 0.0123 CNY  ETA 15s');
  assert.equal(renderProgress({ ...base, cached: 100, failed: 3, etaMs: null }, 4), '[█░░░]  250/1000  25%  100 cached  50.0/s  spent 0.0123 CNY  ETA ?  3 failed');
  assert.equal(renderProgress({ ...base, done: 1000, finished: true, spentCnyNanos: 2.5e9, elapsedMs: 125_000 }, 4), '[████]  1000/1000  100%  50.0/s  spent 2.50 CNY  took 2m05s');
  assert.deepEqual([formatDuration(999), formatDuration(59_600), formatDuration(3_725_000)], ['1s', '1m00s', '1h02m']);
});
