/**
 * Ratio metrics with the unit of randomisation as the unit of analysis: the delta method of Deng, Knoblich & Lu,
 * "Applying the Delta Method in Metric Analytics: A Practical Guide with Novel Ideas" (KDD 2018, §3), which
 * GrowthBook (`RatioStatistic`), Statsig and Eppo use for ratio metrics.
 *
 * A sticky race assigns *users*, so a user's requests are not independent draws: one user sees more errors, another
 * sends longer prompts. A per-request mean such as the error rate is then a ratio of two per-user sums,
 * R = ΣYᵢ/ΣNᵢ (Yᵢ the user's errors, Nᵢ the user's requests), and the users, not the requests, are the independent
 * units. By the delta method, with μ_N = mean of Nᵢ over the k users,
 *   Var(R̂) ≈ Var(Yᵢ − R·Nᵢ)/(k·μ_N²),
 * the variance of the linearised per-user residual. (This is eq. 4 of the paper, σ²_Y/μ²_N − 2μ_Y σ_YN/μ³_N +
 * μ²_Y σ²_N/μ⁴_N, written with the residual, whose mean is exactly 0.) With one request per unit (Nᵢ = 1) it is
 * the ordinary per-request variance, so requests without a user are simply units of their own.
 *
 * The result is an `ArmStats` with n = units and a per-unit variance, so every test that takes a mean's arm
 * statistics (the confidence sequences included) works on users unchanged.
 */
import type { ArmStats } from './means.js';

/**
 * Per-unit sums of a ratio metric over the units of one arm that have at least one observation (Nᵢ > 0):
 * `units` = k, `y` = ΣYᵢ, `n` = ΣNᵢ, `yy` = ΣYᵢ², `nn` = ΣNᵢ², `yn` = ΣYᵢNᵢ.
 */
export interface RatioMoments {
  readonly units: number;
  readonly y: number;
  readonly n: number;
  readonly yy: number;
  readonly nn: number;
  readonly yn: number;
}

export const NO_RATIO_MOMENTS: RatioMoments = Object.freeze({ units: 0, y: 0, n: 0, yy: 0, nn: 0, yn: 0 });

/**
 * Arm statistics of the ratio ΣY/ΣN with users as units: n = units, mean = ΣY/ΣN, variance = the per-unit
 * delta-method variance Σ(Yᵢ − R·Nᵢ)²/((k − 1)·μ_N²), so that variance/n is Var(R̂). Variance 0 below two units.
 */
export function ratioStats(m: RatioMoments): ArmStats {
  const k = m.units;
  if (!(k > 0) || !(m.n > 0)) return { n: 0, mean: 0, variance: 0 };
  const r = m.y / m.n;
  if (k < 2) return { n: k, mean: r, variance: 0 };
  const muN = m.n / k;
  const residual = Math.max(0, m.yy - 2 * r * m.yn + r * r * m.nn);
  return { n: k, mean: r, variance: residual / ((k - 1) * muN * muN) };
}

/** Unit moments of observations that are each their own unit (Nᵢ = 1): count c, Σx, Σx². */
export function independentRatioMoments(count: number, sum: number, sumSquares: number): RatioMoments {
  return { units: count, y: sum, n: count, yy: sumSquares, nn: count, yn: sum };
}

export function addRatioMoments(a: RatioMoments, b: RatioMoments): RatioMoments {
  return { units: a.units + b.units, y: a.y + b.y, n: a.n + b.n, yy: a.yy + b.yy, nn: a.nn + b.nn, yn: a.yn + b.yn };
}
