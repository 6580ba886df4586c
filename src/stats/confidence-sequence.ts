/**
 * Asymptotic confidence sequences (I. Waudby-Smith, D. Arbour, R. Sinha, E. H. Kennedy, A. Ramdas, "Time-uniform
 * central limit theory and asymptotic confidence sequences", Annals of Statistics, 2024; arXiv 2103.06476 v7),
 * as GrowthBook's sequential testing implements them (gbstats `frequentist/tests.py`: `sequential_rho`,
 * `sequential_interval_halfwidth[_one_sided]`, `SequentialTwoSidedTTest.p_value`).
 *
 * A confidence sequence (CS) is a sequence of intervals that contains the true effect at *every* sample size at once
 * with probability ≥ 1 − α (asymptotically, by a strong invariance principle), so it may be recomputed after every
 * batch and acted on the first time it excludes zero without inflating false alarms. The price is width: at the
 * tuning sample size it is ~1.55× the fixed 95 % interval, ~1.7–2× elsewhere.
 *
 * The tuning parameter N* (`tuning`) is the total sample size of the two arms at which the sequence is tightest; it
 * sets the normal-mixture width ρ (eq. 161): ρ = sqrt((−2 ln α + ln(−2 ln α + 1))/N*). It is chosen once per race,
 * before data arrive, and must not be tuned after peeking. GrowthBook's default is 5,000; pick roughly the number
 * of requests a race will have seen when you expect to decide. The sequence stays valid at every n whatever N* is.
 */
import { estimateEffect, isInformative } from './means.js';
import type { Alternative, ArmStats, Effect, EffectScale } from './means.js';

export interface ConfidenceSequenceOptions {
  /** Level α: P(the sequence ever misses the true effect) ≤ α asymptotically. Default 0.05; one-sided needs < 0.5. */
  alpha?: number;
  /** N*, total units over both arms where the sequence is tightest. Default 5000 (GrowthBook). */
  tuning?: number;
  /** Default `two-sided`. A one-sided CS bounds the effect from one side only (GrowthBook Safe Rollouts). */
  alternative?: Alternative;
}

export interface SequentialResult {
  /** Effect estimate (treatment − control, absolute or relative). */
  readonly estimate: number;
  /** Standard error of the estimate. */
  readonly standardError: number;
  /** Total units n = nC + nT the sequence is evaluated at. */
  readonly n: number;
  /** CS bounds; the open side of a one-sided sequence is infinite. */
  readonly lower: number;
  readonly upper: number;
  /**
   * Always-valid p-value: the smallest α whose sequence excludes 0 (two-sided: 1/e-value, eq. 155). Rejecting when
   * p ≤ α at any look keeps the false-alarm rate ≤ α. The running minimum over looks, and the running intersection
   * of the intervals, are valid too (Howard et al., Ann. Statist. 2021, §2).
   */
  readonly pValue: number;
}

/** Default N*: GrowthBook's `sequential_tuning_parameter`. */
export const DEFAULT_SEQUENTIAL_TUNING = 5000;

/**
 * ρ of eq. 161 in Waudby-Smith et al. (two-sided). One-sided sequences use 2α in place of α, as gbstats does.
 * @param tuning N*, in units (both arms together).
 */
export function sequentialRho(alpha: number, tuning: number, alternative: Alternative = 'two-sided'): number {
  if (!(alpha > 0 && alpha < 1) || !(tuning > 0)) throw new RangeError('sequentialRho needs 0 < alpha < 1, tuning > 0');
  const a = alternative === 'two-sided' ? alpha : 2 * alpha;
  const l = -2 * Math.log(a);
  return Math.sqrt((l + Math.log(l + 1)) / tuning);
}

