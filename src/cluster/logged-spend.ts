/**
 * What a budget has spent since a moment, from the request log: the truth a Redis budget window is rebuilt from
 * when Redis has none (a new period, or a Redis that lost its data). Same scope match and currency conversion as
 * the gateway's start-up seeding.
 */
import type { Config } from '../config/types.js';
import type { BudgetDef } from '../metering/budgets.js';
import { budgetSpendRows, spentFromRows } from '../metering/budget-spend.js';
import type { Store } from '../store/index.js';

export type SpentSince = (budget: BudgetDef, fromMs: number) => Promise<number>;

export function loggedSpend(store: Pick<Store, 'requests' | 'evals'>, config: Pick<Config, 'fx'>): SpentSince {
  return async (b, fromMs) => spentFromRows(await budgetSpendRows(store, fromMs, b.scope.team), b, fromMs, config.fx);
}
