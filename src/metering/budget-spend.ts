/**
 * What budgets resume from: every logged call that costs money, the request log's rows (gateway, shadow, arena,
 * judge) and the eval results (eval, gate, and their judge calls, under their run's team). One scope match and one
 * currency conversion for every reader: the gateway's start, a Redis window rebuilt, a CLI claim decided alone.
 */
import type { Store, SpendRecord } from '../store/index.js';
import { convertNanos, type BudgetDef, type FxTable } from './budgets.js';

export async function budgetSpendRows(store: Pick<Store, 'requests' | 'evals'>, since: number, team?: string): Promise<SpendRecord[]> {
  const rows = await store.requests.spendRows({ since, ...(team !== undefined ? { team } : {}) });
  for (const r of await store.evals.spendRows(since)) if (team === undefined || r.team === team) rows.push(r);
  return rows;
}

/** Whether a logged call counts toward `b` (a call with no contender never reached one and cost nothing). */
export function countsToward(b: BudgetDef, r: Pick<SpendRecord, 'team' | 'keyId' | 'race' | 'contender'>): boolean {
  const s = b.scope;
  if (!r.contender) return false;
  return (s.team === undefined || s.team === r.team) && (s.key === undefined || s.key === r.keyId) && (s.contender === undefined || s.contender === r.contender) && (s.race === undefined || s.race === r.race);
}

export function spentFromRows(rows: readonly SpendRecord[], b: BudgetDef, fromMs: number, fx: FxTable): number {
  let spent = 0;
  for (const r of rows) {
    if (r.ts < fromMs || !countsToward(b, r)) continue;
    spent += convertNanos(r.costNanos, r.currency === 'USD' ? 'USD' : 'CNY', b.currency, fx);
  }
  return spent;
}
