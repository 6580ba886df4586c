/**
 * Spend grouped by any of day, month, team, key, race, contender, source. Sums integer nanos per currency, so the
 * totals reconcile exactly with the request log and eval result rows they come from.
 */
import type { SpendRecord } from '../store/types.js';
import { periodKey } from './periods.js';

export const SPEND_DIMENSIONS = ['day', 'month', 'team', 'key', 'race', 'contender', 'source'] as const;
export type SpendDimension = (typeof SPEND_DIMENSIONS)[number];

/** One call's spend, as the request log (or an eval result) stores it. */
export type SpendRow = SpendRecord;

export interface SpendGroup {
  key: Partial<Record<SpendDimension, string | null>>;
  currency: string;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  costNanos: number;
  cost: number;
}

export function parseDimensions(text: string): SpendDimension[] {
  const dims = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const d of dims) {
    if (!(SPEND_DIMENSIONS as readonly string[]).includes(d)) throw new Error(`unknown grouping '${d}' (use ${SPEND_DIMENSIONS.join(', ')})`);
  }
  return dims as SpendDimension[];
}

export function groupSpend(rows: Iterable<SpendRow>, by: readonly SpendDimension[], timeZone: string): SpendGroup[] {
  const groups = new Map<string, SpendGroup>();
  for (const r of rows) {
    const key: Partial<Record<SpendDimension, string | null>> = {};
    for (const d of by) {
      key[d] =
        d === 'day' ? periodKey(r.ts, 'day', timeZone)
        : d === 'month' ? periodKey(r.ts, 'month', timeZone)
        : d === 'team' ? r.team
        : d === 'key' ? r.keyId
        : d === 'race' ? r.race
        : d === 'source' ? r.source
        : r.contender;
    }
    const id = `${JSON.stringify(key)}|${r.currency}`;
    let g = groups.get(id);
    if (!g) {
      g = { key, currency: r.currency, requests: 0, promptTokens: 0, completionTokens: 0, costNanos: 0, cost: 0 };
      groups.set(id, g);
    }
    g.requests++;
    g.promptTokens += r.promptTokens;
    g.completionTokens += r.completionTokens;
    g.costNanos += r.costNanos;
  }
  const out = [...groups.values()];
  for (const g of out) g.cost = g.costNanos / 1e9;
  return out.sort((a, b) => {
    for (const d of by) {
      const c = String(a.key[d] ?? '').localeCompare(String(b.key[d] ?? ''));
      if (c !== 0) return c;
    }
    return a.currency.localeCompare(b.currency);
  });
}
