/**
 * Style-controlled Bradley–Terry, as Chatbot Arena's "style control" (lm-sys/FastChat
 * `fastchat/serve/monitor/rating_systems.py`: `preprocess_for_style`, `fit_contextual_bt`).
 *
 * Voters favour longer, more formatted answers. Style control adds per-battle covariates to the logistic regression so
 * that a rating measures what remains once style is accounted for:
 *   logit P(a beats b) = ln10·(r_a − r_b) + Σ_f β_f·z_f,
 * where, per style feature f (FastChat: answer tokens, markdown headers, list items, bold spans), the raw side counts
 * give d_f = (a_f − b_f)/(a_f + b_f + 1) (or a_f − b_f when the ratio is off), z-scored over the battles (population sd).
 * β_f is the log-odds gained per standard deviation of the style difference. One row per battle (features differ per
 * battle, so no aggregation), outcomes 1 / ½ / 0, and an L2 penalty (reg/2)·‖[r; β]‖² with reg = 0.5 on ratings
 * (log10 units) and coefficients alike — FastChat's choice, equal to sklearn's C = 1 on its duplicated rows. The penalty
 * keeps every fit finite. Ratings are reported like plain BT: 400·r, mean 1000 over contenders that played, or anchored.
 */
import { eloRatings, type BradleyTerryOptions } from './bradley-terry.js';
import type { Battle } from './bradley-terry-counts.js';
import { choleskySolve } from './bradley-terry-newton.js';

export interface StyleBattle extends Battle {
  /** Style counts of a's answer, one per feature, in the same order for every battle (e.g. tokens, headers, lists, bold). */
  readonly styleA: readonly number[];
  readonly styleB: readonly number[];
}

export interface StyleControlOptions extends BradleyTerryOptions {
  /** L2 penalty on ratings (log10 units) and coefficients. Default 0.5 (FastChat). */
  reg?: number;
  /** Per feature: use the normalised difference (a−b)/(a+b+1). Default true for all (FastChat `apply_ratio`). */
  ratio?: readonly boolean[];
}

export interface StyleControlFit {
  /** Style-adjusted Elo-scale ratings; NaN for contenders without battles. */
  readonly ratings: Float64Array;
  /** β per feature: log-odds per standard deviation of the (normalised) style difference, a minus b. */
  readonly coefficients: Float64Array;
  /** Mean and population sd used to z-score each feature (sd 0 → the feature is constant and ignored). */
  readonly featureMean: Float64Array;
  readonly featureStd: Float64Array;
  readonly iterations: number;
  readonly converged: boolean;
}

/** Fits the style-controlled model by damped Newton (the objective is strongly convex thanks to the penalty). */
export function fitStyleControlled(battles: readonly StyleBattle[], nModels: number, opts: StyleControlOptions = {}): StyleControlFit {
  const k = battles[0]?.styleA.length ?? 0;
  const { z, mean, std } = styleFeatures(battles, k, opts.ratio);
  const n = nModels;
  const dim = n + k;
  const a = new Int32Array(battles.length);
  const b = new Int32Array(battles.length);
  const o = new Float64Array(battles.length);
  const played = new Uint8Array(n);
  battles.forEach((battle, t) => {
    if (!Number.isInteger(battle.a) || !Number.isInteger(battle.b) || battle.a < 0 || battle.b < 0 || battle.a >= n || battle.b >= n || battle.a === battle.b) {
      throw new RangeError(`battle ${t}: bad contender indices (a=${battle.a}, b=${battle.b})`);
    }
    a[t] = battle.a;
    b[t] = battle.b;
    o[t] = battle.outcome === 'a' ? 1 : battle.outcome === 'b' ? 0 : 0.5;
    played[battle.a] = 1;
    played[battle.b] = 1;
  });
  const x = new Float64Array(dim);
  const solver = new StyleNewton(n, k, a, b, o, z, opts.reg ?? 0.5);
  const { iterations, converged } = solver.solve(x, opts.maxIterations ?? 100, opts.tolerance ?? 1e-8);
  const rated = Int32Array.from([...played.keys()].filter((v) => played[v]));
  const strengths = Float64Array.from(rated, (v) => Math.LN10 * x[v]!); // log10 units → natural log
  return {
    ratings: eloRatings(strengths, rated, n, opts),
    coefficients: x.slice(n),
    featureMean: mean,
    featureStd: std,
    iterations,
    converged,
  };
}

