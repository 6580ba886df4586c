/**
 * Sample-ratio mismatch (SRM): does the observed split of units across arms match the configured weights? A
 * mismatch means assignment or logging is broken (a contender that crashes before its request is logged, sticky
 * users piling up on one arm), and every comparison of that race is then biased. GrowthBook runs the same Pearson
 * χ² test (gbstats `utils.check_srm`, back-end `checkSrm`) and flags at p < 0.001 (`DEFAULT_SRM_THRESHOLD`).
 */
import { chiSquareSf } from './gamma-function.js';

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
