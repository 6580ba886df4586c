/**
 * Proportion (rate) metrics: error rate, thumbs-up rate, judge win rate. A proportion is the mean of a 0/1 metric,
 * so every test on means applies once the arm statistics are built here.
 */
import { estimateEffect } from './means.js';
import type { ArmStats, Effect, EffectScale } from './means.js';

/**
 * Arm statistics of a proportion: mean p = successes/n and per-unit variance p(1 − p), the Bernoulli variance with
 * denominator n, as gbstats' `ProportionStatistic` uses (the published GrowthBook results depend on it).
 */
export function proportionStats(successes: number, n: number): ArmStats {
  if (!(n > 0)) return { n: 0, mean: 0, variance: 0 };
  const p = successes / n;
  return { n, mean: p, variance: p * (1 - p) };
}

/**
 * Difference (absolute, in rate points) or relative lift of two proportions, with delta-method variance; see
 * `estimateEffect`. Example: 49/100 vs 51/100 relative → estimate 0.040816, sd √variance = 0.147253.
 */
export function proportionEffect(
  controlSuccesses: number, controlN: number,
  treatmentSuccesses: number, treatmentN: number,
  scale: EffectScale,
): Effect {
  return estimateEffect(proportionStats(controlSuccesses, controlN), proportionStats(treatmentSuccesses, treatmentN),
    scale);
}
