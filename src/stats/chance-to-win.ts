/**
 * GrowthBook's Bayesian engine: a Gaussian posterior on the effect and the "chance to beat control" read from it
 * (gbstats `bayesian/tests.py`; docs "statistics/details", "Bayesian"). Not sequentially valid: a monitor that
 * stops when this crosses 95 % inflates false wins, so the race monitor decides with `confidenceSequence`/`msprt`
 * and shows this number for humans.
 */
import { estimateEffect, isInformative } from './means.js';
import type { ArmStats, EffectScale } from './means.js';
import { normalCdf, normalPdf, normalQuantile } from './normal-distribution.js';

/** A normal prior N(mean, variance) on the effect, in relative units (GrowthBook's proper default: N(0, 0.3²)). */
export interface GaussianPrior {
  readonly mean: number;
  readonly variance: number;
}

export interface ChanceToWinOptions {
  scale: EffectScale;
  /** Prior on the effect; omitted = improper flat prior (GrowthBook's default), posterior = likelihood. */
  prior?: GaussianPrior;
  /** Lower is better (latency, cost, error rate): "win" means Δ < 0. Default false. */
  inverse?: boolean;
  /** Credible interval level 1 − alpha. Default 0.05. */
  alpha?: number;
}

export interface ChanceToWinResult {
  /** Posterior P(treatment beats control). 0.5 when there is no evidence. */
  readonly chanceToWin: number;
  /** Posterior mean and standard deviation of the effect. */
  readonly mean: number;
  readonly sd: number;
  /** Equal-tailed credible interval at level 1 − alpha. */
  readonly lower: number;
  readonly upper: number;
  /** Expected loss, in effect units, of shipping control (i.e. of keeping the champion) and of shipping treatment. */
  readonly riskControl: number;
  readonly riskTreatment: number;
}

/**
 * Posterior N(Δpost, σpost²) with σpost² = 1/(1/σ0² + 1/σ̂²) and Δpost = σpost²·(μ0/σ0² + Δ̂/σ̂²) (a flat prior gives
 * Δpost = Δ̂, σpost = σ̂); CTW = 1 − Φ(−Δpost/σpost). On the absolute scale the relative prior is rescaled by |μC|
 * (mean·|μC|, variance·μC²), as gbstats does. Risk = E[max(Δ, 0)] for control and E[max(−Δ, 0)] for treatment
 * (truncated-normal means), swapped for inverse metrics.
 * Example (GrowthBook `test_bayesian_binomial_ab_test`, 49/100 vs 51/100, relative, flat prior): CTW 0.60918,
 * CI (−0.24779, 0.32943), risk (0.0814, 0.04058).
 */
export function chanceToWin(control: ArmStats, treatment: ArmStats, options: ChanceToWinOptions): ChanceToWinResult {
  const { estimate, variance } = estimateEffect(control, treatment, options.scale);
  if (!isInformative(variance) || !Number.isFinite(estimate)) {
    return { chanceToWin: 0.5, mean: 0, sd: 0, lower: 0, upper: 0, riskControl: 0, riskTreatment: 0 };
  }
  let mean = estimate;
  let postVariance = variance;
  const prior = options.prior;
  if (prior !== undefined && prior.variance > 0 && Number.isFinite(prior.variance)) {
    const scale = options.scale === 'absolute' ? Math.abs(control.mean) : 1;
    const priorMean = prior.mean * scale;
    const priorVariance = prior.variance * scale * scale;
    postVariance = 1 / (1 / priorVariance + 1 / variance);
    mean = postVariance * (priorMean / priorVariance + estimate / variance);
  }
  const sd = Math.sqrt(postVariance);
  const z = mean / sd;
  const pPositive = normalCdf(z);
  // E[max(Δ, 0)] = μΦ(μ/σ) + σφ(μ/σ); E[max(−Δ, 0)] = σφ(μ/σ) − μΦ(−μ/σ).
  const gain = mean * pPositive + sd * normalPdf(z);
  const loss = sd * normalPdf(z) - mean * normalCdf(-z);
  const half = normalQuantile(1 - (options.alpha ?? 0.05) / 2) * sd;
  const inverse = options.inverse ?? false;
  return {
    chanceToWin: inverse ? normalCdf(-z) : pPositive,
    mean, sd, lower: mean - half, upper: mean + half,
    riskControl: inverse ? loss : gain,
    riskTreatment: inverse ? gain : loss,
  };
}
