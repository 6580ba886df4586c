/**
 * Budgets shared by every replica, with the same reserve-then-settle contract as `BudgetLedger`: one Lua script
 * checks every covering budget and reserves on all of them or on none, so N replicas overrun a budget by no more
 * than one process would (what settled costs exceed their reservations). Periods and time zones are computed
 * exactly as in memory; each budget period is one Redis hash `{spent, reserved, warned}`.
 */
import { randomUUID } from 'node:crypto';
import type { Config, Currency } from '../config/types.js';
import {
  convertNanos, covers, emptyHolds, type BudgetBackend, type BudgetDef, type BudgetEvent, type BudgetStatus, type FxTable, type Reservation, type ReserveResult,
  type SpendContext,
} from '../metering/budgets.js';
import { periodKey, periodStart } from '../metering/periods.js';
import { clusterUnavailable } from './cluster-unavailable.js';
import type { Counters } from './counters.js';
import type { SpentSince } from './logged-spend.js';
import { integers } from './lua-script.js';

const DAY = 86_400_000;

export interface RedisBudgetsOptions {
  timeZone: string;
  fx: FxTable;
  now: () => number;
  onEvent?: (e: BudgetEvent) => void;
  /**
   * How long a reservation is held without a settle before it is released: longer than any request can run
   * (see `longestRequestMs`). Only a replica that died mid-request leaves a hold to run out.
   */
  holdMs: number;
  /** Spend since a moment from the request log, to seed a window Redis does not have; without it, zero. */
  spentSince?: SpentSince;
}

export class RedisBudgets implements BudgetBackend {
  readonly shared = true;
  /** The last spend this replica saw per budget, for the Prometheus gauge (which cannot wait on Redis). */
  readonly #seen = new Map<string, BudgetStatus>();

  constructor(
    readonly counters: Counters,
    readonly prefix: string,
    readonly budgets: readonly BudgetDef[],
    readonly opts: RedisBudgetsOptions,
  ) {
    this.#settled = counters.gather(() => this.#sendSettles());
  }

  /** Reservation ids: unique across replicas (a random prefix per process) without a random draw per request. */
  readonly #idPrefix = randomUUID().slice(0, 13);
  #idCount = 0;

