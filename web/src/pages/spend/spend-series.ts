/**
 * Turns a spend report grouped by (day, team|contender|source) into chart series and table rows for one currency. Days
 * with no spend still get a column, so gaps show as zero rather than being skipped by the time axis.
 */
import type { SpendGroup } from '../../api/types.js';

export type StackBy = 'contender' | 'team' | 'source';

export interface SpendSeries {
  days: string[];
  stacks: string[];
  /** values[stack][dayIndex] in currency units. */
  values: Record<string, number[]>;
  total: number;
}

export function dayRange(sinceMs: number, nowMs: number, timeZone: string): string[] {
  const fmt = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  const out: string[] = [];
  for (let t = sinceMs; t <= nowMs + 3_600_000; t += 3_600_000) {
    const d = fmt.format(t);
    if (out[out.length - 1] !== d && !out.includes(d)) out.push(d);
  }
  return out;
}

export function currencies(groups: readonly SpendGroup[]): string[] {
  return [...new Set(groups.map((g) => g.currency))].sort();
}

export function spendSeries(groups: readonly SpendGroup[], by: StackBy, currency: string, days: readonly string[]): SpendSeries {
  const allDays = [...new Set([...days, ...groups.map((g) => g.key.day ?? '')].filter(Boolean))].sort();
  const values: Record<string, number[]> = {};
  let total = 0;
  for (const g of groups) {
    if (g.currency !== currency) continue;
    const stack = g.key[by] ?? '(none)';
    const i = allDays.indexOf(g.key.day ?? '');
    if (i < 0) continue;
    values[stack] ??= allDays.map(() => 0);
    values[stack][i] = (values[stack][i] ?? 0) + g.cost;
    total += g.cost;
  }
  const stacks = Object.keys(values).sort((a, b) => sum(values[b]!) - sum(values[a]!));
  return { days: allDays, stacks, values, total };
}

function sum(xs: readonly number[]): number {
  return xs.reduce((s, x) => s + x, 0);
}
