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
 * When a few users send most of the requests, two things go wrong, and `ratioStats` corrects both:
 *
 * 1. R̂ is a weighted mean of the users' own rates yᵢ = Yᵢ/Nᵢ with weights hᵢ = Nᵢ/ΣN, and a dominant user pulls
 *    R̂ towards their own rate, so their residual is small *because* they dominate: the residual variance misses
 *    most of the uncertainty they bring. If every user's rate varied equally (variance σ²), Var(R̂) = σ²·H with
 *    H = Σhᵢ², while E[Σhᵢ²(yᵢ − R̂)²] = σ²·(H − 2·Σhᵢ³ + H²). Dividing by 1 − 2Σhᵢ³/H + H makes the estimate
 *    unbiased under that working model: the bias-reduced linearisation of Bell & McCaffrey (Survey Methodology
 *    28(2), 2002), applied to the whole sum. With equal users it is the familiar k/(k − 1); with one user holding
 *    all the weight it is infinite — one user says nothing about how users vary.
 * 2. The confidence sequences rest on a central limit theorem over units, which needs many units and none
 *    dominant. The number of equally weighted users the sample is worth is Kish's effective sample size
 *    n_eff = (ΣNᵢ)²/ΣNᵢ² = 1/H (L. Kish, *Survey Sampling*, Wiley 1965, §11.7): k for equal users, far fewer
 *    when a handful send most of the traffic. The arm's n is n_eff, so the sequences run on the information the
 *    sample holds (their width at n is that of n_eff equal users), N* is in effective users, and a test waits
 *    until each arm has enough of them.
 *
 * The result is an `ArmStats` with n = effective units and a per-unit variance, so every test that takes a mean's
 * arm statistics (the confidence sequences included) works on users unchanged.
 */
import type { ArmStats } from './means.js';

/**
 * Per-unit sums of a ratio metric over the units of one arm that have at least one observation (Nᵢ > 0):
 * `units` = k, `y` = ΣYᵢ, `n` = ΣNᵢ, `yy` = ΣYᵢ², `nn` = ΣNᵢ², `yn` = ΣYᵢNᵢ, `nnn` = ΣNᵢ³.
 */
export interface RatioMoments {
  readonly units: number;
  readonly y: number;
  readonly n: number;
  readonly yy: number;
  readonly nn: number;
  readonly yn: number;
  readonly nnn: number;
  /** With a pre-race covariate per unit (see `CovariateMoments`): ΣZᵢ, ΣZᵢ², ΣYᵢZᵢ, ΣNᵢZᵢ. */
  readonly z?: number;
  readonly zz?: number;
  readonly yz?: number;
  readonly nz?: number;
}

export const NO_RATIO_MOMENTS: RatioMoments = Object.freeze({ units: 0, y: 0, n: 0, yy: 0, nn: 0, yn: 0, nnn: 0 });

/**
 * The delta-method variance of R̂ = ΣY/ΣN as Deng et al. give it (eq. 4 over k units), k/(k − 1) included:
 * Σ(Yᵢ − R·Nᵢ)²·k/((k − 1)·(ΣN)²). 0 below two units.
 */
export function deltaMethodVariance(m: RatioMoments): number {
  const k = m.units;
  if (!(k >= 2) || !(m.n > 0)) return 0;
  const r = m.y / m.n;
  const residual = Math.max(0, m.yy - 2 * r * m.yn + r * r * m.nn);
  return (residual * k) / ((k - 1) * m.n * m.n);
}

/** Kish's effective number of units, (ΣNᵢ)²/ΣNᵢ²: k when every unit weighs the same. */
export function effectiveUnits(m: RatioMoments): number {
  return m.nn > 0 ? (m.n * m.n) / m.nn : 0;
}

/**
 * Arm statistics of the ratio ΣY/ΣN with users as units: n = n_eff (Kish), mean = ΣY/ΣN, variance such that
 * variance/n is Var(R̂) = Σ(Yᵢ − R·Nᵢ)²/(ΣN)² / (1 − 2Σhᵢ³/H + H), hᵢ = Nᵢ/ΣN, H = Σhᵢ² (see the header).
 * Variance 0 below two units, or when one unit holds all the weight.
 */
export function ratioStats(m: RatioMoments): ArmStats {
  const k = m.units;
  if (!(k > 0) || !(m.n > 0)) return { n: 0, mean: 0, variance: 0 };
  const r = m.y / m.n;
  const nEff = effectiveUnits(m);
  if (k < 2) return { n: nEff, mean: r, variance: 0 };
  const w = m.n;
  const h2 = m.nn / (w * w);
  const h3 = m.nnn / (w * w * w);
  const kept = 1 - (2 * h3) / h2 + h2;
  // Rounding can leave a hair above 0 when one unit holds (nearly) everything: no evidence then.
  if (!(kept > 1e-9)) return { n: nEff, mean: r, variance: 0 };
  const residual = Math.max(0, m.yy - 2 * r * m.yn + r * r * m.nn);
  return { n: nEff, mean: r, variance: (residual / (w * w) / kept) * nEff };
}

/** Unit moments of observations that are each their own unit (Nᵢ = 1): count c, Σx, Σx². */
export function independentRatioMoments(count: number, sum: number, sumSquares: number): RatioMoments {
  return { units: count, y: sum, n: count, yy: sumSquares, nn: count, yn: sum, nnn: count };
}

