/**
 * What the race monitor knows about each contender in a window: sufficient statistics (counts and running sums),
 * never rows. The store fills them in SQL (`metricMoments`), the simulator synthesises them; the policies turn
 * them into per-metric arm statistics here, so both run the same tests on the same numbers.
 */
import { addRatioMoments, adjustedRatioStats, meanStats, pooledTheta, type ArmStats, type RatioMoments } from '../stats/index.js';
import type { Moments } from '../store/repos/requests.js';
import { UNIT_METRICS, type UnitEvidence, type UnitMetric } from './unit-book.js';

export type { Moments, UnitEvidence };

/** One contender's evidence over a window [since, now]. Moments are additive across disjoint time spans. */
export interface ArmEvidence {
  readonly contender: string;
  /** Served requests, without those the client abandoned. */
  readonly requests: number;
  /** Of `requests`, failures and cut streams (cuts included). */
  readonly errors: number;
  readonly cuts: number;
  /** Successful requests that stopped at the token limit: an answer the user did not get in full. */
  readonly truncations: number;
  /** ln(ms) of successful requests. */
  readonly logLatency: Moments;
  readonly logTtft: Moments;
  /** Cost per request, in CNY (other currencies converted with the configured rate). */
  readonly cost: Moments;
  /** Feedback scores in [-1, 1]. */
  readonly feedback: Moments;
  /**
   * Scores of this contender's blind battles against the race's champion in the window (human arena votes and
   * shadow-judge verdicts): win 1, tie 0.5 (both bad counts as a tie), loss 0. Empty for the champion itself.
   */
  readonly judge: Moments;
  /**
   * Sticky races: the same metrics with the user as the unit (per-user sums, see `unit-book.ts`), which every test
   * then uses (delta method, n = users). Null when requests are the unit (traffic split per request).
   */
  readonly units?: UnitEvidence | null;
}

/** The latest launch-gate verdict for a challenger (from `saima gate`), as the gate policy needs it. */
export interface GateVerdict {
  readonly passed: boolean;
  readonly ts: number;
  readonly reasons: unknown;
}

export interface RaceEvidence {
  /** Per window start (epoch ms): each contender's evidence from that start to now. */
  readonly windows: ReadonlyMap<number, ReadonlyMap<string, ArmEvidence>>;
  /** Assignment units per contender since the last weight change, for the sample-ratio check. */
  readonly assignment: { readonly since: number; readonly units: ReadonlyMap<string, number> } | null;
  /** Latest gate verdict of each challenger waiting for one (null: none yet). */
  readonly gates: ReadonlyMap<string, GateVerdict | null>;
}

export const NO_MOMENTS: Moments = Object.freeze({ n: 0, sum: 0, sumSquares: 0 });

export function emptyArm(contender: string): ArmEvidence {
  return { contender, requests: 0, errors: 0, cuts: 0, truncations: 0, logLatency: NO_MOMENTS, logTtft: NO_MOMENTS, cost: NO_MOMENTS, feedback: NO_MOMENTS, judge: NO_MOMENTS, units: null };
}

export function addMoments(a: Moments, b: Moments): Moments {
  return { n: a.n + b.n, sum: a.sum + b.sum, sumSquares: a.sumSquares + b.sumSquares };
}

export function addArms(a: ArmEvidence, b: ArmEvidence): ArmEvidence {
  return {
    contender: a.contender,
    requests: a.requests + b.requests,
    errors: a.errors + b.errors,
    cuts: a.cuts + b.cuts,
    truncations: a.truncations + b.truncations,
    logLatency: addMoments(a.logLatency, b.logLatency),
    logTtft: addMoments(a.logTtft, b.logTtft),
    cost: addMoments(a.cost, b.cost),
    feedback: addMoments(a.feedback, b.feedback),
    judge: addMoments(a.judge, b.judge),
    units: a.units && b.units ? addUnits(a.units, b.units) : (a.units ?? b.units),
  };
}

/** User-level moments of two parts with no user in common (adding them is only right then). */
function addUnits(a: UnitEvidence, b: UnitEvidence): UnitEvidence {
  return Object.fromEntries(UNIT_METRICS.map((m) => [m, addRatioMoments(a[m], b[m])])) as Record<keyof UnitEvidence, RatioMoments>;
}

/** A contender's evidence in the window starting at `since`; empty when it has none there. */
export function armIn(evidence: RaceEvidence, since: number, contender: string): ArmEvidence {
  return evidence.windows.get(since)?.get(contender) ?? emptyArm(contender);
}

/**
 * The regression adjustment (CUPED, see `stats/ratio.ts`) both arms of a user-level metric share: θ pooled over the
 * two arms, and the constant q₀ (the pooled Q) that keeps the adjusted means on the metric's scale.
 */
export interface Adjustment {
  readonly theta: number;
  readonly q0: number;
}

export const NO_ADJUSTMENT: Adjustment = Object.freeze({ theta: 0, q0: 0 });

