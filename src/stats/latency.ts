/**
 * How Saima compares latency (total time, TTFT) between a challenger and the champion.
 *
 * Latency is positive, right-skewed and multiplicative (a slow upstream makes everything ×1.3, not +40 ms), so it is
 * compared on the log scale: the effect is the difference of mean ln(latency), Δ = E[ln L_T] − E[ln L_C], and is
 * reported as the ratio exp(Δ) of geometric means ("the challenger is 1.18× slower"); for log-normal latencies that
 * is also the ratio of medians and of every quantile. The log also tames the heavy right tail, so the central limit
 * behaviour the confidence sequence relies on sets in at far smaller samples than for raw milliseconds. The
 * monitor keeps per-arm running sums of ln(ms) and ln(ms)², and `latencyRatio` wraps the always-valid confidence
 * sequence on their difference.
 *
 * Tail guardrails (p95) need the quantile itself: `quantileConfidenceInterval` gives a distribution-free
 * interval for one arm from its sorted sample (fixed-sample, not sequential; use it for reports and gates).
 */
import { effectConfidenceSequence } from './confidence-sequence.js';
import type { ConfidenceSequenceOptions } from './confidence-sequence.js';
import { estimateEffect, meanStats } from './means.js';
import type { ArmStats } from './means.js';
import { normalQuantile } from './normal-distribution.js';
import { regularizedBeta } from './student-t-distribution.js';

/**
 * Arm statistics of ln(latency) from running sums: n requests, Σ ln(ms), Σ ln(ms)². The unit of the sums does not
 * matter for ratios (it shifts both arms' means by the same constant).
 */
export function logLatencyStats(n: number, sumLog: number, sumLogSquares: number): ArmStats {
  return meanStats(n, sumLog, sumLogSquares);
}

export interface LatencyRatioResult {
  /** exp(Δ̂): challenger/champion ratio of geometric-mean latency (1.2 = 20 % slower). */
  readonly ratio: number;
  /** exp of the confidence-sequence bounds on Δ; the open side of a one-sided sequence is 0 or +∞. */
  readonly lower: number;
  readonly upper: number;
  /** Always-valid p-value of "no difference". */
  readonly pValue: number;
  /** Δ̂ = difference of mean ln(latency), and its standard error. */
  readonly logEstimate: number;
  readonly logStandardError: number;
}

/**
 * Always-valid comparison of latency: the asymptotic confidence sequence (see `confidence-sequence.ts`) on the
 * absolute difference of mean log-latency, exponentiated to a ratio. A latency guardrail "at most 10 % slower" with
 * `alternative: 'greater'` breaks when `lower > 1.1`.
 * @param control champion's `logLatencyStats`; @param treatment challenger's.
 */
export function latencyRatio(
  control: ArmStats, treatment: ArmStats, options: ConfidenceSequenceOptions = {},
): LatencyRatioResult {
  const cs = effectConfidenceSequence(estimateEffect(control, treatment, 'absolute'), control.n + treatment.n, options);
  return {
    ratio: Math.exp(cs.estimate), lower: Math.exp(cs.lower), upper: Math.exp(cs.upper), pValue: cs.pValue,
    logEstimate: cs.estimate, logStandardError: cs.standardError,
  };
}

export interface QuantileInterval {
  /** Sample quantile, linear interpolation between order statistics (Hyndman & Fan type 7, numpy's default). */
  readonly estimate: number;
  /** Order statistics X_(lowerRank) and X_(upperRank) (1-based); −∞/+∞ when the sample is too small. */
  readonly lower: number;
  readonly upper: number;
  readonly lowerRank: number;
  readonly upperRank: number;
  /** Exact coverage P(X_(j) ≤ ξ_q < X_(k)) = P(j ≤ B < k), B ~ Binomial(n, q), for a continuous distribution. */
  readonly coverage: number;
}

/**
 * Distribution-free confidence interval for the q-quantile ξ_q from a sample sorted ascending (W. J. Conover,
 * Practical Nonparametric Statistics, 3rd ed., §3.2): the number of observations below ξ_q is B ~ Binomial(n, q),
 * so [X_(j), X_(k)] covers ξ_q with probability ≥ P(j ≤ B ≤ k − 1). Equal tails: j is the largest rank with
 * P(B < j) ≤ α/2 and k the smallest with P(B ≥ k) ≤ α/2, found from the normal approximation
 * nq ∓ z·sqrt(nq(1 − q)) and a few exact binomial steps.
 * Example: n = 100, median, α = 0.05 → ranks 40 and 61, coverage 0.9648 (Conover's table).
 * A p95 needs n ≥ 72 for a finite upper bound at α = 0.05 (0.95⁷² ≤ 0.025).
 */
export function quantileConfidenceInterval(sorted: ArrayLike<number>, q: number, alpha: number = 0.05): QuantileInterval {
  const n = sorted.length;
  if (n === 0 || !(q > 0 && q < 1)) {
    return { estimate: Number.NaN, lower: Number.NEGATIVE_INFINITY, upper: Number.POSITIVE_INFINITY,
      lowerRank: 0, upperRank: n + 1, coverage: 1 };
  }
  const h = (n - 1) * q;
  const below = Math.floor(h);
  const estimate = sorted[below]! + (h - below) * (sorted[Math.min(below + 1, n - 1)]! - sorted[below]!);
  const tail = alpha / 2;
  const spread = normalQuantile(1 - tail) * Math.sqrt(n * q * (1 - q));
  // Lower rank j ∈ [0, n]: largest with P(B ≤ j − 1) ≤ α/2 (j = 0 means −∞).
  let j = clamp(Math.floor(n * q - spread), 0, n);
  while (j > 0 && binomialCdf(j - 1, n, q) > tail) j--;
  while (j < n && binomialCdf(j, n, q) <= tail) j++;
  // Upper rank k ∈ [1, n + 1]: smallest with P(B ≥ k) = 1 − P(B ≤ k − 1) ≤ α/2 (k = n + 1 means +∞).
  let k = clamp(Math.ceil(n * q + spread) + 1, 1, n + 1);
  while (k <= n && 1 - binomialCdf(k - 1, n, q) > tail) k++;
  while (k > 1 && 1 - binomialCdf(k - 2, n, q) <= tail) k--;
  return {
    estimate,
    lower: j >= 1 ? sorted[j - 1]! : Number.NEGATIVE_INFINITY,
    upper: k <= n ? sorted[k - 1]! : Number.POSITIVE_INFINITY,
    lowerRank: j, upperRank: k, coverage: binomialCdf(k - 1, n, q) - binomialCdf(j - 1, n, q),
  };
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

/** P(B ≤ m) for B ~ Binomial(n, p): I_{1−p}(n − m, m + 1) (Abramowitz & Stegun 26.5.24). */
function binomialCdf(m: number, n: number, p: number): number {
  if (m < 0) return 0;
  if (m >= n) return 1;
  return regularizedBeta(1 - p, n - m, m + 1, p);
}
