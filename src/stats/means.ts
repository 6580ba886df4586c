/**
 * Two-arm effects on the mean of a metric, the vocabulary every test in `stats` shares.
 * Convention throughout: arm "control" is the champion, arm "treatment" the challenger, and an effect is
 * treatment minus control (absolute) or (treatment − control)/control (relative).
 */

/** Sufficient statistics of one arm for a metric. */
export interface ArmStats {
  /** Number of units (requests or users) in the arm. */
  readonly n: number;
  /** Mean of the metric per unit, in the metric's unit (e.g. ms, USD, 0/1 for a rate). */
  readonly mean: number;
  /** Per-unit variance of the metric, in the metric's unit squared (not the variance of the mean). */
  readonly variance: number;
}

/** `absolute`: μT − μC in the metric's unit. `relative`: (μT − μC)/μC, a fraction (0.05 = +5 %). */
export type EffectScale = 'absolute' | 'relative';

/**
 * Which alternative a test looks for, in terms of the effect Δ = treatment − control:
 * `greater` is H1: Δ > 0, `less` is H1: Δ < 0 (scipy's vocabulary).
 */
export type Alternative = 'two-sided' | 'greater' | 'less';

/** An effect estimate and the variance of that estimate (squared effect units). */
export interface Effect {
  readonly estimate: number;
  readonly variance: number;
}

/**
 * Arm statistics of a mean metric from running sums, with the unbiased sample variance
 * (Σx² − (Σx)²/n)/(n − 1), as gbstats' `SampleMeanStatistic` does. Variance is 0 below two units and clamped at 0
 * against rounding.
 * @param n units; @param sum Σx; @param sumSquares Σx².
 */
export function meanStats(n: number, sum: number, sumSquares: number): ArmStats {
  if (!(n > 0)) return { n: 0, mean: 0, variance: 0 };
  const mean = sum / n;
  const variance = n < 2 ? 0 : Math.max(0, (sumSquares - sum * mean) / (n - 1));
  return { n, mean, variance };
}

/**
 * The effect of treatment over control and the variance of its estimate (GrowthBook `gbstats`,
 * `frequentist_diff` / `frequentist_variance`; docs "statistics/details"):
 *  - absolute: Δ = μT − μC, Var = σT²/nT + σC²/nC;
 *  - relative: Δ = (μT − μC)/μC, Var = σT²/(μC²·nT) + σC²·μT²/(μC⁴·nC), the delta method for the ratio μT/μC
 *    with independent arms.
 * A relative effect over a zero control mean is undefined: estimate and variance are NaN, and every test treats a
 * non-finite or zero variance as "no evidence". Use the absolute scale for rates that are often zero (errors).
 */
export function estimateEffect(control: ArmStats, treatment: ArmStats, scale: EffectScale): Effect {
  const varMeanC = control.variance / control.n;
  const varMeanT = treatment.variance / treatment.n;
  if (scale === 'absolute') {
    return { estimate: treatment.mean - control.mean, variance: varMeanT + varMeanC };
  }
  const mc = control.mean;
  if (mc === 0) return { estimate: Number.NaN, variance: Number.NaN };
  const mc2 = mc * mc;
  return {
    estimate: (treatment.mean - mc) / mc,
    variance: varMeanT / mc2 + (varMeanC * treatment.mean * treatment.mean) / (mc2 * mc2),
  };
}

/** True when a variance can carry evidence: finite and strictly positive. */
export function isInformative(variance: number): boolean {
  return variance > 0 && Number.isFinite(variance);
}
