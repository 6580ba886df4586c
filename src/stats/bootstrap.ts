/**
 * Bootstrap confidence intervals for Bradley–Terry ratings, as Chatbot Arena computes them (FastChat
 * `compute_bootstrap_bt`): each round redraws the N battles with replacement — done exactly, on the aggregate, as one
 * multinomial over the distinct (pair, outcome) cells — refits, and the interval is the percentile interval of the
 * rounds (numpy's default linear quantile). The published point rating stays the full-data fit, not the bootstrap
 * median. FastChat defaults to 100 rounds; Saima to 1,000, which halves the Monte-Carlo error of the bounds.
 * Each round's Newton fit is warm-started from the full-data MLE: ~4 Newton steps (the last one only confirming
 * convergence) instead of 5–6 from zero.
 */
import { fitBradleyTerry, eloRatings, type BradleyTerryFit, type BradleyTerryOptions } from './bradley-terry.js';
import type { PairCounts } from './bradley-terry-counts.js';
import { isStronglyConnected } from './bradley-terry-graph.js';
import { BradleyTerryNewton } from './bradley-terry-newton.js';
import { ratedProblem } from './bradley-terry-problem.js';
import { multinomial, mulberry32 } from './bradley-terry-resample.js';

export interface BootstrapOptions extends BradleyTerryOptions {
  /** Default 1,000. */
  rounds?: number;
  /** Seed of the resampling generator; the same seed and counts give the same intervals. Default 0. */
  seed?: number;
  /** Central coverage of the interval. Default 0.95 (quantiles 2.5% and 97.5%). */
  level?: number;
}

export interface BradleyTerryBootstrap {
  /** The full-data fit; `fit.ratings` are the ratings to publish. */
  readonly fit: BradleyTerryFit;
  /** Percentile bounds per contender; NaN when unrated. */
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  /** Elo ratings per round, row-major `rounds × n`; a row of NaN for a degenerate round. */
  readonly samples: Float64Array;
  readonly rounds: number;
  /**
   * Rounds whose resample has no finite MLE over the rated contenders (sparse data: some group lost every resampled
   * battle). They are left out of the quantiles; when this is not 0 the intervals understate the uncertainty.
   */
  readonly degenerateRounds: number;
}

export function bootstrapBradleyTerry(counts: PairCounts, opts: BootstrapOptions = {}): BradleyTerryBootstrap {
  const rounds = opts.rounds ?? 1000;
  const level = opts.level ?? 0.95;
  if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError(`rounds must be a positive integer, got ${rounds}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
  const { n } = counts;
  const fit = fitBradleyTerry(counts, opts);
  const problem = ratedProblem(counts);
  const m = problem.rated.length;
  const pairs = problem.p.length;
  // Cells per pair: p wins, q wins, tie. Resampling only the rated contenders' battles (all of them when all rated).
  const cells = new Float64Array(3 * pairs);
  let total = 0;
  for (let k = 0; k < pairs; k++) {
    cells[3 * k] = problem.winsPQ[k]!;
    cells[3 * k + 1] = problem.winsQP[k]!;
    cells[3 * k + 2] = problem.ties[k]!;
    total += problem.winsPQ[k]! + problem.winsQP[k]! + problem.ties[k]!;
  }
  const rand = mulberry32(opts.seed ?? 0);
  const solver = new BradleyTerryNewton(m, problem.p, problem.q);
  const drawn = new Float64Array(3 * pairs);
  const wPQ = new Float64Array(pairs);
  const wQP = new Float64Array(pairs);
  const theta = new Float64Array(m);
  const samples = new Float64Array(rounds * n).fill(Number.NaN);
  let degenerateRounds = 0;
  for (let round = 0; round < rounds; round++) {
    multinomial(total, cells, drawn, rand);
    // The rated group is strongly connected on the full data, so a resample can lose that only by emptying a
    // direction of some pair; the graph check runs just for those rounds.
    let lostEdge = false;
    for (let k = 0; k < pairs; k++) {
      const tie = drawn[3 * k + 2]! / 2;
      wPQ[k] = drawn[3 * k]! + tie;
      wQP[k] = drawn[3 * k + 1]! + tie;
      if ((wPQ[k] === 0 && cells[3 * k]! + cells[3 * k + 2]! > 0) || (wQP[k] === 0 && cells[3 * k + 1]! + cells[3 * k + 2]! > 0)) lostEdge = true;
    }
    theta.set(fit.strengths);
    const ok = (!lostEdge || isStronglyConnected(m, problem.p, problem.q, wPQ, wQP))
      && solver.solve(theta, wPQ, wQP, opts.maxIterations ?? 100, opts.tolerance ?? 1e-8).converged;
    if (!ok) { degenerateRounds++; continue; }
    eloRatings(theta, problem.rated, n, opts, samples.subarray(round * n, (round + 1) * n));
  }
  const lower = new Float64Array(n).fill(Number.NaN);
  const upper = new Float64Array(n).fill(Number.NaN);
  const column = new Float64Array(rounds - degenerateRounds);
  for (const v of problem.rated) {
    let filled = 0;
    for (let round = 0; round < rounds; round++) {
      const x = samples[round * n + v]!;
      if (!Number.isNaN(x)) column[filled++] = x;
    }
    if (filled === 0) continue;
    column.sort();
    lower[v] = quantileSorted(column, (1 - level) / 2);
    upper[v] = quantileSorted(column, (1 + level) / 2);
  }
  return { fit, lower, upper, samples, rounds, degenerateRounds };
}

/** Quantile of ascending values with linear interpolation between order statistics (numpy's default, type 7). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const len = sorted.length;
  if (len === 0) return Number.NaN;
  const h = (len - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, len - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}
