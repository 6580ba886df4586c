/**
 * Thompson sampling (W. R. Thompson, Biometrika 25, 1933) for the `bandit` policy: each arm's traffic share is its
 * posterior probability of being the best arm, estimated by Monte Carlo with a seeded generator, as GrowthBook's
 * bandits do (gbstats `bayesian/bandits.py`: 10⁴ draws, then a floor so no arm starves). Guardrails still apply on
 * top: a bandit optimises one metric and is biased for the others.
 *
 * Cost: draws × arms posterior samples (two gamma variates per Beta draw), about 1–2 ms per arm for 10⁴ draws; run it
 * when the allocation is refreshed, not per request.
 */
import { logBeta } from './gamma-function.js';
import type { ArmStats } from './means.js';
import { sampleBeta, sampleStandardNormal } from './random-variates.js';
import type { RandomSource } from './seeded-random.js';

/** Beta(alpha, beta) posterior of a success rate. */
export interface BetaPosterior {
  readonly alpha: number;
  readonly beta: number;
}

/** Normal posterior of an arm's mean: N(mean, variance), variance being that of the mean. */
export interface GaussianPosterior {
  readonly mean: number;
  readonly variance: number;
}

export interface ThompsonOptions {
  rng: RandomSource;
  /** Monte Carlo draws. Default 10,000 (GrowthBook); the share's standard error is ≤ 0.005. */
  draws?: number;
  /** The best arm is the one with the lowest value (latency, cost). Default false. */
  lowerIsBetter?: boolean;
}

/** Conjugate Beta posterior after `successes` and `failures` from a Beta prior (default uniform Beta(1, 1)). */
export function betaPosterior(
  successes: number, failures: number, prior: BetaPosterior = { alpha: 1, beta: 1 },
): BetaPosterior {
  return { alpha: prior.alpha + successes, beta: prior.beta + failures };
}

/** Flat-prior normal posterior of an arm's mean: N(x̄, s²/n). */
export function gaussianPosterior(stats: ArmStats): GaussianPosterior {
  return { mean: stats.mean, variance: stats.n > 0 ? stats.variance / stats.n : Number.POSITIVE_INFINITY };
}

/** P(arm k is best) for Beta-Bernoulli arms, by Monte Carlo. Returns shares summing to 1. */
export function thompsonBetaAllocation(arms: readonly BetaPosterior[], options: ThompsonOptions): Float64Array {
  return allocate(arms.length, options, (k, rng) => {
    const arm = arms[k]!;
    return sampleBeta(arm.alpha, arm.beta, rng);
  });
}

/** P(arm k is best) for arms with normal posteriors on their mean (continuous metrics), by Monte Carlo. */
export function thompsonGaussianAllocation(
  arms: readonly GaussianPosterior[], options: ThompsonOptions,
): Float64Array {
  return allocate(arms.length, options, (k, rng) => {
    const arm = arms[k]!;
    return arm.mean + Math.sqrt(arm.variance) * sampleStandardNormal(rng);
  });
}

function allocate(
  k: number, options: ThompsonOptions, draw: (arm: number, rng: RandomSource) => number,
): Float64Array {
  const shares = new Float64Array(k);
  if (k === 0) return shares;
  const draws = options.draws ?? 10_000;
  const sign = options.lowerIsBetter === true ? -1 : 1;
  for (let d = 0; d < draws; d++) {
    let best = 0;
    let bestValue = Number.NEGATIVE_INFINITY;
    for (let arm = 0; arm < k; arm++) {
      const value = sign * draw(arm, options.rng);
      if (value > bestValue) {
        bestValue = value;
        best = arm;
      }
    }
    shares[best]! += 1;
  }
  for (let arm = 0; arm < k; arm++) shares[arm]! /= draws;
  return shares;
}

/**
 * GrowthBook's exploration floor: share_k = f + (1 − K·f)·w_k, so every arm keeps at least f (default 0.01) and the
 * shares still sum to 1. Returns a new array; requires K·f ≤ 1.
 */
export function applyAllocationFloor(shares: ArrayLike<number>, floor: number = 0.01): Float64Array {
  const k = shares.length;
  if (!(floor >= 0) || k * floor > 1) throw new RangeError('applyAllocationFloor needs 0 ≤ floor ≤ 1/arms');
  const out = new Float64Array(k);
  for (let i = 0; i < k; i++) out[i] = floor + (1 - k * floor) * shares[i]!;
  return out;
}

/**
 * Exact P(θ_b > θ_a) for θ_a ~ Beta(a), θ_b ~ Beta(b) (E. Miller, "Formulas for Bayesian A/B testing", 2015):
 * Σ_{i<α_b} B(α_a + i, β_a + β_b) / ((β_b + i)·B(1 + i, β_b)·B(α_a, β_a)). Needs an integer α on at least one side
 * and costs O(min α) log-Beta evaluations, so it is for checks and small counts; use the Monte Carlo allocation for
 * large ones. Example: 49/100 vs 51/100 with Beta(1, 1) priors → 0.61077.
 */
export function probabilityBetaBeats(a: BetaPosterior, b: BetaPosterior): number {
  if (Number.isInteger(b.alpha) && (b.alpha <= a.alpha || !Number.isInteger(a.alpha))) return millerSum(a, b);
  if (Number.isInteger(a.alpha)) return 1 - millerSum(b, a);
  return Number.NaN;
}

function millerSum(a: BetaPosterior, b: BetaPosterior): number {
  const base = logBeta(a.alpha, a.beta);
  let total = 0;
  for (let i = 0; i < b.alpha; i++) {
    total += Math.exp(logBeta(a.alpha + i, a.beta + b.beta) - Math.log(b.beta + i) - logBeta(1 + i, b.beta) - base);
  }
  return total;
}