/** z-scored style differences, row-major `battles × k` (FastChat `preprocess_for_style`). */
export function styleFeatures(battles: readonly StyleBattle[], k: number, ratio?: readonly boolean[]) {
  const count = battles.length;
  const z = new Float64Array(count * k);
  battles.forEach((battle, t) => {
    if (battle.styleA.length !== k || battle.styleB.length !== k) throw new RangeError(`battle ${t}: expected ${k} style features per side`);
    for (let f = 0; f < k; f++) {
      const diff = battle.styleA[f]! - battle.styleB[f]!;
      z[t * k + f] = (ratio?.[f] ?? true) ? diff / (battle.styleA[f]! + battle.styleB[f]! + 1) : diff;
    }
  });
  const mean = new Float64Array(k);
  const std = new Float64Array(k);
  for (let f = 0; f < k; f++) {
    let s = 0;
    for (let t = 0; t < count; t++) s += z[t * k + f]!;
    const mu = s / count;
    let ss = 0;
    for (let t = 0; t < count; t++) ss += (z[t * k + f]! - mu) ** 2;
    mean[f] = mu;
    std[f] = Math.sqrt(ss / count);
    // A constant feature carries no information; FastChat would divide by zero and fail, Saima zeroes it.
    for (let t = 0; t < count; t++) z[t * k + f] = std[f]! > 0 ? (z[t * k + f]! - mu) / std[f]! : 0;
  }
  return { z, mean, std };
}

/** Newton on x = [r (n, log10 units); β (k)] with backtracking on ‖∇‖², as in bradley-terry-newton.ts. */
class StyleNewton {
  readonly #grad: Float64Array;
  readonly #hess: Float64Array;
  readonly #step: Float64Array;

  constructor(
    readonly n: number, readonly k: number, readonly a: Int32Array, readonly b: Int32Array,
    readonly o: Float64Array, readonly z: Float64Array, readonly reg: number,
  ) {
    const dim = n + k;
    this.#grad = new Float64Array(dim);
    this.#hess = new Float64Array(dim * dim);
    this.#step = new Float64Array(dim);
  }

  solve(x: Float64Array, maxIterations: number, tolerance: number): { iterations: number; converged: boolean } {
    const dim = x.length;
    const trial = new Float64Array(dim);
    let merit = this.#evaluate(x);
    for (let it = 1; it <= maxIterations; it++) {
      if (!choleskySolve(this.#hess, this.#grad, this.#step, dim)) return { iterations: it, converged: false };
      let size = 0;
      for (const s of this.#step) size = Math.max(size, Math.abs(s));
      let t = 1;
      for (;;) {
        for (let v = 0; v < dim; v++) trial[v] = x[v]! + t * this.#step[v]!;
        if (size <= tolerance) break;
        const next = this.#evaluate(trial);
        if (next <= (1 - 1e-4 * t) * merit) { merit = next; break; }
        t /= 2;
        if (t < 1e-12) return { iterations: it, converged: false };
      }
      x.set(trial);
      if (size <= tolerance) return { iterations: it, converged: true };
    }
    return { iterations: maxIterations, converged: false };
  }

  /** Gradient and Hessian of NLL + (reg/2)‖x‖² at x; returns ‖∇‖². */
  #evaluate(x: Float64Array): number {
    const { n, k, a, b, o, z, reg } = this;
    const dim = n + k;
    const g = this.#grad;
    const h = this.#hess;
    h.fill(0);
    for (let v = 0; v < dim; v++) { g[v] = reg * x[v]!; h[v * dim + v] = reg; }
    for (let t = 0; t < o.length; t++) {
      const i = a[t]!;
      const j = b[t]!;
      let logit = Math.LN10 * (x[i]! - x[j]!);
      for (let f = 0; f < k; f++) logit += x[n + f]! * z[t * k + f]!;
      const e = Math.exp(-Math.abs(logit));
      const p = logit >= 0 ? 1 / (1 + e) : e / (1 + e);
      const err = o[t]! - p;
      const w = p * (1 - p);
      const aw = Math.LN10 * w;
      g[i] = g[i]! - Math.LN10 * err;
      g[j] = g[j]! + Math.LN10 * err;
      const ll = Math.LN10 * aw;
      h[i * dim + i] = h[i * dim + i]! + ll;
      h[j * dim + j] = h[j * dim + j]! + ll;
      h[i * dim + j] = h[i * dim + j]! - ll;
      h[j * dim + i] = h[j * dim + i]! - ll;
      for (let f = 0; f < k; f++) {
        const zf = z[t * k + f]!;
        const c = n + f;
        g[c] = g[c]! - zf * err;
        h[i * dim + c] = h[i * dim + c]! + aw * zf;
        h[c * dim + i] = h[c * dim + i]! + aw * zf;
        h[j * dim + c] = h[j * dim + c]! - aw * zf;
        h[c * dim + j] = h[c * dim + j]! - aw * zf;
        for (let f2 = 0; f2 < k; f2++) h[c * dim + n + f2] = h[c * dim + n + f2]! + w * zf * z[t * k + f2]!;
      }
    }
    let norm = 0;
    for (const v of g) norm += v * v;
    return norm;
  }
}
