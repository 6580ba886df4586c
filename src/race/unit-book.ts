/**
 * Per-user sums of one arm's metrics in one evidence window, kept across monitor ticks, and the user-level moments
 * the delta method needs (`stats/ratio.ts`): units, ΣY, ΣN, ΣY², ΣN², ΣYN, ΣN³ per metric. A user's Yᵢ and Nᵢ grow
 * as their requests and ratings arrive; ΣY² is not additive over time, so the book keeps each user's running sums
 * and moves the arm's moments by the difference when a user's sums change: O(1) per (user, tick), never a pass
 * over every user.
 *
 * Rows without a user are units of their own: their moments come from the store with per-row squares and are
 * simply added (`addIndependent`).
 *
 * Memory is bounded: a book keeps at most `MAX_BOOK_SLOTS` (65,536) slots, 18 doubles each (144 bytes) plus the
 * user's key in a map — about 9 MB of sums and, with 16-character keys, about 13 MB in all per arm and window. A
 * user first seen once the book is full shares the slot `cyrb53(user) mod 65,536` with the users already there:
 * that slot is then one unit made of several users. Units that are groups of users, fixed by a hash and not by
 * what they did, are still independent units of the randomisation (each user sits in one lane, so the whole group
 * does too) — the analysis stays valid and merely sees fewer units, as bucketed experiment platforms do.
 *
 * Pre-race covariates (CUPED, see `stats/ratio.ts`): a book made with a `Covariates` source asks it once per user,
 * when the user is first seen, for the user's own pre-race rate of every metric (centred on everyone's, 0 without
 * history) and keeps it in the user's slot; the arm's moments then also carry ΣZ, ΣZ², ΣYZ, ΣNZ with Zᵢ = Nᵢ·xᵢ,
 * moved by the difference like the rest. A shared slot keeps the covariate of the user who opened it: still a
 * value fixed before assignment, so still a valid covariate.
 *
 * A user's weight is capped (`requestCap`, the race's `user_request_cap`): past c observations of a metric in the
 * window, the user enters the moments as (Y·c/N, c) — their own rate, at the weight of c observations. With a heavy
 * tail of activity one user would otherwise hold a fifth of an arm's weight, and the arm would be worth a handful of
 * users however many it has (see `stats/ratio.ts`). The book keeps each user's true sums and moves the moments by
 * the difference of the capped values, still O(1) per (user, tick).
 */
import { NO_RATIO_MOMENTS, type RatioMoments } from '../stats/index.js';
import { cyrb53 } from './stable-hash.js';

/** Most slots (users, or groups of users past the bound) one book keeps. */
export const MAX_BOOK_SLOTS = 65_536;

/** The metrics a race tests, as ratios of per-user sums: Y over N. */
export const UNIT_METRICS = ['errors', 'logLatency', 'logTtft', 'cost', 'feedback', 'judge'] as const;
export type UnitMetric = (typeof UNIT_METRICS)[number];
/** One arm's user-level moments per metric (`errors`: Y = errors and truncations, N = requests). */
export type UnitEvidence = Readonly<Record<UnitMetric, RatioMoments>>;

export const METRIC_INDEX: Readonly<Record<UnitMetric, number>> = Object.freeze({ errors: 0, logLatency: 1, logTtft: 2, cost: 3, feedback: 4, judge: 5 });
const M = UNIT_METRICS.length;
/** Fields of a metric's moments in the flat arrays: units, y, n, yy, nn, yn, nnn, then the covariate's z, zz, yz, nz. */
const F = 11;
/** Doubles per slot and metric: Y, N and the covariate x. */
const S = 3;

/**
 * A user's pre-race covariates, one per metric in `UNIT_METRICS` order (centred: the user's own pre-race rate minus
 * the pooled one; 0 or NaN for none), or null when the user has no history.
 */
export type Covariates = (user: string) => ArrayLike<number> | null;

export const NO_UNITS: UnitEvidence = Object.freeze(Object.fromEntries(UNIT_METRICS.map((m) => [m, NO_RATIO_MOMENTS])) as Record<UnitMetric, RatioMoments>);

export class UnitBook {
  /** User → slot; a slot holds the user's (Y, N, x) per metric at `slot·3M`. */
  readonly #slots = new Map<string, number>();
  #sums = new Float64Array(S * M * 256);
  /** Moments over users (`#users`) and over rows without a user (`#independent`), F fields per metric. */
  readonly #users = new Float64Array(F * M);
  readonly #independent = new Float64Array(F * M);

  readonly #maxSlots: number;
  readonly #covariates: Covariates | null;
  /** Most observations one user weighs per metric; Infinity: no cap. */
  readonly #cap: number;
  #adjusted: boolean;

  /**
   * @param maxSlots the bound on slots (tests lower it to see the bound at work).
   * @param covariates where a user's pre-race covariates come from (see `Covariates`); none: no adjustment.
   * @param requestCap most observations of a metric one user weighs (see the header); 0: no cap.
   */
  constructor(maxSlots = MAX_BOOK_SLOTS, covariates: Covariates | null = null, requestCap = 0) {
    if (!(Number.isInteger(maxSlots) && maxSlots > 0)) throw new RangeError('UnitBook needs a positive integer maxSlots');
    if (!(Number.isFinite(requestCap) && requestCap >= 0)) throw new RangeError('UnitBook needs a finite requestCap >= 0');
    this.#maxSlots = maxSlots;
    this.#covariates = covariates;
    this.#cap = requestCap > 0 ? requestCap : Infinity;
    this.#adjusted = covariates !== null;
  }

