/**
 * The users of a simulated race. Real users differ — some see more errors, some send longer prompts, a few send
 * most of the traffic — and a sticky race keeps each on one contender, so their requests are not independent
 * draws. Each simulated user has:
 *
 * - an activity: the share of the race's requests they send. `equal`: all the same; `skewed`: the r-th most
 *   active sends ∝ r^−0.7 (Zipf); `heavy`: ∝ r^−1.2, a heavy tail where a handful of users send much of the
 *   traffic;
 * - a baseline of their own for every metric, the same on every contender (the model changes the answer, not the
 *   user), drawn once per race with `spread` s: ln latency and ln TTFT shifted by N(0, s²), cost scaled by
 *   e^N(0, s²) (mean kept), error rate and thumbs-up share moved by N(0, (3s)²) on the logit scale.
 *
 * Users are named afresh in every simulated race, so each race lands a different set of them in each lane.
 *
 * Before the race, the same users send the same traffic to the champion for `preHours` (default a week): what the
 * request log holds about them when the race starts, the covariates of the pre-race adjustment (`drawPreRace`).
 */
import { sampleStandardNormal, type RandomSource } from '../../stats/index.js';
import { UNIT_METRICS } from '../unit-book.js';
import { sampleBinomial, samplePoisson } from './samplers.js';
import type { ArmProfile } from './scenario.js';

const UNIT_METRIC_COUNT = UNIT_METRICS.length;

export const ACTIVITY_SHAPES = ['equal', 'skewed', 'heavy'] as const;
export type ActivityShape = (typeof ACTIVITY_SHAPES)[number];
/** Zipf exponent of each shape: the r-th most active user sends ∝ r^−exponent of the requests. */
export const ACTIVITY_EXPONENT: Readonly<Record<ActivityShape, number>> = Object.freeze({ equal: 0, skewed: 0.7, heavy: 1.2 });

export interface UserModel {
  count: number;
  activity: ActivityShape;
  /** Per-user spread of every metric's baseline (see above); 0: users differ only in activity. */
  spread: number;
  /**
   * Hours of traffic the same users sent the champion before the race (at the race's rate), read as pre-race
   * covariates; 0: no history, no adjustment. Default `DEFAULT_PRE_HOURS`.
   */
  preHours?: number;
}

/** A week of history before the race. */
export const DEFAULT_PRE_HOURS = 168;

/** Per-user offsets, one entry per user. */
export interface Population {
  readonly count: number;
  readonly keys: readonly string[];
  /** Each user's share of the requests. */
  readonly share: Float64Array;
  /** Walker alias table over the activity shares: one request's user in O(1). */
  readonly aliasProb: Float64Array;
  readonly aliasIndex: Int32Array;
  readonly logLatency: Float64Array;
  readonly logTtft: Float64Array;
  readonly logCost: Float64Array;
  readonly logitError: Float64Array;
  readonly logitUp: Float64Array;
}

export function drawPopulation(model: UserModel, rng: RandomSource, salt: string): Population {
  const n = model.count;
  const weights = new Float64Array(n);
  const s = ACTIVITY_EXPONENT[model.activity];
  for (let i = 0; i < n; i++) weights[i] = (i + 1) ** -s;
  const { prob, alias } = aliasTable(weights);
  const normals = (scale: number) => Float64Array.from({ length: n }, () => scale * sampleStandardNormal(rng));
  const sp = model.spread;
  const logCost = normals(sp);
  for (let i = 0; i < n; i++) logCost[i] = logCost[i]! - (sp * sp) / 2;
  let total = 0;
  for (const x of weights) total += x;
  return {
    count: n,
    share: Float64Array.from(weights, (x) => x / total),
    keys: Array.from({ length: n }, (_, i) => `${salt}:${i}`),
    aliasProb: prob,
    aliasIndex: alias,
    logLatency: normals(sp),
    logTtft: normals(sp),
    logCost,
    logitError: normals(3 * sp),
    logitUp: normals(3 * sp),
  };
}

/** One request's user. */
export function pickUser(p: Population, rng: RandomSource): number {
  const u = rng.next() * p.count;
  const i = Math.min(p.count - 1, Math.floor(u));
  return u - i < p.aliasProb[i]! ? i : p.aliasIndex[i]!;
}

const logit = (p: number) => Math.log(p / (1 - p));
const logistic = (x: number) => 1 / (1 + Math.exp(-x));

