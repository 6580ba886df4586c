/**
 * Budgets shared by every replica, with the same reserve-then-settle contract as `BudgetLedger`: one Lua script
 * checks every covering budget and reserves on all of them or on none, so N replicas overrun a budget by no more
 * than one process would (what settled costs exceed their reservations). Periods and time zones are computed
 * exactly as in memory; each budget period is one Redis hash `{spent, reserved, warned}`.
 */
import type { Currency } from '../config/types.js';
import {
  convertNanos, covers, type BudgetBackend, type BudgetDef, type BudgetEvent, type BudgetStatus, type FxTable, type Reservation, type ReserveResult,
  type SpendContext,
} from '../metering/budgets.js';
import { periodKey, type Period } from '../metering/periods.js';
import { clusterUnavailable } from './cluster-unavailable.js';
import type { Counters } from './counters.js';
import { integers } from './lua-script.js';

const DAY = 86_400_000;

/** KEYS: the windows. ARGV per key: limit, nanos, ttl. Reply: 0 when reserved, else the 1-based key that would overrun. */
const RESERVE = `
for i, key in ipairs(KEYS) do
  local w = redis.call('HMGET', key, 'spent', 'reserved')
  if (tonumber(w[1]) or 0) + (tonumber(w[2]) or 0) + tonumber(ARGV[3 * i - 1]) > tonumber(ARGV[3 * i - 2]) then return i end
end
for i, key in ipairs(KEYS) do
  redis.call('HINCRBY', key, 'reserved', ARGV[3 * i - 1])
  redis.call('PEXPIRE', key, ARGV[3 * i])
end
return 0
`;

/**
 * KEYS: the windows. ARGV per key: held, actual, soft threshold, ttl. Reply per key: spent, reserved, and 1 when this
 * settle crossed the soft threshold first (HSETNX: exactly one replica fires the warning).
 */
const SETTLE = `
local out = {}
for i, key in ipairs(KEYS) do
  local reserved = redis.call('HINCRBY', key, 'reserved', -tonumber(ARGV[4 * i - 3]))
  local spent = redis.call('HINCRBY', key, 'spent', ARGV[4 * i - 2])
  local warned = 0
  if spent >= tonumber(ARGV[4 * i - 1]) then warned = redis.call('HSETNX', key, 'warned', 1) end
  redis.call('PEXPIRE', key, ARGV[4 * i])
  table.insert(out, spent); table.insert(out, reserved); table.insert(out, warned)
end
return out
`;

/** KEYS[1]: the window. ARGV: spent, ttl. The state already in Redis is the truth: seed only a period nobody began. */
const SEED = `
if redis.call('HSETNX', KEYS[1], 'spent', ARGV[1]) == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0
`;

/** The budget functions of the shared counter script (see `counters.ts`). */
export const BUDGET_FUNCTIONS = { 'budgets.reserve': RESERVE, 'budgets.settle': SETTLE, 'budgets.seed': SEED } as const;

export interface RedisBudgetsOptions {
  timeZone: string;
  fx: FxTable;
  now: () => number;
  onEvent?: (e: BudgetEvent) => void;
}

export class RedisBudgets implements BudgetBackend {
  /** The last spend this replica saw per budget, for the Prometheus gauge (which cannot wait on Redis). */
  readonly #seen = new Map<string, BudgetStatus>();
  readonly #periods: Partial<Record<Period, { minute: number; key: string }>> = {};

  constructor(
    readonly counters: Counters,
    readonly prefix: string,
    readonly budgets: readonly BudgetDef[],
    readonly opts: RedisBudgetsOptions,
  ) {}

  /**
   * `periodKey` costs an Intl formatting (~10 µs) and sits on every reservation; a period starts at a local
   * midnight, which falls on a whole minute in every time zone, so the key is the same for a whole clock minute.
   */
  #period(now: number, period: Period): string {
    const minute = Math.floor(now / 60_000);
    const cached = this.#periods[period];
    if (cached?.minute === minute) return cached.key;
    const key = periodKey(now, period, this.opts.timeZone);
    this.#periods[period] = { minute, key };
    return key;
  }

  #key(b: BudgetDef, period: string): string {
    return `${this.prefix}budget:${b.name}:${period}`;
  }

  async seed(name: string, spentNanos: number): Promise<void> {
    const b = this.budgets.find((x) => x.name === name);
    if (!b) return;
    await this.counters.call('budgets.seed', [this.#key(b, this.#period(this.opts.now(), b.period))], [Math.round(spentNanos), ttl(b)]);
  }

  async reserve(ctx: SpendContext, costNanos: number, currency: Currency, skip?: ReadonlySet<string>): Promise<ReserveResult> {
    const now = this.opts.now();
    const holds: Array<Reservation['holds'][number]> = [];
    for (const b of this.budgets) {
      if (skip?.has(b.name) || !covers(b.scope, ctx)) continue;
      holds.push({ budget: b, period: this.#period(now, b.period), nanos: convertNanos(costNanos, currency, b.currency, this.opts.fx) });
    }
    if (holds.length === 0) return { holds };
    let over: unknown;
    try {
      over = await this.counters.call(
        'budgets.reserve',
        holds.map((h) => this.#key(h.budget, h.period)),
        holds.flatMap((h) => [h.budget.limitNanos, Math.round(h.nanos), ttl(h.budget)]),
      );
    } catch (err) {
      throw clusterUnavailable('Shared budgets', err);
    }
    if (typeof over !== 'number') throw new Error(`unexpected reserve reply: ${JSON.stringify(over)}`);
    return over === 0 ? { holds } : { exceeded: holds[over - 1]!.budget };
  }

  /** Settles into the period the reservation was made in, even if a new one has begun since. */
  async settle(r: Reservation, actualNanos: number, currency: Currency): Promise<void> {
    if (r.holds.length === 0) return;
    const actual = r.holds.map((h) => Math.round(convertNanos(actualNanos, currency, h.budget.currency, this.opts.fx)));
    const reply = integers(
      await this.counters.call(
        'budgets.settle',
        r.holds.map((h) => this.#key(h.budget, h.period)),
        r.holds.flatMap((h, i) => [Math.round(h.nanos), actual[i]!, h.budget.limitNanos * h.budget.softRatio, ttl(h.budget)]),
      ),
    );
    r.holds.forEach((h, i) => {
      const [spent, reserved, warned] = reply.slice(3 * i, 3 * i + 3) as [number, number, number];
      this.#seen.set(h.budget.name, { budget: h.budget, period: h.period, spentNanos: spent, reservedNanos: reserved });
      if (warned === 1) this.opts.onEvent?.({ kind: 'soft_threshold', budget: h.budget, period: h.period, spentNanos: spent });
    });
  }

  async status(): Promise<BudgetStatus[]> {
    const now = this.opts.now();
    const periods = this.budgets.map((b) => this.#period(now, b.period));
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
      const period = this.#period(now, b.period);
      const s = this.#seen.get(b.name);
      return s && s.period === period ? s : { budget: b, period, spentNanos: 0, reservedNanos: 0 };
    });
  }
}

/** A window outlives its period by a day, so late settles and reports still find it. */
function ttl(b: BudgetDef): number {
  return (b.period === 'day' ? 2 : 32) * DAY;
}