/**
 * Half-width of the CS for an estimate with variance `variance` (of the estimate, not per unit) at n total units.
 * With s² = variance·n the per-unit variance of the paper:
 *  - two-sided (eq. 9): sqrt(s²·2(nρ² + 1)/(nρ)²·ln(sqrt(nρ² + 1)/α));
 *  - one-sided (eq. 134): sqrt(s²·2(nρ² + 1)/(nρ)²·ln(1 + sqrt(nρ² + 1)/(2α))).
 */
export function confidenceSequenceHalfWidth(
  variance: number, n: number, alpha: number, rho: number, alternative: Alternative = 'two-sided',
): number {
  const nr2 = n * rho * rho;
  const k = Math.sqrt(nr2 + 1);
  const log = alternative === 'two-sided' ? Math.log(k / alpha) : Math.log1p(k / (2 * alpha));
  return Math.sqrt(((variance * 2 * (nr2 + 1)) / nr2) * log);
}

/**
 * The CS and always-valid p-value for an effect already estimated (e.g. a difference of mean log-latencies).
 * Two-sided p = min(1, 1/e) with e = exp(ρ²S²/(2(nρ² + 1)))/sqrt(nρ² + 1), S² = Δ̂²n/Var(Δ̂) (eq. 155).
 * One-sided p inverts the one-sided half-width in closed form at the same ρ: the α at which the bound touches 0,
 * p = sqrt(nρ² + 1)/(2·(exp(Δ̂²nρ²/(2·Var(Δ̂)·(nρ² + 1))) − 1)), and 1 when Δ̂ points away from the alternative
 * (gbstats finds the same α by bisection).
 */
export function effectConfidenceSequence(
  effect: Effect, n: number, options: ConfidenceSequenceOptions = {},
): SequentialResult {
  const alpha = options.alpha ?? 0.05;
  const alternative = options.alternative ?? 'two-sided';
  const rho = sequentialRho(alpha, options.tuning ?? DEFAULT_SEQUENTIAL_TUNING, alternative);
  const { estimate, variance } = effect;
  const standardError = Math.sqrt(variance);
  if (!isInformative(variance) || !Number.isFinite(estimate) || !(n > 0)) {
    return { estimate, standardError, n, lower: Number.NEGATIVE_INFINITY, upper: Number.POSITIVE_INFINITY, pValue: 1 };
  }
  const half = confidenceSequenceHalfWidth(variance, n, alpha, rho, alternative);
  const nr2 = n * rho * rho;
  const z2 = (estimate * estimate) / variance; // squared z-score; S² of eq. 155 is z²·n
  if (alternative === 'two-sided') {
    const logE = (nr2 * z2) / (2 * (nr2 + 1)) - 0.5 * Math.log1p(nr2);
    return { estimate, standardError, n, lower: estimate - half, upper: estimate + half,
      pValue: Math.min(1, Math.exp(-logE)) };
  }
  const towards = alternative === 'greater' ? estimate > 0 : estimate < 0;
  const pValue = towards ? Math.min(1, Math.sqrt(nr2 + 1) / (2 * Math.expm1((z2 * nr2) / (2 * (nr2 + 1))))) : 1;
  return alternative === 'greater'
    ? { estimate, standardError, n, lower: estimate - half, upper: Number.POSITIVE_INFINITY, pValue }
    : { estimate, standardError, n, lower: Number.NEGATIVE_INFINITY, upper: estimate + half, pValue };
}

/**
 * The CS of treatment vs control on the absolute or relative scale, n = nC + nT (gbstats' `SequentialTTest`).
 * Example (GrowthBook `test_sequential_test_runs_prop`: 1396/3000 vs 2422/3461, relative, N* = 5000, α = 0.05,
 * two-sided): estimate 0.50386, CS (0.40098, 0.60675).
 */
export function confidenceSequence(
  control: ArmStats, treatment: ArmStats, options: ConfidenceSequenceOptions & { scale: EffectScale },
): SequentialResult {
  return effectConfidenceSequence(estimateEffect(control, treatment, options.scale), control.n + treatment.n, options);
}
