/**
 * The arena leaderboard from battle counts: Bradley–Terry MLE on the Elo scale (base 10, scale 400, mean 1000 or
 * an anchor), ties half a win each way, seeded bootstrap percentile CIs, rank ranges, predicted and observed
 * win-rate matrices, retired contenders kept and marked, variants per owner, and optionally the style-controlled
 * fit (answer tokens, headers, lists, bold as covariates). Numerically Chatbot Arena's method (src/stats).
 */
import type { PairOutcomeCount, StyledBattle } from '../store/index.js';
import {
  battlesPerModel, bootstrapBradleyTerry, fitBradleyTerry, observedWinRates, rankHeld, rankRanges, winRateMatrix, type PairCounts,
} from '../stats/index.js';
import { SaimaError } from '../errors.js';
import { ownerOf } from './race-members.js';
import { fitStyleLeaderboard, type StyleResult } from './style-leaderboard.js';

export interface LeaderboardOptions {
  /** Shift ratings so this contender has `rating` (default: mean 1000 over the rated contenders). */
  anchor?: { contender: string; rating: number };
  /** Bootstrap rounds (default 1,000); 0 skips the bootstrap. */
  rounds?: number;
  seed?: number;
  level?: number;
  style?: boolean;
  /** Bootstrap rounds of the style-controlled fit (default 100: each is a full Newton fit over every battle). */
  styleRounds?: number;
}

export interface LeaderboardData {
  counts: readonly PairOutcomeCount[];
  /** Needed only with `style`. */
  styled?: readonly StyledBattle[];
  /** Contenders listed even without battles (a race's members). */
  members?: readonly string[];
  retired: (name: string) => boolean;
  /** Judgements without a verdict under the same filter (reported, never rated). */
  errors: number;
}

export interface LeaderboardRow {
  /** Best rank the intervals allow (what Chatbot Arena publishes); null when unrated. */
  rank: number | null;
  rank_worst: number | null;
  /**
   * Share of the usable bootstrap rounds in which this contender kept its place in the order of ratings (its
   * position by `rating`); null when unrated or without a bootstrap.
   */
  rank_held: number | null;
  contender: string;
  rating: number | null;
  ci_lower: number | null;
  ci_upper: number | null;
  battles: number;
  wins: number;
  losses: number;
  ties: number;
  /** (wins + ties/2) / battles. */
  win_rate: number | null;
  retired: boolean;
  /** Fewer than `method.min_battles` battles: the interval rests on too little to trust. */
  few_battles: boolean;
  owner: string;
  style?: { rating: number | null; ci_lower: number | null; ci_upper: number | null };
}

export interface Leaderboard {
  object: 'arena.leaderboard';
  battles: number;
  judge_errors: number;
  method: {
    model: 'bradley-terry';
    base: 10;
    scale: 400;
    mean: number | null;
    anchor: { contender: string; rating: number } | null;
    ties: 'half a win each way';
    bootstrap_rounds: number;
    seed: number;
    level: number;
    degenerate_rounds: number;
    /** Rounds the intervals were computed from: bootstrap_rounds − degenerate_rounds. */
    usable_rounds: number;
    /** A contender with fewer battles is flagged `few_battles`. */
    min_battles: number;
  };
  data: LeaderboardRow[];
  /** P(row beats column), predicted from the ratings and observed in the battles; `battles` per pair, ties included. */
  win_rates: { contenders: string[]; predicted: Array<Array<number | null>>; observed: Array<Array<number | null>>; battles: number[][] };
  owners: Array<{ owner: string; variants: number; contenders: string[]; best: string | null; best_rating: number | null }>;
  style_control: StyleResult['summary'] | null;
}

/**
 * Below this many battles a contender's interval is flagged: with n battles the standard error of its win rate is
 * about 0.5/√n, so at 100 the 95% interval is already some ±70 rating points wide, and a percentile bootstrap over
 * so few battles (often all wins or all losses in a resample) understates even that.
 */
export const MIN_BATTLES = 100;

const num = (x: number | undefined): number | null => (x !== undefined && Number.isFinite(x) ? x : null);

