/**
 * Exact budgets by reserve-then-settle. Before an upstream call the request reserves its maximum possible cost
 * against every budget that covers it; a reservation that would take any budget past its limit is refused. After
 * the call the reservation is replaced by the actual cost. Because reservation and check are one synchronous step,
 * concurrent requests can overrun a budget only by what settled costs exceed their reservations.
 */
import type { Currency } from '../config/types.js';
import { periodKey, type Period } from './periods.js';

export interface BudgetScope {
  team?: string;
  key?: string;
  contender?: string;
  race?: string;
}

export interface BudgetDef {
  name: string;
  scope: BudgetScope;
  period: Period;
  /** Limit in nanos of `currency`. */
  limitNanos: number;
  currency: Currency;
  /** Fraction of the limit at which a warning fires once per period, e.g. 0.8. */
  softRatio: number;
  /** Contender to route to once the budget is spent, instead of refusing. */
  downgradeTo: string | null;
  webhook: string | null;
}

export interface SpendContext {
  team: string | null;
  keyId: string | null;
  contender: string;
  race: string | null;
}

export interface BudgetEvent {
  kind: 'soft_threshold' | 'exhausted';
  budget: BudgetDef;
  period: string;
  spentNanos: number;
}

interface Window {
  period: string;
  /** The clock minute (ms / 60,000) `period` was last found current in: within it, the period cannot change. */
  minute: number;
  spent: number;
  reserved: number;
  warned: boolean;
}

export interface Reservation {
  /** Per budget, the nanos (in that budget's currency) held in the period they were reserved in. */
  readonly holds: ReadonlyArray<{ budget: BudgetDef; period: string; nanos: number }>;
  /** Set by a shared backend to find this reservation's hold again at settle. */
  readonly id?: string;
}

export interface BudgetStatus {
  budget: BudgetDef;
  period: string;
  spentNanos: number;
  reservedNanos: number;
}

/**
 * Where the windows live: in this process (`BudgetLedger`) or shared by every replica (the Redis ledger in
 * `cluster/`, one Lua script per reserve or settle). Either may answer synchronously; callers await.
 */
export interface BudgetBackend {
  readonly budgets: readonly BudgetDef[];
  /** Answers over the network: callers ask it alongside the rate limiter, so both share one round trip. */
  readonly shared?: boolean;
  seed(name: string, spentNanos: number): void | Promise<void>;
  reserve(ctx: SpendContext, costNanos: number, currency: Currency, skip?: ReadonlySet<string>): ReserveResult | Promise<ReserveResult>;
  settle(r: Reservation, actualNanos: number, currency: Currency): void | Promise<void>;
  /** Adds spend nothing reserved here (a dead replica's call, logged lost) to the period of `at`. */
  charge(ctx: SpendContext, costNanos: number, currency: Currency, at: number): void | Promise<void>;
  status(): BudgetStatus[] | Promise<BudgetStatus[]>;
}

/** A reservation of nothing on every budget covering `ctx`, in the period of `at`: settling it adds spend only. */
export function emptyHolds(budgets: readonly BudgetDef[], ctx: SpendContext, at: number, timeZone: string): Reservation['holds'] {
  return budgets.filter((b) => covers(b.scope, ctx)).map((budget) => ({ budget, period: periodKey(at, budget.period, timeZone), nanos: 0 }));
}

export type ReserveResult = Reservation | { exceeded: BudgetDef };

/** Units of CNY per one unit of each currency. */
export type FxTable = Readonly<Record<Currency, number>>;

export function convertNanos(nanos: number, from: Currency, to: Currency, fx: FxTable): number {
  return from === to ? nanos : Math.round((nanos * fx[from]) / fx[to]);
}

/** Integer nanos that sums can carry exactly. */
export function isMoney(nanos: number): boolean {
  return Number.isSafeInteger(nanos) && nanos >= 0;
}

export function covers(scope: BudgetScope, ctx: SpendContext): boolean {
  return (
    (scope.team === undefined || scope.team === ctx.team) &&
    (scope.key === undefined || scope.key === ctx.keyId) &&
    (scope.contender === undefined || scope.contender === ctx.contender) &&
    (scope.race === undefined || scope.race === ctx.race)
  );
}

export class BudgetLedger implements BudgetBackend {
  /** Each budget's current window. */
  readonly #windows = new Map<string, Window>();
  /**
   * Each budget's window before the current one: a clock stepped back across the period's start (a corrected clock)
   * finds that period's spend again, and the current one's is kept for when the clock runs on; forgetting either
   * would let the same money be spent twice.
   */
  readonly #earlier = new Map<string, Window>();

  constructor(
    readonly budgets: readonly BudgetDef[],
    readonly opts: { timeZone: string; fx: FxTable; now: () => number; onEvent?: (e: BudgetEvent) => void },
  ) {}

