/**
 * Bradley–Terry ratings on the Elo scale, as Chatbot Arena computes them (lm-sys/FastChat
 * `fastchat/serve/monitor/rating_systems.py`, `compute_bt`):
 *  - P(i beats j) = 1 / (1 + base^((R_j − R_i)/scale)), base 10, scale 400;
 *  - maximum likelihood over all battles, a tie (either kind) being half a win each way; no penalty, no intercept;
 *  - ratings centred so their mean is 1000, then optionally shifted so one anchor contender has a given rating
 *    (FastChat anchors `mixtral-8x7b-instruct-v0.1` at 1114 when present; Arena-Hard v0.1 anchored gpt-4-0314 at 1000).
 * FastChat stops L-BFGS after 100 iterations at gtol 1e-6; Newton here converges to ~1e-12, so results agree to the
 * precision FastChat itself reaches (checked against the published LLMFAO scores to ±0.001).
 * Contenders outside the largest strongly connected group have no finite MLE and are reported unrated (NaN).
 */
import { BradleyTerryNewton } from './bradley-terry-newton.js';
import { credit, ratedProblem } from './bradley-terry-problem.js';
import type { PairCounts } from './bradley-terry-counts.js';

export { aggregateBattles, battlesPerModel, observedWinRates } from './bradley-terry-counts.js';
export type { Battle, BattleOutcome, PairCounts } from './bradley-terry-counts.js';

export interface EloScale {
  /** Rating points per factor `base` in odds. Default 400. */
  scale?: number;
  /** Default 10. */
  base?: number;
  /** Mean rating of the rated contenders when there is no anchor. Default 1000. */
  initialRating?: number;
  /** Shift all ratings so contender `index` gets `rating` (applied after centring, as FastChat does). */
  anchor?: { index: number; rating: number };
}

export interface BradleyTerryOptions extends EloScale {
  /** Newton iterations cap. Default 100 (never reached on real data: ~5–10 from a cold start). */
  maxIterations?: number;
  /** Stop once a Newton step moves no natural-log strength by more than this (default 1e-8, 2e-6 rating points); the error left is of the order of its square. */
  tolerance?: number;
}

export interface BradleyTerryFit {
  /** Elo-scale rating per contender; NaN when unrated. */
  readonly ratings: Float64Array;
  /** Natural-log strengths θ of the rated contenders (compact, aligned with `rated`), mean zero. */
  readonly strengths: Float64Array;
  /** Rated contender indices, ascending. */
  readonly rated: Int32Array;
  /** Contenders without a finite MLE: no battles, or a group that never lost (or never won) against the rest. */
  readonly unrated: readonly number[];
  readonly iterations: number;
  readonly converged: boolean;
}

/** Fits the Bradley–Terry MLE to aggregated battles. Throws RangeError if the anchor is not a rated contender. */
export function fitBradleyTerry(counts: PairCounts, opts: BradleyTerryOptions = {}): BradleyTerryFit {
  const problem = ratedProblem(counts);
  const m = problem.rated.length;
  const strengths = new Float64Array(m);
  const solver = new BradleyTerryNewton(m, problem.p, problem.q);
  const { iterations, converged } = solver.solve(
    strengths, credit(problem.winsPQ, problem.ties), credit(problem.winsQP, problem.ties),
    opts.maxIterations ?? 100, opts.tolerance ?? 1e-8,
  );
  const ratings = eloRatings(strengths, problem.rated, counts.n, opts);
  const unrated: number[] = [];
  for (let v = 0; v < counts.n; v++) if (Number.isNaN(ratings[v])) unrated.push(v);
  return { ratings, strengths, rated: problem.rated, unrated, iterations, converged };
}

/**
 * Natural-log strengths of the rated contenders → Elo-scale ratings for all `n` (NaN for unrated):
 * R = scale/ln(base)·θ + offset, the offset setting the mean (or the anchor's rating).
 */
export function eloRatings(
  strengths: Float64Array, rated: Int32Array, n: number, opts: EloScale = {}, out = new Float64Array(n),
): Float64Array {
  const factor = (opts.scale ?? 400) / Math.log(opts.base ?? 10);
  let offset: number;
  if (opts.anchor) {
    const at = rated.indexOf(opts.anchor.index);
    if (at < 0) throw new RangeError(`anchor contender ${opts.anchor.index} is not rated`);
    offset = opts.anchor.rating - factor * strengths[at]!;
  } else {
    let mean = 0;
    for (const s of strengths) mean += s;
    offset = (opts.initialRating ?? 1000) - factor * (strengths.length ? mean / strengths.length : 0);
  }
  out.fill(Number.NaN);
  for (let v = 0; v < rated.length; v++) out[rated[v]!] = factor * strengths[v]! + offset;
  // (r − x) + x can miss r by an ulp; the anchor's rating is a stated fact, so set it exactly.
  if (opts.anchor) out[opts.anchor.index] = opts.anchor.rating;
  return out;
}

/**
 * Predicted probability that i beats j from Elo-scale ratings (FastChat `predict_win_rate`), row-major n × n,
 * NaN on the diagonal and wherever a rating is NaN.
 */
export function winRateMatrix(ratings: Float64Array, opts: Pick<EloScale, 'scale' | 'base'> = {}): Float64Array {
  const n = ratings.length;
  const scale = opts.scale ?? 400;
  const base = opts.base ?? 10;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      out[i * n + j] = i === j ? Number.NaN : 1 / (1 + base ** ((ratings[j]! - ratings[i]!) / scale));
    }
  }
  return out;
}

/** Ranks a contender could hold given confidence intervals; `best` is the rank Chatbot Arena publishes. */
export interface RankRange {
  /** 1 + number of contenders whose lower bound exceeds this one's upper bound (ties share a rank). */
  best: number;
  /** n_rated − number of contenders whose upper bound is below this one's lower bound. */
  worst: number;
}

/**
 * Rank ranges from interval bounds (FastChat `get_arena_table`: `rank = 1 + #{m' : lower(m') > upper(m)}`).
 * Contenders with a NaN rating are skipped and get NaN ranks.
 */
export function rankRanges(ratings: Float64Array, lower: Float64Array, upper: Float64Array): RankRange[] {
  const n = ratings.length;
  const rated: number[] = [];
  for (let v = 0; v < n; v++) if (!Number.isNaN(ratings[v])) rated.push(v);
  return Array.from(ratings, (r, m) => {
    if (Number.isNaN(r)) return { best: Number.NaN, worst: Number.NaN };
    let above = 0;
    let below = 0;
    for (const o of rated) {
      if (lower[o]! > upper[m]!) above++;
      if (upper[o]! < lower[m]!) below++;
    }
    return { best: 1 + above, worst: rated.length - below };
  });
}