  /** Distinct users given a slot of their own (at most the bound). */
  get userCount(): number {
    return this.#slots.size;
  }

  /** Bytes held by the sums (the map of keys comes on top). */
  get sumsBytes(): number {
    return this.#sums.byteLength;
  }

  /** Adds y and n to one user's sums of `metric` (index in UNIT_METRICS). */
  add(user: string, metric: number, y: number, n: number): void {
    if (y === 0 && n === 0) return;
    this.addAt(this.slot(user), metric, y, n);
  }

  /** `add` for a user's slot (see `slot`), to look a user up once for several metrics. */
  addAt(slot: number, metric: number, y: number, n: number): void {
    const at = slot + S * metric;
    const y0 = this.#sums[at]!;
    const n0 = this.#sums[at + 1]!;
    this.#sums[at] = y0 + y;
    this.#sums[at + 1] = n0 + n;
    this.#move(metric, y0, n0, y0 + y, n0 + n, this.#sums[at + 2]!);
  }

  /** `move` of a user's capped contribution (see the header). */
  #move(metric: number, y0: number, n0: number, y1: number, n1: number, x: number): void {
    const c = this.#cap;
    if (n0 > c) { y0 *= c / n0; n0 = c; }
    if (n1 > c) { y1 *= c / n1; n1 = c; }
    move(this.#users, metric, y0, n0, y1, n1, x);
  }

  /**
   * Sets the pre-race covariate of the user at `slot` for `metric` (centred, see `Covariates`); the user's sums so
   * far are moved to it. For callers that know covariates up front (the simulator); the monitor passes a source.
   */
  setCovariateAt(slot: number, metric: number, x: number): void {
    const at = slot + S * metric;
    const y = this.#sums[at]!;
    const n = this.#sums[at + 1]!;
    const value = Number.isFinite(x) ? x : 0;
    this.#adjusted = true;
    if (n !== 0 || y !== 0) {
      this.#move(metric, y, n, 0, 0, this.#sums[at + 2]!);
      this.#move(metric, 0, 0, y, n, value);
    }
    this.#sums[at + 2] = value;
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
    // No user, no history: covariate 0, so z, zz, yz and nz gain nothing.
  }

  /** The arm's user-level moments per metric, units without a user included. */
  view(): UnitEvidence {
    const users = this.#users;
    const independent = this.#independent;
    const out = {} as Record<UnitMetric, RatioMoments>;
    for (let m = 0; m < M; m++) {
      const o = m * F;
      const base: RatioMoments = {
        units: users[o]! + independent[o]!, y: users[o + 1]! + independent[o + 1]!, n: users[o + 2]! + independent[o + 2]!,
        yy: users[o + 3]! + independent[o + 3]!, nn: users[o + 4]! + independent[o + 4]!, yn: users[o + 5]! + independent[o + 5]!,
        nnn: users[o + 6]! + independent[o + 6]!,
      };
      out[UNIT_METRICS[m]!] = this.#adjusted
        ? { ...base, z: users[o + 7]!, zz: users[o + 8]!, yz: users[o + 9]!, nz: users[o + 10]! }
        : base;
    }
    return out;
  }

  /** Where a user's sums are kept (allocated on first sight; once the book is full, a slot shared by hash). */
  slot(user: string): number {
    let slot = this.#slots.get(user);
    if (slot !== undefined) return slot;
    if (this.#slots.size >= this.#maxSlots) return (cyrb53(user) % this.#maxSlots) * S * M;
    slot = this.#slots.size * S * M;
    if (slot + S * M > this.#sums.length) {
      const grown = new Float64Array(this.#sums.length * 2);
      grown.set(this.#sums);
      this.#sums = grown;
    }
    this.#slots.set(user, slot);
    const x = this.#covariates?.(user);
    if (x) for (let m = 0; m < M && m < x.length; m++) this.#sums[slot + S * m + 2] = Number.isFinite(x[m]) ? x[m]! : 0;
    return slot;
  }
}

/**
 * Moves a user's contribution to `metric`'s moments from (y0, n0) to (y1, n1), x the user's covariate (Z = N·x);
 * a unit counts once it has N > 0.
 */
function move(a: Float64Array, metric: number, y0: number, n0: number, y1: number, n1: number, x: number): void {
  const o = metric * F;
  a[o]! += (n1 > 0 ? 1 : 0) - (n0 > 0 ? 1 : 0);
  a[o + 1]! += y1 - y0;
  a[o + 2]! += n1 - n0;
  a[o + 3]! += y1 * y1 - y0 * y0;
  a[o + 4]! += n1 * n1 - n0 * n0;
  a[o + 5]! += y1 * n1 - y0 * n0;
  a[o + 6]! += n1 * n1 * n1 - n0 * n0 * n0;
  if (x === 0) return;
  const dnn = n1 * n1 - n0 * n0;
  a[o + 7]! += (n1 - n0) * x;
  a[o + 8]! += dnn * x * x;
  a[o + 9]! += (y1 * n1 - y0 * n0) * x;
  a[o + 10]! += dnn * x;
}
