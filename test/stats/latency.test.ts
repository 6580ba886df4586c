// References: the order-statistic interval for a quantile (W. J. Conover, Practical Nonparametric Statistics,
// 3rd ed., §3.2): for n = 100 the 95 % interval for the median runs from the 40th to the 61st observation, exact
// coverage 0.9648. Latency ratios use the confidence sequence of Waudby-Smith et al. on mean log-latency.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  effectConfidenceSequence, latencyRatio, logLatencyStats, quantileConfidenceInterval, sampleStandardNormal,
  SeededRandom,
} from '../../src/stats/index.js';
import { assertClose } from './assert-close.js';

/** Running sums of ln(ms) for n log-normal latencies with the given median and log-sd. */
function sums(rng: SeededRandom, n: number, median: number, logSd: number): [number, number] {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const x = Math.log(median) + logSd * sampleStandardNormal(rng);
    s += x;
    s2 += x * x;
  }
  return [s, s2];
}

test('latency ratio is the exponentiated confidence sequence on mean log-latency', () => {
  const rng = new SeededRandom(5);
  const control = logLatencyStats(4000, ...sums(rng, 4000, 800, 0.6));
  const treatment = logLatencyStats(4000, ...sums(rng, 4000, 960, 0.6));
  const r = latencyRatio(control, treatment);
  const cs = effectConfidenceSequence(
    { estimate: treatment.mean - control.mean, variance: control.variance / 4000 + treatment.variance / 4000 }, 8000);
  assertClose(r.ratio, Math.exp(treatment.mean - control.mean), 1e-12, { relative: true });
  assertClose(r.lower, Math.exp(cs.lower), 1e-12, { relative: true });
  assertClose(r.upper, Math.exp(cs.upper), 1e-12, { relative: true });
  assert.ok(r.lower > 1.1 && r.upper < 1.3 && r.lower < 1.2 && 1.2 < r.upper, `ratio CS (${r.lower}, ${r.upper})`);
  const slower = latencyRatio(control, treatment, { alternative: 'greater' });
  assert.equal(slower.upper, Number.POSITIVE_INFINITY);
  assert.ok(slower.lower > r.lower);
});

test('under the null, watching the log-latency sequence after every batch rarely raises an alarm', () => {
  // 500 A/A races of heavy-tailed latency (log-sd 1), 100 looks of 20 requests per arm each.
  const rng = new SeededRandom(6);
  let alarms = 0;
  for (let race = 0; race < 500; race++) {
    let c = [0, 0];
    let t = [0, 0];
    for (let look = 1; look <= 100; look++) {
      const [cs, cs2] = sums(rng, 20, 500, 1);
      const [ts, ts2] = sums(rng, 20, 500, 1);
      c = [c[0]! + cs, c[1]! + cs2];
      t = [t[0]! + ts, t[1]! + ts2];
      const r = latencyRatio(logLatencyStats(20 * look, c[0]!, c[1]!), logLatencyStats(20 * look, t[0]!, t[1]!));
      if (r.lower > 1 || r.upper < 1) {
        alarms++;
        break;
      }
    }
  }
  assert.ok(alarms / 500 <= 0.05, `false alarm rate ${alarms / 500}`);
});

test('quantile interval for the median of 100 reproduces Conover\'s ranks 40 and 61', () => {
  const xs = Array.from({ length: 100 }, (_, i) => i + 1);
  const r = quantileConfidenceInterval(xs, 0.5);
  assert.equal(r.lowerRank, 40);
  assert.equal(r.upperRank, 61);
  assertClose(r.coverage, 0.9648, 1e-4);
  assert.equal(r.estimate, 50.5);
});

test('p95 interval: finite from 72 samples on, exact coverage ≥ 95 % at large n', () => {
  const xs = Array.from({ length: 100_000 }, (_, i) => i + 1);
  assert.equal(quantileConfidenceInterval(xs.slice(0, 71), 0.95).upper, Number.POSITIVE_INFINITY);
  assert.equal(quantileConfidenceInterval(xs.slice(0, 72), 0.95).upper, 72);
  const big = quantileConfidenceInterval(xs, 0.95);
  // scipy.stats.binom: largest j with P(B < j) ≤ 0.025 is 94864, smallest k with P(B ≥ k) ≤ 0.025 is 95136.
  assert.equal(big.lowerRank, 94864);
  assert.equal(big.upperRank, 95136);
  assertClose(big.coverage, 0.95154, 1e-5);
});
