/**
 * The two ways to bound an effect one-sidedly at level α. Policies use the always-valid confidence sequence;
 * the fixed-horizon z-interval exists only to show, in `saima simulate --naive` and in the tests, how often a
 * test meant for one look raises false alarms when it is looked at every tick.
 */
import { effectConfidenceSequence, normalQuantile, normalSf } from '../../stats/index.js';
import type { IntervalMethod } from './types.js';

/** Asymptotic confidence sequence (Waudby-Smith et al., 2024; see `stats/confidence-sequence.ts`), tuned at N*. */
export const sequentialInterval: IntervalMethod = (effect, n, alpha, alternative, tuning) => {
  const r = effectConfidenceSequence(effect, n, { alpha, tuning, alternative });
  return { lower: r.lower, upper: r.upper, pValue: r.pValue };
};

/** The textbook one-sided z-interval Δ̂ ∓ z₁₋α·se: valid for one look planned in advance, not for every tick. */
export const fixedHorizonInterval: IntervalMethod = (effect, _n, alpha, alternative) => {
  const se = Math.sqrt(effect.variance);
  if (!(se > 0) || !Number.isFinite(se) || !Number.isFinite(effect.estimate)) {
    return { lower: Number.NEGATIVE_INFINITY, upper: Number.POSITIVE_INFINITY, pValue: 1 };
  }
  const half = normalQuantile(1 - alpha) * se;
  const z = effect.estimate / se;
  return alternative === 'greater'
    ? { lower: effect.estimate - half, upper: Number.POSITIVE_INFINITY, pValue: normalSf(z) }
    : { lower: Number.NEGATIVE_INFINITY, upper: effect.estimate + half, pValue: normalSf(-z) };
};