export function addRatioMoments(a: RatioMoments, b: RatioMoments): RatioMoments {
  const out = { units: a.units + b.units, y: a.y + b.y, n: a.n + b.n, yy: a.yy + b.yy, nn: a.nn + b.nn, yn: a.yn + b.yn, nnn: a.nnn + b.nnn };
  if (a.z === undefined && b.z === undefined) return out;
  return { ...out, z: (a.z ?? 0) + (b.z ?? 0), zz: (a.zz ?? 0) + (b.zz ?? 0), yz: (a.yz ?? 0) + (b.yz ?? 0), nz: (a.nz ?? 0) + (b.nz ?? 0) };
}

/**
 * Regression adjustment with a pre-experiment covariate (CUPED: Deng, Xu, Kohavi & Walker, "Improving the
 * Sensitivity of Online Controlled Experiments by Utilizing Pre-Experiment Data", WSDM 2013), for a ratio metric
 * through the delta method (Deng, Knoblich & Lu, KDD 2018), as GrowthBook, Statsig and Eppo do.
 *
 * Each unit carries a covariate xᵢ fixed before it was assigned: its own rate of the same metric before the race,
 * centred on the pooled pre-race rate (0 for a unit without history). With Zᵢ = Nᵢ·xᵢ — what the unit's Nᵢ
 * observations would sum to at its own pre-race rate, as a deviation from everyone's — the adjusted numerator is
 * Yᵢ − θ·Zᵢ, and the adjusted ratio R̃ = (ΣY − θΣZ)/ΣN = R − θ·Q with Q = ΣZ/ΣN. The linearised residual of R̃ is
 * eᵢ = uᵢ − θ·wᵢ, uᵢ = Yᵢ − R·Nᵢ, wᵢ = Zᵢ − Q·Nᵢ, so Var(R̃) = Σeᵢ²/(ΣN)² (Bell–McCaffrey corrected as in
 * `ratioStats`): a unit's own baseline, which its covariate knows, no longer counts as noise.
 *
 * θ is one number for both arms, the one that minimises the variance of the difference,
 * θ = Σ_arms Σuw/(ΣN)² / Σ_arms Σw²/(ΣN)² (CUPED's pooled θ). Because xᵢ was fixed before assignment, Q has the
 * same expectation in both arms, so R̃_T − R̃_C estimates the same difference as R_T − R_C — whatever θ is.
 *
 * Extra per-unit sums: `z` = ΣZᵢ, `zz` = ΣZᵢ², `yz` = ΣYᵢZᵢ, `nz` = ΣNᵢZᵢ (0 without a covariate).
 */
export type CovariateMoments = Required<RatioMoments>;

function covariateParts(m: RatioMoments): { uu: number; ww: number; uw: number; q: number } {
  const c = m;
  const w = m.n;
  if (!(w > 0)) return { uu: 0, ww: 0, uw: 0, q: 0 };
  const r = m.y / w;
  const z = c.z ?? 0, zz = c.zz ?? 0, yz = c.yz ?? 0, nz = c.nz ?? 0;
  const q = z / w;
  const uu = Math.max(0, m.yy - 2 * r * m.yn + r * r * m.nn);
  const ww = Math.max(0, zz - 2 * q * nz + q * q * m.nn);
  const uw = yz - q * m.yn - r * nz + r * q * m.nn;
  return { uu, ww, uw, q };
}

/** CUPED's θ pooled over the arms' moments (two, or every arm of a bandit); 0 when none has covariate variation. */
export function pooledTheta(...arms: RatioMoments[]): number {
  let num = 0, den = 0;
  for (const m of arms) {
    if (!(m.n > 0) || !(m.units >= 2)) continue;
    const p = covariateParts(m);
    num += p.uw / (m.n * m.n);
    den += p.ww / (m.n * m.n);
  }
  return den > 0 && Number.isFinite(num / den) ? num / den : 0;
}

/**
 * `ratioStats` of the adjusted ratio R − θ·(Q − q₀) (q₀ a constant shared by both arms, e.g. the pooled Q, so the
 * means stay on the metric's scale): same n (Kish's effective units), the residual eᵢ = uᵢ − θwᵢ in place of uᵢ.
 * With θ = 0 it is exactly `ratioStats`.
 */
export function adjustedRatioStats(m: RatioMoments, theta: number, q0 = 0): ArmStats {
  if (theta === 0) return ratioStats(m);
  const k = m.units;
  if (!(k > 0) || !(m.n > 0)) return { n: 0, mean: 0, variance: 0 };
  const p = covariateParts(m);
  const mean = m.y / m.n - theta * (p.q - q0);
  const nEff = effectiveUnits(m);
  if (k < 2) return { n: nEff, mean, variance: 0 };
  const w = m.n;
  const h2 = m.nn / (w * w);
  const h3 = m.nnn / (w * w * w);
  const kept = 1 - (2 * h3) / h2 + h2;
  if (!(kept > 1e-9)) return { n: nEff, mean, variance: 0 };
  const residual = Math.max(0, p.uu - 2 * theta * p.uw + theta * theta * p.ww);
  return { n: nEff, mean, variance: (residual / (w * w) / kept) * nEff };
}

/**
 * Both arms of a ratio metric, regression-adjusted with the pooled θ (see `CovariateMoments`); the means are
 * shifted by the same constant (θ times the pooled Q), so their difference is the adjusted effect.
 */
export function adjustedRatioPair(control: RatioMoments, treatment: RatioMoments): { control: ArmStats; treatment: ArmStats; theta: number } {
  const theta = pooledTheta(control, treatment);
  const n = control.n + treatment.n;
  const q0 = n > 0 ? ((control.z ?? 0) + (treatment.z ?? 0)) / n : 0;
  return { control: adjustedRatioStats(control, theta, q0), treatment: adjustedRatioStats(treatment, theta, q0), theta };
}
