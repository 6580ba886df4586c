/**
 * Mixture sequential probability ratio test (mSPRT) for a difference of means or proportions: R. Johari, P. Koomen,
 * L. Pekelis, D. Walsh, "Peeking at A/B tests: why it matters, and what to do about it" (KDD 2017) and "Always
 * valid inference: continuous monitoring of A/B tests" (Operations Research 70(3), 2022) — the engine behind
 * Optimizely's Stats Engine.
 *
 * The likelihood ratio of "effect θ" against "effect θ0" for an estimate Δ̂ ~ N(θ, V) is mixed over
 * θ ~ N(θ0, τ²), which has the closed form
 *   Λ = sqrt(V/(V + τ²)) · exp( τ²(Δ̂ − θ0)² / (2V(V + τ²)) ).
 * With n pairs and V = v/n (v = σA² + σB², e.g. pA(1 − pA) + pB(1 − pB)) this is the paper's
 * Λn = sqrt(v/(v + nτ²))·exp(n²τ²(z̄n − θ0)²/(2v(v + nτ²))); written on V it also covers unequal arms and the
 * delta-method variance of a relative lift. Under H0 Λ is a nonnegative martingale with mean 1 (exactly for normal
 * data with known variance, asymptotically here), so by Ville's inequality P(sup Λ ≥ 1/α) ≤ α: Λ is an e-value and
 * p = min over looks of 1/Λ is an always-valid p-value.
 *
 * τ (`tau`) is the standard deviation of the mixing prior, in effect units (rate points for an absolute
 * difference of proportions, a fraction for a relative lift). The test has most power against effects of about
 * that size; too small a τ is slow to reject large effects, too large a τ wastes power on small ones. Johari et al.
 * pick τ from the distribution of effects seen in past experiments; without history use the smallest effect worth
 * acting on. `tauForHorizon` gives the τ that makes this test coincide with GrowthBook's sequential e-value at a
 * tuning size N*.
 */
import { estimateEffect, isInformative } from './means.js';
import type { ArmStats, Effect, EffectScale } from './means.js';
import { sequentialRho } from './confidence-sequence.js';

export interface MsprtOptions {
  /** Mixing standard deviation τ > 0, in effect units. */
  tau: number;
  /** Null effect θ0. Default 0. */
  theta0?: number;
}

export interface MsprtResult {
  readonly estimate: number;
  readonly standardError: number;
  /** The mixture likelihood ratio Λ at this look (an e-value). May be +∞ for overwhelming evidence. */
  readonly eValue: number;
  /** Always-valid p-value: min(previous p-value, 1/Λ). Reject H0 when ≤ α. */
  readonly pValue: number;
}

/**
 * One look of the mSPRT on an effect estimate. Pass the previous look's `pValue` to carry the running minimum
 * (start with 1); the function itself keeps no state.
 */
export function msprt(effect: Effect, options: MsprtOptions, previousPValue: number = 1): MsprtResult {
  const { estimate, variance } = effect;
  const standardError = Math.sqrt(variance);
  const tau2 = options.tau * options.tau;
  if (!(tau2 > 0)) throw new RangeError('msprt needs tau > 0');
  if (!isInformative(variance) || !Number.isFinite(estimate)) {
    return { estimate, standardError, eValue: 1, pValue: Math.min(1, previousPValue) };
  }
  const d = estimate - (options.theta0 ?? 0);
  const logLambda = 0.5 * Math.log(variance / (variance + tau2)) + (tau2 * d * d) / (2 * variance * (variance + tau2));
  return {
    estimate, standardError,
    eValue: Math.exp(logLambda),
    pValue: Math.min(previousPValue, 1, Math.exp(-logLambda)),
  };
}

/** The mSPRT of treatment vs control on the absolute or relative scale; see `msprt`. */
export function msprtTest(
  control: ArmStats, treatment: ArmStats, options: MsprtOptions & { scale: EffectScale }, previousPValue: number = 1,
): MsprtResult {
  return msprt(estimateEffect(control, treatment, options.scale), options, previousPValue);
}

/**
 * The τ for which the mSPRT equals GrowthBook's two-sided sequential e-value tuned at N*: τ² = ρ²·s², where
 * ρ = `sequentialRho(alpha, tuning)` and s² is the per-unit variance of the effect (Var(Δ̂)·n, n = nC + nT).
 * @param perUnitVariance s², in squared effect units.
 */
export function tauForHorizon(perUnitVariance: number, alpha: number = 0.05, tuning: number = 5000): number {
  return sequentialRho(alpha, tuning) * Math.sqrt(perUnitVariance);
}
