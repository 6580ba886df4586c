/**
 * Seeded multinomial resampling of aggregated counts: the bootstrap Chatbot Arena runs
 * (`rng.multinomial(n=N, pvals=w/N)` over the distinct (a, b, outcome) rows, FastChat `compute_bootstrap_bt`)
 * without expanding N battles. One multinomial draw is a chain of conditional binomials, each O(1) expected time,
 * so a round costs O(categories), not O(battles).
 */

/** A uniform generator on [0, 1). */
export type Uniform = () => number;

export { mulberry32 } from './mulberry32.js';

/**
 * One Binomial(n, p) variate: inversion when n·min(p, 1−p) < 10, otherwise Hörmann's BTRD
 * ("The generation of binomial random variates", J. Stat. Comput. Simul. 46, 1993), exact in distribution.
 */
export function binomial(n: number, p: number, rand: Uniform): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomial(n, 1 - p, rand);
  return n * p < 10 ? inversion(n, p, rand) : btrd(n, p, rand);
}

/**
 * Multinomial(total, counts/Σcounts) into `out`: x_k ~ Binomial(left, counts_k / Σ_{l≥k} counts_l). With integer
 * counts the remaining mass is exact, and the last non-empty category takes whatever is left.
 */
export function multinomial(total: number, counts: Float64Array, out: Float64Array, rand: Uniform): void {
  let mass = 0;
  for (const c of counts) mass += c;
  let left = total;
  for (let k = 0; k < counts.length; k++) {
    const c = counts[k]!;
    if (left === 0 || c === 0) { out[k] = 0; continue; }
    const x = c >= mass ? left : binomial(left, c / mass, rand);
    out[k] = x;
    left -= x;
    mass -= c;
  }
}

function inversion(n: number, p: number, rand: Uniform): number {
  const q = 1 - p;
  const s = p / q;
  const a = (n + 1) * s;
  const start = Math.exp(n * Math.log1p(-p));
  // Rounding can leave Σ pmf a hair below u; rather than walk the zero tail, restart past a bound no draw reaches.
  const bound = Math.min(n, Math.ceil(n * p + 40 * Math.sqrt(n * p * q) + 40));
  for (;;) {
    let r = start;
    let u = rand();
    let x = 0;
    while (u > r && x <= bound) {
      u -= r;
      x++;
      r *= a / x - s;
    }
    if (x <= bound) return x;
  }
}

/** Stirling correction ln k! − [(k+½)ln(k+1) − (k+1) + ½ln 2π], tabulated below 10 (BTRD's fc). */
const FC = [
  0.08106146679532726, 0.04134069595540929, 0.02767792568499834, 0.02079067210376509, 0.01664469118982119,
  0.01387612882307075, 0.01189670994589177, 0.01041126526197209, 0.009255462182712733, 0.008330563433362871,
];
function fc(k: number): number {
  if (k < 10) return FC[k]!;
  const r = 1 / (k + 1);
  const r2 = r * r;
  return (1 / 12 - (1 / 360 - r2 / 1260) * r2) * r;
}

/** BTRD for n·p ≥ 10, p ≤ ½: transformed rejection with a decomposition, squeeze, then the exact pmf ratio. */
function btrd(n: number, p: number, rand: Uniform): number {
  const q = 1 - p;
  const npq = n * p * q;
  const spq = Math.sqrt(npq);
  const b = 1.15 + 2.53 * spq;
  const a = -0.0873 + 0.0248 * b + 0.01 * p;
  const c = n * p + 0.5;
  const vr = 0.92 - 4.2 / b;
  const urvr = 0.86 * vr;
  const alpha = (2.83 + 5.1 / b) * spq;
  const m = Math.floor((n + 1) * p);
  const r = p / q;
  const nr = (n + 1) * r;
  for (;;) {
    let v = rand();
    let u: number;
    if (v <= urvr) {
      u = v / vr - 0.43;
      return Math.floor(((2 * a) / (0.5 - Math.abs(u)) + b) * u + c);
    }
    if (v >= vr) {
      u = rand() - 0.5;
    } else {
      u = v / vr - 0.93;
      u = Math.sign(u) * 0.5 - u;
      v = rand() * vr;
    }
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + c);
    if (k < 0 || k > n) continue;
    v = (v * alpha) / (a / (us * us) + b);
    const km = Math.abs(k - m);
    if (km <= 15) {
      // Recursive evaluation of f(k)/f(m).
      let f = 1;
      if (m < k) for (let i = m + 1; i <= k; i++) f *= nr / i - r;
      else if (m > k) for (let i = k + 1; i <= m; i++) v *= nr / i - r;
      if (v <= f) return k;
      continue;
    }
    v = Math.log(v);
    const rho = (km / npq) * (((km / 3 + 0.625) * km + 1 / 6) / npq + 0.5);
    const t = (-km * km) / (2 * npq);
    if (v < t - rho) return k;
    if (v > t + rho) continue;
    const nm = n - m + 1;
    const h = (m + 0.5) * Math.log((m + 1) / (r * nm)) + fc(m) + fc(n - m);
    const nk = n - k + 1;
    if (v <= h + (n + 1) * Math.log(nm / nk) + (k + 0.5) * Math.log((nk * r) / (k + 1)) - fc(k) - fc(n - k)) return k;
  }
}