  #reservationId(): string {
    return `${this.#idPrefix}${(this.#idCount++).toString(36)}`;
  }

  /** The last period's two keys per budget: built once a period, not once a request. */
  readonly #periodKeys = new Map<string, { period: string; keys: readonly [string, string] }>();

  #key(b: BudgetDef, period: string): string {
    return this.#windowKeys(b, period)[0];
  }

  #windowKeys(b: BudgetDef, period: string): readonly [string, string] {
    const hit = this.#periodKeys.get(b.name);
    if (hit && hit.period === period) return hit.keys;
    const w = `${this.prefix}budget:${b.name}:${period}`;
    const keys = [w, `${w}:holds`] as const;
    this.#periodKeys.set(b.name, { period, keys });
    return keys;
  }

  #keys(holds: Reservation['holds']): string[] {
    const out: string[] = [];
    for (const h of holds) {
      const [w, held] = this.#windowKeys(h.budget, h.period);
      out.push(w, held);
    }
    return out;
  }

  async seed(name: string, spentNanos: number): Promise<void> {
    const b = this.budgets.find((x) => x.name === name);
    if (!b) return;
    await this.counters.call('budgets.seed', [this.#key(b, periodKey(this.opts.now(), b.period, this.opts.timeZone))], [Math.round(spentNanos), ttl(b)]);
  }

  async reserve(ctx: SpendContext, costNanos: number, currency: Currency, skip?: ReadonlySet<string>): Promise<ReserveResult> {
    const now = this.opts.now();
    const holds: Array<Reservation['holds'][number]> = [];
    for (const b of this.budgets) {
      if (skip?.has(b.name) || !covers(b.scope, ctx)) continue;
      holds.push({ budget: b, period: periodKey(now, b.period, this.opts.timeZone), nanos: convertNanos(costNanos, currency, b.currency, this.opts.fx) });
    }
    if (holds.length === 0) return { holds };
    const id = this.#reservationId();
    const args: Array<string | number> = [id, this.opts.holdMs];
    for (const h of holds) args.push(h.budget.limitNanos, Math.round(h.nanos), ttl(h.budget));
    const keys = this.#keys(holds);
    for (let attempt = 0; ; attempt++) {
      let over: unknown;
      try {
        over = await this.counters.call('budgets.reserve', keys, args);
        if (typeof over !== 'number') throw new Error(`unexpected reserve reply: ${JSON.stringify(over)}`);
        if (over < 0 && attempt < 3) {
          const h = holds[-over - 1]!;
          await this.#seedWindow(h.budget, h.period, now);
          continue;
        }
      } catch (err) {
        throw clusterUnavailable('Shared budgets', err);
      }
      if (over < 0) throw clusterUnavailable('Shared budgets', new Error(`budget ${holds[-over - 1]!.budget.name}: window not seeded`));
      return over === 0 ? { id, holds } : { exceeded: holds[over - 1]!.budget };
    }
  }

  async #seedWindow(b: BudgetDef, period: string, now: number): Promise<void> {
    const spent = this.opts.spentSince ? await this.opts.spentSince(b, periodStart(now, b.period, this.opts.timeZone)) : 0;
    await this.counters.call('budgets.seed', [this.#key(b, period)], [Math.round(spent), ttl(b)]);
  }

  /**
   * Settles into the period the reservation was made in, even if a new one has begun since. Settles wait for the
   * next batch to leave and go as one call (see `#sendSettles`); resolves when that call is done.
   */
  settle(r: Reservation, actualNanos: number, currency: Currency): Promise<void> {
    if (r.holds.length === 0) return Promise.resolve();
    this.#settles.push({ r, actualNanos, currency });
    return this.#settled();
  }

  #settles: Array<{ r: Reservation; actualNanos: number; currency: Currency }> = [];
  readonly #settled: () => Promise<void>;

  /**
   * One call for every settle gathered: each reservation's holds are released by id, and each window gets one sum
   * of spend, one TTL renewal and one reply, where a call per settle repeated all three per request.
   */
  #sendSettles(): Promise<unknown> | undefined {
    const settles = this.#settles;
    if (settles.length === 0) return undefined;
    this.#settles = [];
    const windows = new Map<string, { index: number; hold: Reservation['holds'][number]; add: number }>();
    const keys: string[] = [];
    const holds: Array<string | number> = [settles.length];
    for (const { r, actualNanos, currency } of settles) {
      holds.push(r.id ?? '', r.holds.length);
      for (const h of r.holds) {
        const [w, held] = this.#windowKeys(h.budget, h.period);
        let win = windows.get(w);
        if (win === undefined) {
          win = { index: windows.size + 1, hold: h, add: 0 };
          windows.set(w, win);
          keys.push(w, held);
        }
        win.add += Math.round(convertNanos(actualNanos, currency, h.budget.currency, this.opts.fx));
        holds.push(win.index, Math.round(h.nanos));
      }
    }
    const args: Array<string | number> = [windows.size];
    for (const { hold, add } of windows.values()) args.push(add, hold.budget.limitNanos * hold.budget.softRatio, ttl(hold.budget));
    for (const x of holds) args.push(x);
    return this.counters.call('budgets.settle', keys, args, { lazy: true }).then((reply) => {
      const n = integers(reply);
      let i = 0;
      for (const { hold: h } of windows.values()) {
        const spent = n[3 * i]!;
        this.#seen.set(h.budget.name, { budget: h.budget, period: h.period, spentNanos: spent, reservedNanos: n[3 * i + 1]! });
        if (n[3 * i + 2] === 1) this.opts.onEvent?.({ kind: 'soft_threshold', budget: h.budget, period: h.period, spentNanos: spent });
        i++;
      }
    });
  }

  /** Spend with no hold of this replica's (a dead replica's lost call): settled under an id no hold has. */
  charge(ctx: SpendContext, costNanos: number, currency: Currency, at: number): Promise<void> {
    const holds = emptyHolds(this.budgets, ctx, at, this.opts.timeZone);
    return holds.length === 0 ? Promise.resolve() : this.settle({ id: `charge:${this.#reservationId()}`, holds }, costNanos, currency);
  }

  async status(): Promise<BudgetStatus[]> {
    const now = this.opts.now();
    const periods = this.budgets.map((b) => periodKey(now, b.period, this.opts.timeZone));
    const pipe = this.counters.redis.pipeline();
    this.budgets.forEach((b, i) => pipe.hmget(this.#key(b, periods[i]!), 'spent', 'reserved'));
    const replies = (await pipe.exec()) ?? [];
    return this.budgets.map((b, i) => {
      const [err, v] = replies[i] ?? [new Error('no reply'), null];
      if (err) throw clusterUnavailable('Shared budgets', err);
      const [spent, reserved] = v as [string | null, string | null];
      const s = { budget: b, period: periods[i]!, spentNanos: Number(spent ?? 0), reservedNanos: Number(reserved ?? 0) };
      this.#seen.set(b.name, s);
      return s;
    });
  }

  /** What this replica last saw, without a round trip; a period it has not seen yet reads as zero. */
  lastSeen(): BudgetStatus[] {
    const now = this.opts.now();
    return this.budgets.map((b) => {
      const period = periodKey(now, b.period, this.opts.timeZone);
      const s = this.#seen.get(b.name);
      return s && s.period === period ? s : { budget: b, period, spentNanos: 0, reservedNanos: 0 };
    });
  }
}

/** A window outlives its period by a day, so late settles and reports still find it. */
function ttl(b: BudgetDef): number {
  return (b.period === 'day' ? 2 : 32) * DAY;
}

/**
 * An upper bound on how long one request can hold a reservation: every contender of its plan tried in turn, each
 * for its whole total timeout, plus a minute of slack.
 */
export function longestRequestMs(config: Config): number {
  const longest = Math.max(0, ...[...config.contenders.values()].map((c) => c.timeouts.totalMs));
  const chain = 1 + Math.max(0, ...[...config.races.values()].map((r) => r.fallbacks.length));
  return chain * longest + 60_000;
}
