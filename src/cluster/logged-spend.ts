/**
 * What a budget has spent since a moment, from the request log: the truth a Redis budget window is rebuilt from
 * when Redis has none (a new period, or a Redis that lost its data). Same scope match and currency conversion as
 * the gateway's start-up seeding.
 */
import type { Config } from '../config/types.js';
import { convertNanos, type BudgetDef } from '../metering/budgets.js';
import type { Store } from '../store/index.js';

export type SpentSince = (budget: BudgetDef, fromMs: number) => Promise<number>;

export function loggedSpend(store: Pick<Store, 'requests'>, config: Pick<Config, 'fx'>): SpentSince {
  return async (b, fromMs) => {
    const s = b.scope;
    let spent = 0;
    for (const r of await store.requests.spendRows({ since: fromMs, ...(s.team !== undefined ? { team: s.team } : {}) })) {
      if (!r.contender || (s.key !== undefined && s.key !== r.keyId) || (s.contender !== undefined && s.contender !== r.contender) || (s.race !== undefined && s.race !== r.race)) continue;
      spent += convertNanos(r.costNanos, r.currency === 'USD' ? 'USD' : 'CNY', b.currency, config.fx);
    }
    return spent;
  };
}
