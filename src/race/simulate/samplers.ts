/**
 * Counts and sums for synthetic traffic, drawn in O(1) per tick instead of one draw per request, so a day of
 * traffic costs a few thousand draws. Exact where cheap, normal approximations where the counts are large
 * (error ≤ 1/(2√(np(1−p))) in the worst case, far below the noise the simulator studies).
 */
import { sampleGamma, sampleStandardNormal, type RandomSource } from '../../stats/index.js';

/** Poisson(λ): Knuth's product of uniforms below 30, normal approximation with continuity above. */
export function samplePoisson(lambda: number, rng: RandomSource): number {
  if (!(lambda > 0)) return 0;
  if (lambda < 30) {
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = rng.next();
    while (p > limit) {
      k++;
      p *= rng.next();
    }
    return k;
  }
  return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * sampleStandardNormal(rng)));
}

/** Binomial(n, p): exact by trials up to 40, Poisson for rare or near-certain events, normal otherwise. */
export function sampleBinomial(n: number, p: number, rng: RandomSource): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (n <= 40) {
    let k = 0;
    for (let i = 0; i < n; i++) if (rng.next() < p) k++;
    return k;
  }
  if (n * p < 15) return Math.min(n, samplePoisson(n * p, rng));
  if (n * (1 - p) < 15) return n - Math.min(n, samplePoisson(n * (1 - p), rng));
  const k = Math.round(n * p + Math.sqrt(n * p * (1 - p)) * sampleStandardNormal(rng));
  return Math.min(n, Math.max(0, k));
}

/**
 * Sum and sum of squares of m draws from N(mean, sd²): the sample mean is N(mean, sd²/m) and, independently, the
 * sum of squared deviations is sd²·χ²(m − 1) — drawn exactly as 2·Gamma((m − 1)/2) for small m, by the
 * Wilson–Hilferty cube (χ²ₖ ≈ k(1 − 2/(9k) + z·√(2/(9k)))³, one normal draw) from k = 30 on.
 */
export function sampleNormalMoments(m: number, mean: number, sd: number, rng: RandomSource): { n: number; sum: number; sumSquares: number } {
  if (m <= 0) return { n: 0, sum: 0, sumSquares: 0 };
  const xbar = mean + (sd / Math.sqrt(m)) * sampleStandardNormal(rng);
  const k = m - 1;
  let chi2 = 0;
  if (k >= 30) {
    const v = 2 / (9 * k);
    chi2 = k * (1 - v + Math.sqrt(v) * sampleStandardNormal(rng)) ** 3;
  } else if (k > 0) {
    chi2 = 2 * sampleGamma(k / 2, rng);
  }
  const spread = sd * sd * Math.max(0, chi2);
  return { n: m, sum: m * xbar, sumSquares: spread + m * xbar * xbar };
}
