/**
 * Per-user sums of one arm's metrics in one evidence window, kept across monitor ticks, and the user-level moments
 * the delta method needs (`stats/ratio.ts`): units, ΣY, ΣN, ΣY², ΣN², ΣYN, ΣN³ per metric. A user's Yᵢ and Nᵢ grow
 * as their requests and ratings arrive; ΣY² is not additive over time, so the book keeps each user's running sums
 * and moves the arm's moments by the difference when a user's sums change: O(1) per (user, tick), never a pass
 * over every user.
 *
 * Rows without a user are units of their own: their moments come from the store with per-row squares and are
 * simply added (`addIndependent`).
 */
import { NO_RATIO_MOMENTS, type RatioMoments } from '../stats/index.js';

/** The metrics a race tests, as ratios of per-user sums: Y over N. */
export const UNIT_METRICS = ['errors', 'logLatency', 'logTtft', 'cost', 'feedback', 'judge'] as const;
export type UnitMetric = (typeof UNIT_METRICS)[number];
/** One arm's user-level moments per metric (`errors`: Y = errors and truncations, N = requests). */
export type UnitEvidence = Readonly<Record<UnitMetric, RatioMoments>>;

export const METRIC_INDEX: Readonly<Record<UnitMetric, number>> = Object.freeze({ errors: 0, logLatency: 1, logTtft: 2, cost: 3, feedback: 4, judge: 5 });
const M = UNIT_METRICS.length;
/** Fields of a metric's moments in the flat arrays: units, y, n, yy, nn, yn, nnn. */
const F = 7;

export const NO_UNITS: UnitEvidence = Object.freeze(Object.fromEntries(UNIT_METRICS.map((m) => [m, NO_RATIO_MOMENTS])) as Record<UnitMetric, RatioMoments>);

export class UnitBook {
  /** User → slot; a slot holds the user's (Y, N) per metric at `slot·2M`. */
  readonly #slots = new Map<string, number>();
  #sums = new Float64Array(2 * M * 256);
  /** Moments over users (`#users`) and over rows without a user (`#independent`), F fields per metric. */
  readonly #users = new Float64Array(F * M);
  readonly #independent = new Float64Array(F * M);

  get userCount(): number {
    return this.#slots.size;
  }

  /** Adds y and n to one user's sums of `metric` (index in UNIT_METRICS). */
  add(user: string, metric: number, y: number, n: number): void {
    if (y === 0 && n === 0) return;
    this.addAt(this.slot(user), metric, y, n);
  }

  /** `add` for a user's slot (see `slot`), to look a user up once for several metrics. */
  addAt(slot: number, metric: number, y: number, n: number): void {
    const at = slot + 2 * metric;
    const y0 = this.#sums[at]!;
    const n0 = this.#sums[at + 1]!;
    this.#sums[at] = y0 + y;
    this.#sums[at + 1] = n0 + n;
    move(this.#users, metric, y0, n0, y0 + y, n0 + n);
  }

  /** Adds `count` observations that are each their own unit, with Σx and Σx². */
  addIndependent(metric: number, count: number, sum: number, sumSquares: number): void {
    if (count === 0) return;
    const o = metric * F;
    const a = this.#independent;
    a[o]! += count;
    a[o + 1]! += sum;
    a[o + 2]! += count;
    a[o + 3]! += sumSquares;
    a[o + 4]! += count;
    a[o + 5]! += sum;
    a[o + 6]! += count;
  }

  /** The arm's user-level moments per metric, units without a user included. */
  view(): UnitEvidence {
    const users = this.#users;
    const independent = this.#independent;
    const out = {} as Record<UnitMetric, RatioMoments>;
    for (let m = 0; m < M; m++) {
      const o = m * F;
      out[UNIT_METRICS[m]!] = {
        units: users[o]! + independent[o]!, y: users[o + 1]! + independent[o + 1]!, n: users[o + 2]! + independent[o + 2]!,
        yy: users[o + 3]! + independent[o + 3]!, nn: users[o + 4]! + independent[o + 4]!, yn: users[o + 5]! + independent[o + 5]!,
        nnn: users[o + 6]! + independent[o + 6]!,
      };
    }
    return out;
  }

  /** Where a user's sums are kept (allocated on first sight). */
  slot(user: string): number {
    let slot = this.#slots.get(user);
    if (slot !== undefined) return slot;
    slot = this.#slots.size * 2 * M;
    if (slot + 2 * M > this.#sums.length) {
      const grown = new Float64Array(this.#sums.length * 2);
      grown.set(this.#sums);
      this.#sums = grown;
    }
    this.#slots.set(user, slot);
    return slot;
  }
}

/** Moves a user's contribution to `metric`'s moments from (y0, n0) to (y1, n1); a unit counts once it has N > 0. */
function move(a: Float64Array, metric: number, y0: number, n0: number, y1: number, n1: number): void {
  const o = metric * F;
  a[o]! += (n1 > 0 ? 1 : 0) - (n0 > 0 ? 1 : 0);
  a[o + 1]! += y1 - y0;
  a[o + 2]! += n1 - n0;
  a[o + 3]! += y1 * y1 - y0 * y0;
  a[o + 4]! += n1 * n1 - n0 * n0;
  a[o + 5]! += y1 * n1 - y0 * n0;
  a[o + 6]! += n1 * n1 * n1 - n0 * n0 * n0;
}
