/**
 * Nonparametric bootstrap over items (Efron & Tibshirani 1993, "An Introduction to the Bootstrap", ch. 13,
 * percentile interval). For paired data (the same items scored under two conditions) the unit resampled is the
 * item, so each round keeps an item's two scores together and the interval reflects the pairing: this is what makes
 * a gap between originals and their twins far tighter than two independent accuracies would suggest.
 */
import { mulberry32 } from './bradley-terry-resample.js';

export interface BootstrapOptions {
  /** Resampling rounds. Default 2,000. */
  rounds?: number;
  /** Central coverage of the interval. Default 0.95. */
  level?: number;
  /** Seed of the default generator; the same seed and data give the same interval. Default 0. */
  seed?: number;
  /** A uniform generator on [0, 1) replacing the seeded default. */
  random?: () => number;
}

export interface BootstrapInterval {
  /** The statistic on the data as observed (not the bootstrap mean). */
  readonly estimate: number;
  readonly lower: number;
  readonly upper: number;
  readonly level: number;
  readonly rounds: number;
  /** The statistic in every round, ascending; NaN rounds (a statistic undefined on that resample) dropped. */
  readonly samples: Float64Array;
}

/**
 * Bootstraps any statistic of n items. `statistic(weights)` receives how many times each item was drawn in the
 * round (all ones for the observed data), so weighted means need no copying of the data.
 *
 * @example bootstrapItems(scores.length, (w) => weightedMean(scores, w))
 */
export function bootstrapItems(n: number, statistic: (weights: Float64Array) => number, opts: BootstrapOptions = {}): BootstrapInterval {
  const rounds = opts.rounds ?? 2000;
  const level = opts.level ?? 0.95;
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError(`rounds must be a positive integer, got ${rounds}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
  const weights = new Float64Array(n).fill(1);
  const estimate = n === 0 ? Number.NaN : statistic(weights);
  if (n === 0) return { estimate, lower: Number.NaN, upper: Number.NaN, level, rounds, samples: new Float64Array(0) };
  const random = opts.random ?? mulberry32(opts.seed ?? 0);
  const all = new Float64Array(rounds);
  let kept = 0;
  for (let r = 0; r < rounds; r++) {
    weights.fill(0);
    for (let i = 0; i < n; i++) weights[Math.floor(random() * n)]! += 1;
    const v = statistic(weights);
    if (!Number.isNaN(v)) all[kept++] = v;
  }
  const samples = all.slice(0, kept).sort();
  return {
    estimate,
    lower: quantile(samples, (1 - level) / 2),
    upper: quantile(samples, (1 + level) / 2),
    level,
    rounds,
    samples,
  };
}

/** Percentile interval for the mean of `values` (one score per item). */
export function bootstrapMean(values: ArrayLike<number>, opts: BootstrapOptions = {}): BootstrapInterval {
  return bootstrapItems(values.length, (w) => weightedMean(values, w), opts);
}

/**
 * Percentile interval for mean(a − b) over items, resampling items so each a_i stays with its b_i.
 *
 * @example pairedBootstrap(accOnOriginals, accOnTwins) // the gaming gap and its 95% interval
 */
export function pairedBootstrap(a: ArrayLike<number>, b: ArrayLike<number>, opts: BootstrapOptions = {}): BootstrapInterval {
  if (a.length !== b.length) throw new RangeError(`paired samples must have equal length (${a.length} vs ${b.length})`);
  const d = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) d[i] = a[i]! - b[i]!;
  return bootstrapMean(d, opts);
}

export function weightedMean(values: ArrayLike<number>, weights: ArrayLike<number>): number {
  let s = 0;
  let w = 0;
  for (let i = 0; i < values.length; i++) {
    s += values[i]! * weights[i]!;
    w += weights[i]!;
  }
  return w === 0 ? Number.NaN : s / w;
}

/** Quantile of ascending values, linear between order statistics (Hyndman & Fan type 7, numpy's default). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const len = sorted.length;
  if (len === 0) return Number.NaN;
  const h = (len - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, len - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}
