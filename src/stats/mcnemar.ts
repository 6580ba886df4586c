/**
 * McNemar's test for paired binary outcomes, in its exact (conditional binomial) form. Of n pairs, only the
 * discordant ones carry information: b = pairs where the first condition succeeded and the second failed, c = the
 * reverse. Under H0 (both conditions equally likely to succeed) b ~ Binomial(b + c, ½).
 * Exact two-sided p = min(1, 2·P(X ≤ min(b, c))); mid-p subtracts half the probability of the observed count
 * (Fagerland, Lydersen & Laake 2013, "The McNemar test for binary matched-pairs data: mid-p and asymptotic are
 * better than exact conditional", BMC Medical Research Methodology 13:91, eqs. 3–4).
 */

export interface McNemarResult {
  /** First succeeded, second failed. */
  readonly b: number;
  /** First failed, second succeeded. */
  readonly c: number;
  /** Discordant pairs, b + c. */
  readonly discordant: number;
  /** Exact conditional two-sided p-value. 1 when there is no discordant pair. */
  readonly pValue: number;
  /** Mid-p two-sided p-value (less conservative; not exact, but closer to nominal size). */
  readonly midP: number;
  /** One-sided exact p-value for "the first condition succeeds more often": P(X ≥ b). */
  readonly pGreater: number;
}

/**
 * @example mcnemarExact(1, 7).pValue // 0.0703 = 2·(1 + 8)/2⁸ (Fagerland et al. 2013, worked example)
 */
export function mcnemarExact(b: number, c: number): McNemarResult {
  if (!Number.isInteger(b) || !Number.isInteger(c) || b < 0 || c < 0) throw new RangeError(`b and c must be non-negative integers (got ${b}, ${c})`);
  const n = b + c;
  if (n === 0) return { b, c, discordant: 0, pValue: 1, midP: 1, pGreater: 1 };
  const logPmf = binomialHalfLogPmf(n);
  const m = Math.min(b, c);
  const tail = sumExp(logPmf, 0, m);
  const atM = Math.exp(logPmf[m]!);
  // P(X ≥ b) = P(X ≤ c) by the symmetry of Binomial(n, ½).
  const pGreater = Math.min(1, sumExp(logPmf, 0, c));
  return {
    b,
    c,
    discordant: n,
    pValue: Math.min(1, 2 * tail),
    midP: Math.min(1, 2 * (tail - atM / 2)),
    pGreater,
  };
}

/** ln P(X = i) for X ~ Binomial(n, ½), i = 0..n, by the ratio recurrence P(i)/P(i−1) = (n−i+1)/i. */
function binomialHalfLogPmf(n: number): Float64Array {
  const out = new Float64Array(n + 1);
  out[0] = -n * Math.LN2;
  for (let i = 1; i <= n; i++) out[i] = out[i - 1]! + Math.log((n - i + 1) / i);
  return out;
}

/** Σ exp(v[i]) for i in [from, to], scaled by the largest term so tiny tails do not underflow to 0 early. */
function sumExp(v: Float64Array, from: number, to: number): number {
  let max = -Infinity;
  for (let i = from; i <= to; i++) max = Math.max(max, v[i]!);
  if (max === -Infinity) return 0;
  let s = 0;
  for (let i = from; i <= to; i++) s += Math.exp(v[i]! - max);
  return s * Math.exp(max);
}