/** User `u`'s error rate and thumbs-up share on a contender with `profile`, whose effects sit on top of the base. */
export function userRates(p: Population, u: number, base: ArmProfile, profile: ArmProfile): { error: number; up: number } {
  const clamp = (x: number) => Math.min(1, Math.max(0, x));
  const error = clamp(logistic(logit(clamp01(base.errorRate)) + p.logitError[u]!) + (profile.errorRate - base.errorRate));
  const up = clamp(logistic(logit(clamp01(base.thumbsUp)) + p.logitUp[u]!) + (profile.thumbsUp - base.thumbsUp));
  return { error, up };
}

/** Metrics of the pre-race history, in `UNIT_METRICS` order (judge verdicts have none). */
const PRE_METRICS = 5;

/**
 * Each user's pre-race covariates: `requests` requests sent to the champion (profile `base`) before the race,
 * spread over the users by activity, summed per user as the monitor's covariate source sums the request log; the
 * user's own rate of every metric minus the pooled rate (0 without history). Flat: user u's metric m at
 * u·`UNIT_METRIC_COUNT` + m.
 */
export function drawPreRace(p: Population, base: ArmProfile, requests: number, rng: RandomSource): Float64Array {
  const M = UNIT_METRIC_COUNT;
  const y = new Float64Array(p.count * M);
  const n = new Float64Array(p.count * M);
  const totalY = new Float64Array(M);
  const totalN = new Float64Array(M);
  for (let u = 0; u < p.count; u++) {
    const k = samplePoisson(p.share[u]! * requests, rng);
    if (k === 0) continue;
    const r = userRates(p, u, base, base);
    const errors = sampleBinomial(k, r.error, rng);
    const ok = k - errors;
    const o = u * M;
    y[o] = errors; n[o] = k;
    if (ok > 0) {
      const root = Math.sqrt(ok);
      y[o + 1] = ok * (base.logLatency.mean + p.logLatency[u]!) + root * base.logLatency.sd * sampleStandardNormal(rng);
      y[o + 2] = ok * (base.logTtft.mean + p.logTtft[u]!) + root * base.logTtft.sd * sampleStandardNormal(rng);
      n[o + 1] = ok; n[o + 2] = ok;
    }
    const scale = Math.exp(p.logCost[u]!);
    y[o + 3] = k * base.cost.mean * scale + Math.sqrt(k) * base.cost.sd * scale * sampleStandardNormal(rng);
    n[o + 3] = k;
    const rated = sampleBinomial(k, base.feedbackRate, rng);
    if (rated > 0) {
      const ups = sampleBinomial(rated, r.up, rng);
      y[o + 4] = 2 * ups - rated;
      n[o + 4] = rated;
    }
    for (let m = 0; m < PRE_METRICS; m++) {
      totalY[m] = totalY[m]! + y[o + m]!;
      totalN[m] = totalN[m]! + n[o + m]!;
    }
  }
  const out = new Float64Array(p.count * M);
  for (let u = 0; u < p.count; u++) {
    for (let m = 0; m < PRE_METRICS; m++) {
      const i = u * M + m;
      if (n[i]! > 0 && totalN[m]! > 0) out[i] = y[i]! / n[i]! - totalY[m]! / totalN[m]!;
    }
  }
  return out;
}

function clamp01(x: number): number {
  return Math.min(1 - 1e-9, Math.max(1e-9, x));
}

/** Walker's alias method (Vose's construction) for weights w. */
function aliasTable(w: Float64Array): { prob: Float64Array; alias: Int32Array } {
  const n = w.length;
  let total = 0;
  for (const x of w) total += x;
  const scaled = Float64Array.from(w, (x) => (x * n) / total);
  const prob = new Float64Array(n);
  const alias = new Int32Array(n);
  const small: number[] = [];
  const large: number[] = [];
  scaled.forEach((x, i) => (x < 1 ? small : large).push(i));
  while (small.length > 0 && large.length > 0) {
    const l = small.pop()!;
    const g = large.pop()!;
    prob[l] = scaled[l]!;
    alias[l] = g;
    scaled[g] = scaled[g]! + scaled[l]! - 1;
    (scaled[g]! < 1 ? small : large).push(g);
  }
  for (const i of [...small, ...large]) {
    prob[i] = 1;
    alias[i] = i;
  }
  return { prob, alias };
}
