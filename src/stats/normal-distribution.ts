/**
 * The standard normal distribution: density, both tails of the CDF, and the quantile function.
 * Everything is in standard units (z-scores); callers standardise with `(x − mean) / sd`.
 */

const INV_SQRT_2PI = 0.3989422804014327; // 1 / sqrt(2π)

// W. J. Cody, "Algorithm 715: SPECFUN", ACM TOMS 19(1), 1993, routine ANORM: three rational Chebyshev
// approximations, relative error below 1e-15 in double precision. The coefficients are Cody's published ones
// (the same table R's `pnorm` uses).
const A = [2.2352520354606839287, 161.02823106855587881, 1067.6894854603709582, 18154.981253343561249,
  0.065682337918207449113] as const;
const B = [47.20258190468824187, 976.09855173777669322, 10260.932208618978205, 45507.789335026729956] as const;
const C = [0.39894151208813466764, 8.8831497943883759412, 93.506656132177855979, 597.27027639480026226,
  2494.5375852903726711, 6848.1904505362823326, 11602.651437647350124, 9842.7148383839780218,
  1.0765576773720192317e-8] as const;
const D = [22.266688044328115691, 235.38790178262499861, 1519.377599407554805, 6485.558298266760755,
  18615.571640885098091, 34900.952721145977266, 38912.003286093271411, 19685.429676859990727] as const;
const P = [0.21589853405795699, 0.1274011611602473639, 0.022235277870649807, 0.001421619193227893466,
  2.9112874951168792e-5, 0.02307344176494017303] as const;
const Q = [1.28426009614491121, 0.468238212480865118, 0.0659881378689285515, 0.00378239633202758244,
  7.29751555083966205e-5] as const;

/** Standard normal density φ(z) = exp(−z²/2)/√(2π). */
export function normalPdf(z: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * z * z);
}

/**
 * Lower tail Φ(z) = P(Z ≤ z), Cody's ANORM (ACM TOMS 715), relative error < 1e-15 over the whole range,
 * including the far lower tail (Φ(−37) ≈ 5.7e-300).
 */
export function normalCdf(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  if (Math.abs(z) <= 0.66291) return 0.5 + centralPart(z);
  const tail = lowerTailOfAbs(Math.abs(z));
  return z > 0 ? 1 - tail : tail;
}

/** Upper tail 1 − Φ(z) = P(Z > z), computed directly so that small upper tails keep full relative precision. */
export function normalSf(z: number): number {
  return normalCdf(-z);
}

/** Φ(z) − 1/2 for |z| ≤ 0.66291. */
function centralPart(z: number): number {
  const zsq = z * z;
  let num = A[4] * zsq;
  let den = zsq;
  for (let i = 0; i < 3; i++) {
    num = (num + A[i]!) * zsq;
    den = (den + B[i]!) * zsq;
  }
  return (z * (num + A[3])) / (den + B[3]);
}

/** Φ(−y) for y > 0.66291. */
function lowerTailOfAbs(y: number): number {
  let ratio: number;
  if (y <= 5.656854249492381) { // √32
    let num = C[8] * y;
    let den = y;
    for (let i = 0; i < 7; i++) {
      num = (num + C[i]!) * y;
      den = (den + D[i]!) * y;
    }
    ratio = (num + C[7]) / (den + D[7]);
  } else {
    if (y > 37.5193) return 0; // Cody's XLOW: below it Φ underflows to subnormals
    const r = 1 / (y * y);
    let num = P[5] * r;
    let den = r;
    for (let i = 0; i < 4; i++) {
      num = (num + P[i]!) * r;
      den = (den + Q[i]!) * r;
    }
    ratio = (INV_SQRT_2PI - (r * (num + P[4])) / (den + Q[4])) / y;
  }
  // exp(−y²/2) split as exp(−ys²/2)·exp(−(y−ys)(y+ys)/2) with ys = y rounded down to 1/16: avoids the rounding
  // error of squaring a large y (Cody's trick).
  const ys = Math.trunc(y * 16) / 16;
  const del = (y - ys) * (y + ys);
  return Math.exp(-0.5 * ys * ys) * Math.exp(-0.5 * del) * ratio;
}

// M. J. Wichura, "Algorithm AS 241: The percentage points of the normal distribution", Applied Statistics 37(3),
// 1988, PPND16: rational approximations with relative error about 1e-16.
const AS241_A = [3.3871328727963666080, 133.14166789178437745, 1971.5909503065514427, 13731.693765509461125,
  45921.953931549871457, 67265.770927008700853, 33430.575583588128105, 2509.0809287301226727] as const;
const AS241_B = [1, 42.313330701600911252, 687.18700749205790830, 5394.1960214247511077, 21213.794301586595867,
  39307.895800092710610, 28729.085735721942674, 5226.4952788528545610] as const;
const AS241_C = [1.42343711074968357734, 4.63033784615654529590, 5.76949722146069140550, 3.64784832476320460504,
  1.27045825245236838258, 0.241780725177450611770, 0.0227238449892691845833, 7.74545014278341407640e-4] as const;
const AS241_D = [1, 2.05319162663775882187, 1.67638483018380384940, 0.689767334985100004550,
  0.148103976427480074590, 0.0151986665636164571966, 5.47593808499534494600e-4, 1.05075007164441684324e-9] as const;
const AS241_E = [6.65790464350110377720, 5.46378491116411436990, 1.78482653991729133580, 0.296560571828504891230,
  0.0265321895265761230930, 0.00124266094738807843860, 2.71155556874348757815e-5, 2.01033439929228813265e-7] as const;
const AS241_F = [1, 0.599832206555887937690, 0.136929880922735805310, 0.0148753612908506148525,
  7.86869131145613259100e-4, 1.84631831751005468180e-5, 1.42151175831644588870e-7, 2.04426310338993978564e-15] as const;

/**
 * Quantile Φ⁻¹(p): the z with Φ(z) = p. Wichura's AS 241 (PPND16), relative error ~1e-16.
 * Returns −∞ at p = 0, +∞ at p = 1 and NaN outside [0, 1].
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return Number.NaN;
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (q * poly(AS241_A, r)) / poly(AS241_B, r);
  }
  let r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  let z: number;
  if (r <= 5) {
    r -= 1.6;
    z = poly(AS241_C, r) / poly(AS241_D, r);
  } else {
    r -= 5;
    z = poly(AS241_E, r) / poly(AS241_F, r);
  }
  return q < 0 ? -z : z;
}

/** Horner evaluation of c[0] + c[1]·x + … + c[7]·x⁷. */
function poly(c: readonly number[], x: number): number {
  let value = c[c.length - 1]!;
  for (let i = c.length - 2; i >= 0; i--) value = value * x + c[i]!;
  return value;
}
