/**
 * Battles → per-pair counts, the sufficient statistics of the plain Bradley–Terry likelihood.
 *
 * Chatbot Arena (FastChat `preprocess_for_bt`) keeps one weighted row per distinct (a, b, outcome) and scores a tie
 * as outcome 0.5. In the log-likelihood a tie row is then exactly half a win each way, and the orientation of a pair
 * does not matter, so win counts per ordered pair plus tie counts per unordered pair carry all the information. Ties
 * stay a separate count (rather than being folded into half-wins) because the bootstrap resamples *battles*: one tie
 * is one draw of the multinomial, not two independent half-draws.
 */

/** Outcome from model a's side. Both tie kinds score half a win each way, as in FastChat. */
export type BattleOutcome = 'a' | 'b' | 'tie' | 'tie_bothbad';

/** One vote between two contenders, identified by index in `0 … nModels−1`. */
export interface Battle {
  readonly a: number;
  readonly b: number;
  readonly outcome: BattleOutcome;
}

/** Aggregated battles over `n` contenders; matrices are row-major `n × n`. */
export interface PairCounts {
  readonly n: number;
  /** `wins[i*n+j]`: decisive wins of i over j. */
  readonly wins: Float64Array;
  /** `ties[i*n+j]` for i < j only (the lower triangle stays 0): ties of either kind between i and j. */
  readonly ties: Float64Array;
  /** Number of battles aggregated. */
  readonly total: number;
}

/** Counts the battles per pair. Throws RangeError on an index outside `0 … nModels−1` or a self-battle. */
export function aggregateBattles(battles: Iterable<Battle>, nModels: number): PairCounts {
  if (!Number.isInteger(nModels) || nModels < 0) throw new RangeError(`nModels must be a non-negative integer, got ${nModels}`);
  const n = nModels;
  const wins = new Float64Array(n * n);
  const ties = new Float64Array(n * n);
  let total = 0;
  for (const { a, b, outcome } of battles) {
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0 || a >= n || b >= n) {
      throw new RangeError(`battle ${total}: model index out of range 0…${n - 1} (a=${a}, b=${b})`);
    }
    if (a === b) throw new RangeError(`battle ${total}: a contender cannot battle itself (index ${a})`);
    switch (outcome) {
      case 'a': wins[a * n + b] = wins[a * n + b]! + 1; break;
      case 'b': wins[b * n + a] = wins[b * n + a]! + 1; break;
      case 'tie':
      case 'tie_bothbad': {
        const k = a < b ? a * n + b : b * n + a;
        ties[k] = ties[k]! + 1;
        break;
      }
      default: throw new RangeError(`battle ${total}: unknown outcome ${String(outcome satisfies never)}`);
    }
    total++;
  }
  return { n, wins, ties, total };
}

/** The pairs that met at least once, i < j, with their counts as parallel arrays. */
export interface PairList {
  readonly i: Int32Array;
  readonly j: Int32Array;
  readonly winsIJ: Float64Array;
  readonly winsJI: Float64Array;
  readonly ties: Float64Array;
}

export function pairList(counts: PairCounts): PairList {
  const { n, wins, ties } = counts;
  const is: number[] = [];
  const js: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (wins[i * n + j]! + wins[j * n + i]! + ties[i * n + j]! > 0) { is.push(i); js.push(j); }
    }
  }
  const m = is.length;
  const out = { i: Int32Array.from(is), j: Int32Array.from(js), winsIJ: new Float64Array(m), winsJI: new Float64Array(m), ties: new Float64Array(m) };
  for (let k = 0; k < m; k++) {
    const i = is[k]!;
    const j = js[k]!;
    out.winsIJ[k] = wins[i * n + j]!;
    out.winsJI[k] = wins[j * n + i]!;
    out.ties[k] = ties[i * n + j]!;
  }
  return out;
}

/** Battles each contender took part in. */
export function battlesPerModel(counts: PairCounts): Float64Array {
  const { n, wins, ties } = counts;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const c = wins[i * n + j]! + (i < j ? ties[i * n + j]! : 0);
      out[i] = out[i]! + c;
      out[j] = out[j]! + c;
    }
  }
  return out;
}

/**
 * Observed win fraction of i against j, `(wins + ties/2) / battles` (FastChat `compute_pairwise_win_fraction`
 * scores ties the same way). NaN on the diagonal and for pairs that never met.
 */
export function observedWinRates(counts: PairCounts): Float64Array {
  const { n, wins, ties } = counts;
  const out = new Float64Array(n * n).fill(Number.NaN);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const t = ties[Math.min(i, j) * n + Math.max(i, j)]!;
      const played = wins[i * n + j]! + wins[j * n + i]! + t;
      if (played > 0) out[i * n + j] = (wins[i * n + j]! + t / 2) / played;
    }
  }
  return out;
}
