/**
 * The distributions `stats` is built on, in one import: normal (Cody, Wichura), log Γ and the incomplete gamma
 * (chi-square), the incomplete beta (Student's t), and seeded random variates (Marsaglia–Tsang).
 */
export { normalCdf, normalPdf, normalQuantile, normalSf } from './normal-distribution.js';
export {
  chiSquareCdf, chiSquareSf, logBeta, logGamma, regularizedGammaP, regularizedGammaQ,
} from './gamma-function.js';
export {
  regularizedBeta, studentTCdf, studentTPdf, studentTQuantile, studentTSf,
} from './student-t-distribution.js';
export { sampleBeta, sampleGamma, sampleStandardNormal } from './random-variates.js';
export { SeededRandom } from './seeded-random.js';
export type { RandomSource } from './seeded-random.js';
