/**
 * The budgets as another process than the gateway pays from them: an eval run, a gate, an arena judging run. Each
 * call reserves its maximum before it is sent and settles its real cost after, against the same budget state the
 * gateway admits its own traffic from: the shared Redis windows when clustered (cluster/redis-call-budget.ts), else
 * claims the running gateway decides (claimed-budget.ts). A refused reservation means the call is not made.
 */
import type { Config, Currency } from '../config/types.js';
import { covers, type BudgetDef, type SpendContext } from './budgets.js';

/** What a call is, for the budgets: the scope fields, and which part of Saima makes it. */
export interface CallContext extends SpendContext {
  /** `eval`, `gate`, `arena`, `judge`. */
  source: string;
}

export interface CallHold {
  /** Null when no budget covers the call: nothing was reserved. */
  readonly id: string | null;
  readonly nanos: number;
  readonly currency: Currency;
}

export type CallReservation = CallHold | { exceeded: string };

export interface CallBudget {
  readonly budgets: readonly BudgetDef[];
  /** Reserves `nanos` of `currency` on every budget covering `ctx`, on all or on none. */
  reserve(ctx: CallContext, nanos: number, currency: Currency): Promise<CallReservation>;
  /** Replaces the hold by what the call cost (nothing, for a call never sent). */
  settle(hold: CallHold, actualNanos: number, currency: Currency): Promise<void>;
  close(): Promise<void>;
}

export function budgetDefs(config: Pick<Config, 'budgets'>): BudgetDef[] {
  return config.budgets.map((b) => ({
    name: b.name, scope: b.scope, period: b.period, limitNanos: Math.round(b.limit * 1e9), currency: b.currency, softRatio: b.softRatio,
    downgradeTo: b.downgradeTo, webhook: b.webhook,
  }));
}

export function coveredBy(budgets: readonly BudgetDef[], ctx: SpendContext): BudgetDef[] {
  return budgets.filter((b) => covers(b.scope, ctx));
}

/** The longest a call to `contender` can take, every retry included, plus a minute: how long a hold may stand. */
export function longestCallMs(config: Pick<Config, 'contenders'>, contender: string): number {
  const c = config.contenders.get(contender);
  return (c ? c.timeouts.totalMs * (1 + c.retry.maxRetries) : 600_000) + 60_000;
}

export function isExceeded(r: CallReservation): r is { exceeded: string } {
  return 'exceeded' in r;
}
