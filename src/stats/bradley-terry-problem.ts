import { pairList, type PairCounts } from './bradley-terry-counts.js';
import { strongComponents } from './bradley-terry-graph.js';

/**
 * The fit restricted to the contenders that can be rated: the largest group in which everyone is reachable from
 * everyone through "scored against" edges (see bradley-terry-graph.ts). Indices in `p`/`q` are compact
 * (positions in `rated`); `rated` maps them back to contender indices.
 */
export interface RatedProblem {
  readonly n: number;
  /** Rated contender indices, ascending. */
  readonly rated: Int32Array;
  readonly p: Int32Array;
  readonly q: Int32Array;
  readonly winsPQ: Float64Array;
  readonly winsQP: Float64Array;
  readonly ties: Float64Array;
}

export function ratedProblem(counts: PairCounts): RatedProblem {
  const { n } = counts;
  const pairs = pairList(counts);
  const comp = strongComponents(n, pairs.i, pairs.j, credit(pairs.winsIJ, pairs.ties), credit(pairs.winsJI, pairs.ties));
  const size = new Int32Array(n);
  for (const c of comp) size[c] = size[c]! + 1;
  // Largest component; on equal sizes the one holding the lowest contender index, so the choice is deterministic.
  let best = -1;
  for (let v = 0; v < n; v++) {
    const c = comp[v]!;
    if (size[c]! >= 2 && (best < 0 || size[c]! > size[best]!)) best = c;
  }
  const compact = new Int32Array(n).fill(-1);
  const rated: number[] = [];
  for (let v = 0; v < n; v++) {
    if (comp[v] === best) { compact[v] = rated.length; rated.push(v); }
  }
  const keep: number[] = [];
  for (let k = 0; k < pairs.i.length; k++) {
    if (compact[pairs.i[k]!]! >= 0 && compact[pairs.j[k]!]! >= 0) keep.push(k);
  }
  const pick = (src: Float64Array) => Float64Array.from(keep, (k) => src[k]!);
  return {
    n,
    rated: Int32Array.from(rated),
    p: Int32Array.from(keep, (k) => compact[pairs.i[k]!]!),
    q: Int32Array.from(keep, (k) => compact[pairs.j[k]!]!),
    winsPQ: pick(pairs.winsIJ),
    winsQP: pick(pairs.winsJI),
    ties: pick(pairs.ties),
  };
}

/** Win credit: decisive wins plus half of the ties. */
export function credit(wins: Float64Array, ties: Float64Array): Float64Array {
  const out = new Float64Array(wins.length);
  for (let k = 0; k < wins.length; k++) out[k] = wins[k]! + ties[k]! / 2;
  return out;
}