export function computeLeaderboard(data: LeaderboardData, opts: LeaderboardOptions = {}): Leaderboard {
  const names = [...new Set([...(data.members ?? []), ...data.counts.flatMap((c) => [c.contenderA, c.contenderB])])].sort();
  const index = new Map(names.map((name, i) => [name, i]));
  const counts = toPairCounts(data.counts, index);
  const rounds = opts.rounds ?? 1000;
  const seed = opts.seed ?? 0;
  const level = opts.level ?? 0.95;
  let anchor: { index: number; rating: number } | undefined;
  if (opts.anchor) {
    const at = index.get(opts.anchor.contender);
    if (at === undefined) throw new SaimaError('invalid_value', `The anchor '${opts.anchor.contender}' has no battles here.`, 'anchor');
    anchor = { index: at, rating: opts.anchor.rating };
  }
  let ratings: Float64Array;
  let lower: Float64Array = new Float64Array(names.length).fill(Number.NaN);
  let upper: Float64Array = new Float64Array(names.length).fill(Number.NaN);
  let degenerateRounds = 0;
  let held: Float64Array = new Float64Array(names.length).fill(Number.NaN);
  try {
    const fitOpts = { seed, level, ...(anchor ? { anchor } : {}) };
    if (rounds > 0) {
      const boot = bootstrapBradleyTerry(counts, { ...fitOpts, rounds });
      ({ lower, upper, degenerateRounds } = boot);
      ratings = boot.fit.ratings;
      held = rankHeld(ratings, boot.samples, rounds).share;
    } else {
      ratings = fitBradleyTerry(counts, fitOpts).ratings;
    }
  } catch (err) {
    if (err instanceof RangeError && anchor) throw new SaimaError('invalid_value', `The anchor '${opts.anchor!.contender}' is unrated (it never won or never lost against the rest).`, 'anchor');
    throw err;
  }
  // Without a bootstrap the intervals are points, and rank ranges collapse to plain ranks.
  const ranks = rankRanges(ratings, rounds > 0 ? lower : ratings, rounds > 0 ? upper : ratings);
  const played = battlesPerModel(counts);
  const style = opts.style && data.styled?.length ? fitStyleLeaderboard(data.styled, index, { rounds: opts.styleRounds ?? 100, seed, level, anchor }) : null;

  const rows: LeaderboardRow[] = names.map((name, i) => {
    let wins = 0;
    let losses = 0;
    let ties = 0;
    for (let j = 0; j < names.length; j++) {
      wins += counts.wins[i * names.length + j]!;
      losses += counts.wins[j * names.length + i]!;
      ties += counts.ties[Math.min(i, j) * names.length + Math.max(i, j)]!;
    }
    const n = played[i]!;
    return {
      rank: num(ranks[i]!.best),
      rank_worst: num(ranks[i]!.worst),
      rank_held: num(held[i]),
      contender: name,
      rating: num(ratings[i]),
      ci_lower: num(lower[i]),
      ci_upper: num(upper[i]),
      battles: n,
      wins,
      losses,
      ties,
      win_rate: n > 0 ? (wins + ties / 2) / n : null,
      retired: data.retired(name),
      few_battles: n < MIN_BATTLES,
      owner: ownerOf(name),
      ...(style ? { style: style.rows[i]! } : {}),
    };
  });
  const order = rows.map((_, i) => i).sort((x, y) => (rows[y]!.rating ?? -Infinity) - (rows[x]!.rating ?? -Infinity) || names[x]!.localeCompare(names[y]!));
  const predicted = winRateMatrix(ratings);
  const observed = observedWinRates(counts);
  const matrix = (m: Float64Array) => order.map((i) => order.map((j) => num(m[i * names.length + j])));
  const met = (i: number, j: number) => (i === j ? 0 : counts.wins[i * names.length + j]! + counts.wins[j * names.length + i]! + counts.ties[Math.min(i, j) * names.length + Math.max(i, j)]!);
  return {
    object: 'arena.leaderboard',
    battles: counts.total,
    judge_errors: data.errors,
    method: {
      model: 'bradley-terry',
      base: 10,
      scale: 400,
      mean: anchor ? null : 1000,
      anchor: opts.anchor ?? null,
      ties: 'half a win each way',
      bootstrap_rounds: rounds,
      seed,
      level,
      degenerate_rounds: degenerateRounds,
      usable_rounds: rounds - degenerateRounds,
      min_battles: MIN_BATTLES,
    },
    data: order.map((i) => rows[i]!),
    win_rates: { contenders: order.map((i) => names[i]!), predicted: matrix(predicted), observed: matrix(observed), battles: order.map((i) => order.map((j) => met(i, j))) },
    owners: owners(order.map((i) => rows[i]!)),
    style_control: style?.summary ?? null,
  };
}

function toPairCounts(rows: readonly PairOutcomeCount[], index: ReadonlyMap<string, number>): PairCounts {
  const n = index.size;
  const wins = new Float64Array(n * n);
  const ties = new Float64Array(n * n);
  let total = 0;
  for (const r of rows) {
    const a = index.get(r.contenderA)!;
    const b = index.get(r.contenderB)!;
    if (a === b) continue; // a contender against itself says nothing about ratings
    if (r.winner === 'a') wins[a * n + b] = wins[a * n + b]! + r.n;
    else if (r.winner === 'b') wins[b * n + a] = wins[b * n + a]! + r.n;
    else ties[Math.min(a, b) * n + Math.max(a, b)] = ties[Math.min(a, b) * n + Math.max(a, b)]! + r.n;
    total += r.n;
  }
  return { n, wins, ties, total };
}

/** Variants per owner, best first, so a good row backed by many tried variants is visible as such. */
function owners(rows: readonly LeaderboardRow[]): Leaderboard['owners'] {
  const groups = new Map<string, LeaderboardRow[]>();
  for (const r of rows) if (r.battles > 0) groups.set(r.owner, [...(groups.get(r.owner) ?? []), r]);
  return [...groups].map(([owner, rs]) => ({
    owner,
    variants: rs.length,
    contenders: rs.map((r) => r.contender),
    best: rs[0]!.rating !== null ? rs[0]!.contender : null,
    best_rating: rs[0]!.rating,
  })).sort((x, y) => y.variants - x.variants || x.owner.localeCompare(y.owner));
}