  #window(b: BudgetDef, now: number): Window {
    // A period starts at a local midnight, which is a whole UTC minute in every time zone (periods.ts): a window
    // found current in this clock minute still is, without working out the period's key again.
    const minute = Math.floor(now / 60_000);
    let w = this.#windows.get(b.name);
    if (w?.minute === minute) return w;
    const period = periodKey(now, b.period, this.opts.timeZone);
    if (!w || w.period !== period) {
      const earlier = this.#earlier.get(b.name);
      if (w) this.#earlier.set(b.name, w);
      w = earlier?.period === period ? earlier : { period, minute, spent: 0, reserved: 0, warned: false };
      this.#windows.set(b.name, w);
    }
    w.minute = minute;
    return w;
  }

  /** The window of `period` for a budget, current or the one before, or undefined once both have moved on. */
  #windowOf(name: string, period: string): Window | undefined {
    const w = this.#windows.get(name);
    if (w?.period === period) return w;
    const earlier = this.#earlier.get(name);
    return earlier?.period === period ? earlier : undefined;
  }

  /** Sets what a budget has already spent in the current period (from the request log at start). */
  seed(name: string, spentNanos: number): void {
    const b = this.budgets.find((x) => x.name === name);
    if (b) this.#window(b, this.opts.now()).spent = spentNanos;
  }

  /**
   * Reserves `costNanos` (in `currency`) against every covering budget not in `skip`. Returns the reservation, or
   * the first budget that would be exceeded (nothing is held then).
   */
  reserve(ctx: SpendContext, costNanos: number, currency: Currency, skip?: ReadonlySet<string>): ReserveResult {
    const now = this.opts.now();
    const holds: Array<{ budget: BudgetDef; window: Window; nanos: number }> = [];
    for (const b of this.budgets) {
      if (skip?.has(b.name) || !covers(b.scope, ctx)) continue;
      const w = this.#window(b, now);
      const nanos = convertNanos(costNanos, currency, b.currency, this.opts.fx);
      // A cost that is no money (NaN, infinite, negative, past 2^53) is refused: it would poison the window.
      if (!isMoney(nanos) || w.spent + w.reserved + nanos > b.limitNanos) return { exceeded: b };
      holds.push({ budget: b, window: w, nanos });
    }
    for (const h of holds) h.window.reserved += h.nanos;
    return { holds: holds.map((h) => ({ budget: h.budget, period: h.window.period, nanos: h.nanos })) };
  }

  /**
   * Holds `costNanos` on every covering budget whatever their limits say: for money another process has already
   * committed to (a claim it granted itself while no gateway arbitrated), which the window must count.
   */
  force(ctx: SpendContext, costNanos: number, currency: Currency): Reservation {
    const now = this.opts.now();
    const holds: Array<Reservation['holds'][number]> = [];
    for (const b of this.budgets) {
      if (!covers(b.scope, ctx)) continue;
      const w = this.#window(b, now);
      const nanos = convertNanos(costNanos, currency, b.currency, this.opts.fx);
      if (!isMoney(nanos)) continue;
      w.reserved += nanos;
      holds.push({ budget: b, period: w.period, nanos });
    }
    return { holds };
  }

  /** Replaces a reservation by the actual cost. Fires the soft-threshold and exhaustion events once per period. */
  settle(r: Reservation, actualNanos: number, currency: Currency): void {
    for (const h of r.holds) {
      const b = h.budget;
      // Into the period it was reserved in: the current one, or the one before (the period ended meanwhile, or the
      // clock stepped back). A reservation older than that settles into nothing: its period's spend is in the log.
      const w = this.#windowOf(b.name, h.period);
      if (!w) continue;
      w.reserved -= h.nanos;
      const actual = convertNanos(actualNanos, currency, b.currency, this.opts.fx);
      // Never less than nothing, never a non-number: an unusable figure settles at what was reserved.
      w.spent += isMoney(actual) ? actual : h.nanos;
      if (!w.warned && w.spent >= b.limitNanos * b.softRatio) {
        w.warned = true;
        this.opts.onEvent?.({ kind: 'soft_threshold', budget: b, period: w.period, spentNanos: w.spent });
      }
    }
  }

  /** The first budget of `r` whose spend and holds (r's own included) pass its limit, or null. */
  overLimit(r: Reservation): BudgetDef | null {
    for (const h of r.holds) {
      const w = this.#windowOf(h.budget.name, h.period);
      if (w && w.spent + w.reserved > h.budget.limitNanos) return h.budget;
    }
    return null;
  }

  charge(ctx: SpendContext, costNanos: number, currency: Currency, at: number): void {
    this.settle({ holds: emptyHolds(this.budgets, ctx, at, this.opts.timeZone) }, costNanos, currency);
  }

  /** Current period's spend and holds, for reports and the gauge. */
  status(): BudgetStatus[] {
    const now = this.opts.now();
    return this.budgets.map((b) => {
      const w = this.#window(b, now);
      return { budget: b, period: w.period, spentNanos: w.spent, reservedNanos: w.reserved };
    });
  }
}
