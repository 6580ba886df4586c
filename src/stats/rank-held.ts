/**
 * How firmly each contender holds its place: the share of bootstrap rounds in which its rank among the rated
 * contenders (1 = highest rating in that round) equals its rank by the full-data ratings. Degenerate rounds (a row
 * of NaN) are left out, as they are from the intervals. An interval says how far a rating may move; this says
 * whether the order moves with it — two contenders whose intervals overlap trade places in a large share of rounds.
 */
export interface RankHeld {
  /** Share in [0, 1] per contender; NaN when unrated or when no round was usable. */
  readonly share: Float64Array;
  /** Rounds counted (those with a finite rating for the rated contenders). */
  readonly rounds: number;
}

/** `samples` is row-major `rounds × n` (bootstrapBradleyTerry's), `ratings` the full-data fit (NaN = unrated). */
export function rankHeld(ratings: Float64Array, samples: Float64Array, rounds: number): RankHeld {
  const n = ratings.length;
  const rated: number[] = [];
  for (let v = 0; v < n; v++) if (!Number.isNaN(ratings[v]!)) rated.push(v);
  const pointRank = new Int32Array(n).fill(-1);
  [...rated].sort((x, y) => ratings[y]! - ratings[x]! || x - y).forEach((v, place) => (pointRank[v] = place));
  const held = new Float64Array(n);
  const order = rated.slice();
  let usable = 0;
  for (let round = 0; round < rounds; round++) {
    const row = samples.subarray(round * n, (round + 1) * n);
    if (rated.length === 0 || Number.isNaN(row[rated[0]!]!)) continue;
    usable++;
    // Ties in a round keep the full-data order, so an exact tie never counts as a change of place.
    order.sort((x, y) => row[y]! - row[x]! || pointRank[x]! - pointRank[y]!);
    for (let place = 0; place < order.length; place++) {
      const v = order[place]!;
      if (pointRank[v] === place) held[v] = held[v]! + 1;
    }
  }
  const share = new Float64Array(n).fill(Number.NaN);
  if (usable > 0) for (const v of rated) share[v] = held[v]! / usable;
  return { share, rounds: usable };
}