/**
 * The adjustment of `metric` for a champion and a challenger (or every arm a bandit allocates among) whose users
 * carry pre-race covariates; none when an arm is analysed per request or no user of any has a covariate.
 */
export function adjustmentOf(metric: UnitMetric, ...arms: ArmEvidence[]): Adjustment {
  const moments: RatioMoments[] = [];
  for (const a of arms) {
    const m = a.units?.[metric];
    if (!m) return NO_ADJUSTMENT;
    moments.push(m);
  }
  if (moments.every((m) => m.z === undefined)) return NO_ADJUSTMENT;
  const theta = pooledTheta(...moments);
  if (theta === 0) return NO_ADJUSTMENT;
  const n = moments.reduce((s, m) => s + m.n, 0);
  const q0 = n > 0 ? moments.reduce((s, m) => s + (m.z ?? 0), 0) / n : 0;
  return { theta, q0 };
}

function unitStats(u: RatioMoments, adj: Adjustment): ArmStats {
  return adjustedRatioStats(u, adj.theta, adj.q0);
}

/**
 * Error rate as a proportion: errors (cuts included) plus truncations, over requests. The variance uses
 * p̃ = (x + 0.5)/(n + 1) instead of x/n, so an arm with no error yet still has a little uncertainty: with
 * p(1 − p) both arms at 0 errors would have zero variance, and no test could ever show them equal.
 */
export function errorRateArm(e: ArmEvidence, adj: Adjustment = NO_ADJUSTMENT): ArmStats {
  if (e.units) {
    // Users as units; no less uncertain than the same requests drawn independently (the floor keeps an arm
    // without errors uncertain, as below).
    const u = e.units.errors;
    const s = unitStats(u, adj);
    if (s.n === 0) return s;
    const pt = (u.y + 0.5) / (u.n + 1);
    return { n: s.n, mean: s.mean, variance: Math.max(s.variance, (pt * (1 - pt) * s.n) / u.n) };
  }
  const n = e.requests;
  if (n === 0) return { n: 0, mean: 0, variance: 0 };
  const x = Math.min(n, e.errors + e.truncations);
  const pt = (x + 0.5) / (n + 1);
  return { n, mean: x / n, variance: pt * (1 - pt) };
}

/** Mean ln(latency ms) of successful requests. */
export function logLatencyArm(e: ArmEvidence, adj: Adjustment = NO_ADJUSTMENT): ArmStats {
  return e.units ? unitStats(e.units.logLatency, adj) : fromMoments(e.logLatency);
}

export function logTtftArm(e: ArmEvidence, adj: Adjustment = NO_ADJUSTMENT): ArmStats {
  return e.units ? unitStats(e.units.logTtft, adj) : fromMoments(e.logTtft);
}

/** Mean cost per request in CNY. */
export function costArm(e: ArmEvidence, adj: Adjustment = NO_ADJUSTMENT): ArmStats {
  return e.units ? unitStats(e.units.cost, adj) : fromMoments(e.cost);
}

/**
 * Mean feedback score. Scores are bounded in [-1, 1]; the variance is kept ≥ 1/(n + 1) for the same reason as
 * the error rate's pseudo-count: unanimous feedback must not read as certainty.
 */
export function feedbackArm(e: ArmEvidence, adj: Adjustment = NO_ADJUSTMENT): ArmStats {
  if (e.units) return flooredRatio(e.units.feedback, 1, adj);
  const s = fromMoments(e.feedback);
  return s.n === 0 ? s : { ...s, variance: Math.max(s.variance, 1 / (s.n + 1)) };
}

/**
 * Mean battle score against the champion, in [0, 1]; 0.5 is a draw. Like feedback, the variance is kept
 * ≥ 0.25/(n + 1) so that a run of unanimous verdicts does not read as certainty.
 */
export function judgeArm(e: ArmEvidence): ArmStats {
  if (e.units) return flooredRatio(e.units.judge, 0.25);
  const s = fromMoments(e.judge);
  return s.n === 0 ? s : { ...s, variance: Math.max(s.variance, 0.25 / (s.n + 1)) };
}

/** The champion's side of every battle score: by construction, a draw. */
export const JUDGE_REFERENCE = 0.5;

/**
 * A user-level ratio whose mean's variance is kept ≥ floor/(N(N + 1)), N the observations: the per-observation
 * floor of `feedbackArm`/`judgeArm`, as a variance of the mean, expressed per unit.
 */
function flooredRatio(u: RatioMoments, floor: number, adj: Adjustment = NO_ADJUSTMENT): ArmStats {
  const s = unitStats(u, adj);
  return s.n === 0 ? s : { n: s.n, mean: s.mean, variance: Math.max(s.variance, (floor * s.n) / (u.n * (u.n + 1))) };
}

function fromMoments(m: Moments): ArmStats {
  return meanStats(m.n, m.sum, m.sumSquares);
}
