/**
 * Welch's unequal-variance t-test on the absolute or relative effect, as GrowthBook's frequentist engine runs it
 * (gbstats `frequentist/tests.py`, `TwoSidedTTest` and the one-sided variants). A fixed-horizon test: valid for one
 * look at a sample size chosen in advance, not for a monitor that looks every few seconds (use
 * `confidenceSequence` or `msprt` there).
 */
import { estimateEffect, isInformative } from './means.js';
import type { Alternative, ArmStats, EffectScale } from './means.js';
import { studentTCdf, studentTQuantile, studentTSf } from './student-t-distribution.js';

export interface WelchTTestOptions {
  scale: EffectScale;
  /** Significance level of the confidence interval. Default 0.05. */
  alpha?: number;
  /** Default `two-sided`. */
  alternative?: Alternative;
}

export interface WelchTTestResult {
  /** Effect estimate in the options' scale. */
  readonly estimate: number;
  /** Standard error of the estimate (delta method for the relative scale). */
  readonly standardError: number;
  /** estimate / standardError. */
  readonly statistic: number;
  /** Welch–Satterthwaite degrees of freedom. */
  readonly df: number;
  readonly pValue: number;
  /** Confidence interval at level 1 − alpha; one-sided alternatives have an infinite end. */
  readonly lower: number;
  readonly upper: number;
}

/**
 * Welch's t-test. p = 2(1 − F_ν(|Δ̂/σ̂|)) two-sided, with Δ̂ and σ̂ from `estimateEffect` and
 * ν = (vT/nT + vC/nC)² / (vT²/(nT²(nT − 1)) + vC²/(nC²(nC − 1))) computed on the raw per-unit variances, as gbstats
 * does even for the relative scale. CI: Δ̂ ± t_{1−α/2,ν}·σ̂.
 * Example (GrowthBook, proportions 14/28 vs 16/30, relative): Δ̂ = 0.06667, σ̂ = 0.2717, p = 0.80707.
 * With no usable variance (zero, or a zero control mean on the relative scale) it returns p = 1 and an infinite
 * interval.
 */
export function welchTTest(control: ArmStats, treatment: ArmStats, options: WelchTTestOptions): WelchTTestResult {
  const alpha = options.alpha ?? 0.05;
  const alternative = options.alternative ?? 'two-sided';
  const { estimate, variance } = estimateEffect(control, treatment, options.scale);
  const df = welchDegreesOfFreedom(control, treatment);
  if (!isInformative(variance) || !Number.isFinite(estimate)) {
    return { estimate, standardError: Math.sqrt(variance), statistic: 0, df, pValue: 1,
      lower: Number.NEGATIVE_INFINITY, upper: Number.POSITIVE_INFINITY };
  }
  const standardError = Math.sqrt(variance);
  const statistic = estimate / standardError;
  if (alternative === 'two-sided') {
    const half = studentTQuantile(1 - alpha / 2, df) * standardError;
    return { estimate, standardError, statistic, df, pValue: Math.min(1, 2 * studentTSf(Math.abs(statistic), df)),
      lower: estimate - half, upper: estimate + half };
  }
  const half = studentTQuantile(1 - alpha, df) * standardError;
  return alternative === 'greater'
    ? { estimate, standardError, statistic, df, pValue: studentTSf(statistic, df),
      lower: estimate - half, upper: Number.POSITIVE_INFINITY }
    : { estimate, standardError, statistic, df, pValue: studentTCdf(statistic, df),
      lower: Number.NEGATIVE_INFINITY, upper: estimate + half };
}

/**
 * Welch–Satterthwaite degrees of freedom from the per-unit variances (B. L. Welch, Biometrika 34, 1947;
 * F. E. Satterthwaite, Biometrics Bulletin 2(6), 1946). Falls back to 1 when an arm has fewer than two units or no
 * variance, as gbstats' TypeScript port does.
 */
export function welchDegreesOfFreedom(control: ArmStats, treatment: ArmStats): number {
  const { n: nC, variance: vC } = control;
  const { n: nT, variance: vT } = treatment;
  if (nC <= 1 || nT <= 1 || !(vC > 0) || !(vT > 0)) return 1;
  const a = vT / nT;
  const b = vC / nC;
  return ((a + b) * (a + b)) / ((a * a) / (nT - 1) + (b * b) / (nC - 1));
}
