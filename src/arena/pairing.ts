/**
 * Informative pairing: which two contenders the next battle should compare. A battle between i and j carries
 * Fisher information p(1−p) about r_i − r_j (p the predicted chance that i wins), largest for close ratings; and a
 * pair's n-th battle narrows its interval less than its first (width ∝ 1/√n). So:
 *  1. while some pair has fewer than `warmup` battles, pick uniformly among the pairs with the fewest battles;
 *  2. then sample a pair with probability ∝ 4·p(1−p)/√(1+n) (1/√(1+n) for pairs without two ratings).
 * Sampling rather than taking the best pair keeps every pair in play and keeps the choice unpredictable to voters.
 */
export interface PairingInput {
  /** Candidate contenders, at least two. */
  names: readonly string[];
  /** Battles fought so far between two names (order-free). */
  battles(a: string, b: string): number;
  /** Current Elo-scale rating, NaN or undefined when unrated. */
  rating(name: string): number | undefined;
  random: () => number;
  /** Default 10. */
  warmup?: number;
}

export function choosePair(input: PairingInput): [string, string] {
  const { names, random } = input;
  if (names.length < 2) throw new RangeError('pairing needs at least two contenders');
  const pairs: Array<{ a: string; b: string; n: number; w: number }> = [];
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      const a = names[i]!;
      const b = names[j]!;
      const n = input.battles(a, b);
      const ra = input.rating(a);
      const rb = input.rating(b);
      const p = ra === undefined || rb === undefined || Number.isNaN(ra) || Number.isNaN(rb) ? 0.5 : 1 / (1 + 10 ** ((rb - ra) / 400));
      pairs.push({ a, b, n, w: (4 * p * (1 - p)) / Math.sqrt(1 + n) });
    }
  }
  const fewest = Math.min(...pairs.map((p) => p.n));
  let pool = fewest < (input.warmup ?? 10) ? pairs.filter((p) => p.n === fewest).map((p) => ({ ...p, w: 1 })) : pairs;
  let total = pool.reduce((s, p) => s + p.w, 0);
  // Ratings so far apart that every p rounds to 0 or 1: fall back to uniform rather than always the last pair.
  if (!(total > 0)) {
    pool = pool.map((p) => ({ ...p, w: 1 }));
    total = pool.length;
  }
  let u = random() * total;
  let chosen = pool[pool.length - 1]!;
  for (const p of pool) {
    u -= p.w;
    if (u < 0) {
      chosen = p;
      break;
    }
  }
  // Which side is "a" carries no meaning for the fit; randomising it keeps positions balanced for judges and voters.
  return random() < 0.5 ? [chosen.a, chosen.b] : [chosen.b, chosen.a];
}
