/**
 * Random variates drawn from an injected `RandomSource`: standard normal, gamma and beta.
 * Each call allocates nothing; the Thompson sampler calls these tens of thousands of times per allocation.
 */
import type { RandomSource } from './seeded-random.js';

/**
 * One standard normal draw by Marsaglia's polar method (G. Marsaglia & T. A. Bray, SIAM Review 6(3), 1964).
 * The method yields two independent normals per accepted pair; the second is discarded to keep the function
 * stateless (about 2.5 uniforms per draw).
 */
export function sampleStandardNormal(rng: RandomSource): number {
  for (;;) {
    const u = 2 * rng.next() - 1;
    const v = 2 * rng.next() - 1;
    const s = u * u + v * v;
    if (s > 0 && s < 1) return u * Math.sqrt((-2 * Math.log(s)) / s);
  }
}

/**
 * One Gamma(shape, 1) draw (scale 1; multiply for another scale), shape > 0.
 * Marsaglia & Tsang, "A simple method for generating gamma variables", ACM TOMS 26(3), 2000: squeeze-accelerated
 * rejection with acceptance ≥ 95 % for shape ≥ 1. For shape < 1 it uses their boost
 * Gamma(a) = Gamma(a + 1)·U^(1/a).
 */
export function sampleGamma(shape: number, rng: RandomSource): number {
  if (!(shape > 0)) return Number.NaN;
  if (shape < 1) {
    let u = rng.next();
    while (u === 0) u = rng.next();
    return sampleGamma(shape + 1, rng) * Math.pow(u, 1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = sampleStandardNormal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.next();
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2) return d * v;
    if (u > 0 && Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** One Beta(a, b) draw as X/(X + Y) with X ~ Gamma(a), Y ~ Gamma(b) independent; a, b > 0. */
export function sampleBeta(a: number, b: number, rng: RandomSource): number {
  const x = sampleGamma(a, rng);
  const y = sampleGamma(b, rng);
  return x / (x + y);
}
