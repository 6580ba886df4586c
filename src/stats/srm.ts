/**
 * Sample-ratio mismatch (SRM): does the observed split of units across arms match the configured weights? A
 * mismatch means assignment or logging is broken (a contender that crashes before its request is logged, sticky
 * users piling up on one arm), and every comparison of that race is then biased. GrowthBook runs the same Pearson
 * χ² test (gbstats `utils.check_srm`, back-end `checkSrm`) and flags at p < 0.001 (`DEFAULT_SRM_THRESHOLD`).
 */
import { chiSquareSf, logGamma } from './gamma-function.js';

/** GrowthBook's `DEFAULT_SRM_THRESHOLD`. */
export const DEFAULT_SRM_THRESHOLD = 0.001;

export interface SrmOptions {
  /** Flag when the p-value is below this. Default 0.001: strict, because the check runs continuously. */
  threshold?: number;
}

export interface SrmResult {
  /** Pearson χ² = Σ (observed − expected)²/expected over arms with positive weight. */
  readonly chiSquare: number;
  /** Degrees of freedom: number of arms with positive weight − 1. */
  readonly df: number;
  readonly pValue: number;
  readonly flagged: boolean;
}

/**
 * Pearson's χ² goodness-of-fit test of observed unit counts against expected shares. Weights need not sum to 1.
 * Arms with weight ≤ 0 are left out of both the statistic and the total, so a rolled-back challenger does not
 * distort the test of the remaining arms (GrowthBook skips them in the sum as well, but keeps them in df).
 * Counts must come from a window in which the weights did not change.
 * Examples at 50/50: 5200/4800 → χ² = 16, p = 6.3e-5 (flagged); 5100/4900 → χ² = 4, p = 0.0455 (not flagged).
 */
export function srmTest(
  observed: ArrayLike<number>, weights: ArrayLike<number>, options: SrmOptions = {},
): SrmResult {
  if (observed.length !== weights.length) throw new RangeError('srmTest: observed and weights differ in length');
  let totalObserved = 0;
  let totalWeight = 0;
  let arms = 0;
  for (let i = 0; i < observed.length; i++) {
    const w = weights[i]!;
    if (w > 0) {
      totalObserved += observed[i]!;
      totalWeight += w;
      arms++;
    }
  }
  if (arms < 2 || totalObserved <= 0) return { chiSquare: 0, df: Math.max(0, arms - 1), pValue: 1, flagged: false };
  let chiSquare = 0;
  for (let i = 0; i < observed.length; i++) {
    const w = weights[i]!;
    if (w > 0) {
      const expected = (w / totalWeight) * totalObserved;
      const diff = observed[i]! - expected;
      chiSquare += (diff * diff) / expected;
    }
  }
  const df = arms - 1;
  const pValue = chiSquareSf(chiSquare, df);
  return { chiSquare, df, pValue, flagged: pValue < (options.threshold ?? DEFAULT_SRM_THRESHOLD) };
}

/** Prior concentration of the Dirichlet alternative: Optimizely's `ssrm` default (Lindon & Malek). */
export const DEFAULT_SRM_CONCENTRATION = 10_000;

export interface SequentialSrmOptions {
  /** Flag when the Bayes factor reaches 1/threshold. Default 0.001, as the χ² check. */
  threshold?: number;
  /** Dirichlet prior concentration around the configured shares (default 10 000). */
  concentration?: number;
  /** The Dirichlet parameters themselves, one per arm, instead of concentration × shares. */
  dirichletAlpha?: ArrayLike<number>;
}

export interface SequentialSrmResult {
  /** ln of the Bayes factor of "the split differs from the weights" against "it matches them". */
  readonly logBayesFactor: number;
  /** min(1, 1/BF): a p-value that stays valid however often it is looked at (Ville's inequality). */
  readonly pValue: number;
  readonly flagged: boolean;
  /** Pearson χ² of the same counts, for display next to the decision (not used to decide). */
  readonly chiSquare: number;
  readonly df: number;
}

/**
 * The always-valid sample-ratio check of Lindon & Malek, "Anytime-Valid Inference for Multinomial Count Data"
 * (NeurIPS 2022), as in Optimizely's `ssrm`: under H0 the counts are multinomial with the configured shares p;
 * under H1 the shares are Dirichlet(c·p). The Bayes factor of the cumulative counts x (n in all),
 *
 *   BF = Γ(c) / Γ(c + n) · Π Γ(c·pᵢ + xᵢ) / Γ(c·pᵢ) / Π pᵢ^xᵢ,
 *
 * is a nonnegative martingale with mean 1 under H0, so P(BF ever ≥ 1/α) ≤ α: the monitor may re-test the
 * growing window at every tick without the false alarms a repeated χ² test accumulates (about 4 % of healthy
 * day-long races alerted with χ² at p < 0.001 checked every minute; see docs/racing.md).
 * Arms with weight ≤ 0 are left out, as in `srmTest`. Counts must come from one window of constant weights.
 * Checked against `ssrm`'s published test values (test/stats/srm-sequential.test.ts).
 */
export function sequentialSrmTest(observed: ArrayLike<number>, weights: ArrayLike<number>, options: SequentialSrmOptions = {}): SequentialSrmResult {
  if (observed.length !== weights.length) throw new RangeError('sequentialSrmTest: observed and weights differ in length');
  const concentration = options.concentration ?? DEFAULT_SRM_CONCENTRATION;
  const chi = srmTest(observed, weights);
  let totalWeight = 0;
  let n = 0;
  let arms = 0;
  for (let i = 0; i < observed.length; i++) {
    if (weights[i]! > 0) {
      totalWeight += weights[i]!;
      n += observed[i]!;
      arms++;
    }
  }
  if (arms < 2 || n <= 0) return { logBayesFactor: 0, pValue: 1, flagged: false, chiSquare: chi.chiSquare, df: chi.df };
  let alphaSum = 0;
  for (let i = 0; i < observed.length; i++) if (weights[i]! > 0) alphaSum += options.dirichletAlpha ? options.dirichletAlpha[i]! : concentration * (weights[i]! / totalWeight);
  let logBf = logGamma(alphaSum) - logGamma(alphaSum + n);
  for (let i = 0; i < observed.length; i++) {
    const w = weights[i]!;
    if (w <= 0) continue;
    const p = w / totalWeight;
    const a = options.dirichletAlpha ? options.dirichletAlpha[i]! : concentration * p;
    const x = observed[i]!;
    logBf += logGamma(a + x) - logGamma(a) - (x > 0 ? x * Math.log(p) : 0);
  }
  const threshold = options.threshold ?? DEFAULT_SRM_THRESHOLD;
  return { logBayesFactor: logBf, pValue: Math.min(1, Math.exp(-logBf)), flagged: logBf >= -Math.log(threshold), chiSquare: chi.chiSquare, df: chi.df };
}
