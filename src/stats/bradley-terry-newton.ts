/**
 * Newton's method for the Bradley–Terry MLE on aggregated pair counts.
 *
 * Strengths θ are natural-log odds: P(p beats q) = σ(θp − θq). The negative log-likelihood
 *   L(θ) = Σ_pairs w_pq·softplus(−(θp−θq)) + w_qp·softplus(θp−θq)
 * (w = wins + ties/2) is convex; its Hessian Σ T·σ(1−σ)·(e_p−e_q)(e_p−e_q)ᵀ is a graph Laplacian, singular only along
 * the all-ones vector. Adding c·11ᵀ makes it positive definite on a connected graph and, because the gradient always
 * sums to zero, leaves the Newton step unchanged except for pinning Σ step = 0: iterates stay mean-zero, exactly like
 * FastChat's L-BFGS started from zero. Newton converges quadratically, to ~1e-12, in a handful of O(m³) steps
 * (m = contenders, tiny next to the number of battles), so the bootstrap can afford a full fit per round.
 * A backtracking line search keeps it safe far from the optimum.
 */
export interface NewtonResult {
  iterations: number;
  converged: boolean;
}

export class BradleyTerryNewton {
  readonly #m: number;
  readonly #p: Int32Array;
  readonly #q: Int32Array;
  readonly #grad: Float64Array;
  readonly #hess: Float64Array;
  readonly #step: Float64Array;
  readonly #trial: Float64Array;

  /** `m` contenders; the pairs that may carry weight are `p[k]`–`q[k]`. Scratch space is allocated once here. */
  constructor(m: number, p: Int32Array, q: Int32Array) {
    this.#m = m;
    this.#p = p;
    this.#q = q;
    this.#grad = new Float64Array(m);
    this.#hess = new Float64Array(m * m);
    this.#step = new Float64Array(m);
    this.#trial = new Float64Array(m);
  }

  /**
   * Minimises L in place, starting from `theta` (zeros, or a previous fit to warm-start). `wPQ[k]`/`wQP[k]` are the
   * win credits of p[k] over q[k] and back. The caller guarantees the MLE exists (strongly connected, see
   * bradley-terry-graph.ts); otherwise θ drifts off and this reports `converged: false`. Stops once a Newton step
   * moves no θ by more than `tolerance`; in the quadratic phase the remaining error is then of the order of
   * tolerance². On return θ is exactly mean-zero.
   */
  solve(theta: Float64Array, wPQ: Float64Array, wQP: Float64Array, maxIterations = 100, tolerance = 1e-8): NewtonResult {
    const m = this.#m;
    const step = this.#step;
    const trial = this.#trial;
    let merit = this.#evaluate(theta, wPQ, wQP);
    for (let it = 1; it <= maxIterations; it++) {
      if (!this.#newtonStep()) return { iterations: it, converged: false };
      let size = 0;
      for (let v = 0; v < m; v++) size = Math.max(size, Math.abs(step[v]!));
      if (size <= tolerance) {
        for (let v = 0; v < m; v++) theta[v] = theta[v]! + step[v]!;
        centre(theta);
        return { iterations: it, converged: true };
      }
      // Backtracking on the merit ‖∇L‖², for which the Newton step is a descent direction (d/dt = −2‖∇L‖²): it needs
      // no log-likelihood (no log1p per pair), and the derivatives at an accepted trial are the next iteration's.
      let t = 1;
      for (;;) {
        for (let v = 0; v < m; v++) trial[v] = theta[v]! + t * step[v]!;
        const next = this.#evaluate(trial, wPQ, wQP);
        if (next <= (1 - 1e-4 * t) * merit) { merit = next; break; }
        t /= 2;
        if (t < 1e-12) return { iterations: it, converged: false };
      }
      theta.set(trial);
    }
    centre(theta);
    return { iterations: maxIterations, converged: false };
  }

  /** Fills the gradient and Hessian of L at θ and returns ‖∇L‖². One exp per pair. */
  #evaluate(theta: Float64Array, wPQ: Float64Array, wQP: Float64Array): number {
    const m = this.#m;
    const p = this.#p;
    const q = this.#q;
    const grad = this.#grad;
    const hess = this.#hess;
    grad.fill(0);
    hess.fill(0);
    for (let k = 0; k < p.length; k++) {
      const a = wPQ[k]!;
      const total = a + wQP[k]!;
      if (total === 0) continue;
      const i = p[k]!;
      const j = q[k]!;
      const d = theta[i]! - theta[j]!;
      const e = Math.exp(-Math.abs(d)); // σ(d) from exp(−|d|): no overflow for any d
      const s = d >= 0 ? 1 / (1 + e) : e / (1 + e);
      const r = a - total * s;
      const h = total * s * (1 - s);
      grad[i] = grad[i]! - r;
      grad[j] = grad[j]! + r;
      hess[i * m + i] = hess[i * m + i]! + h;
      hess[j * m + j] = hess[j * m + j]! + h;
      hess[i * m + j] = hess[i * m + j]! - h;
      hess[j * m + i] = hess[j * m + i]! - h;
    }
    let norm = 0;
    for (const g of grad) norm += g * g;
    return norm;
  }

  /** Solves (H + c·11ᵀ)·step = −grad, overwriting the Hessian. False if not positive definite. */
  #newtonStep(): boolean {
    const m = this.#m;
    const a = this.#hess;
    let trace = 0;
    for (let v = 0; v < m; v++) trace += a[v * m + v]!;
    // c = mean diagonal / m puts the 1-direction eigenvalue (c·m) on the scale of the others.
    const c = trace > 0 ? trace / (m * m) : 1;
    for (let v = 0; v < m * m; v++) a[v] = a[v]! + c;
    return choleskySolve(a, this.#grad, this.#step, m);
  }
}

/** Solves A·out = −g for a symmetric positive definite m × m A, overwritten by its Cholesky factor. False if A is not. */
export function choleskySolve(A: Float64Array, g: Float64Array, out: Float64Array, m: number): boolean {
  for (let j = 0; j < m; j++) {
    let d = A[j * m + j]!;
    for (let c = 0; c < j; c++) d -= A[j * m + c]! * A[j * m + c]!;
    if (!(d > 0)) return false;
    const l = Math.sqrt(d);
    A[j * m + j] = l;
    for (let i = j + 1; i < m; i++) {
      let s = A[i * m + j]!;
      for (let c = 0; c < j; c++) s -= A[i * m + c]! * A[j * m + c]!;
      A[i * m + j] = s / l;
    }
  }
  for (let i = 0; i < m; i++) {
    let s = -g[i]!;
    for (let c = 0; c < i; c++) s -= A[i * m + c]! * out[c]!;
    out[i] = s / A[i * m + i]!;
  }
  for (let i = m - 1; i >= 0; i--) {
    let s = out[i]!;
    for (let c = i + 1; c < m; c++) s -= A[c * m + i]! * out[c]!;
    out[i] = s / A[i * m + i]!;
  }
  return true;
}

function centre(theta: Float64Array): void {
  let mean = 0;
  for (const v of theta) mean += v;
  mean /= theta.length || 1;
  for (let v = 0; v < theta.length; v++) theta[v] = theta[v]! - mean;
}
