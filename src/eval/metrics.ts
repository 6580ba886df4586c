/**
 * Score and stability of one contender over the original items. Score: mean item accuracy × 100 with a 95%
 * bootstrap interval over items. Stability over k samples per item: mean accuracy, pass@k and pass^k (averaged
 * over items with k graded samples), and answer consistency (share of an item's samples that gave its most
 * common extracted answer).
 */
import { bootstrapMean } from '../stats/paired-bootstrap.js';
import { meanOverItems, passAtK, passHatK } from '../stats/pass-at-k.js';
import { accuracy, type ItemRow } from './item-table.js';

export interface Interval {
  value: number;
  lower: number;
  upper: number;
}

export interface ScoreStats {
  /** Items with at least one graded sample. */
  items: number;
  score: Interval;
  stability: { k: number; meanAccuracy: number; passAtK: number; passHatK: number; consistency: number | null };
}

export function scoreStats(rows: readonly ItemRow[], k: number, opts: { seed?: number; level?: number } = {}): ScoreStats {
  const graded = rows.filter((r) => r.tally.n > 0);
  const acc = graded.map((r) => accuracy(r.tally));
  const ci = bootstrapMean(acc, { seed: opts.seed ?? 0, level: opts.level ?? 0.95 });
  const full = graded.filter((r) => r.tally.n >= k).map((r) => ({ n: r.tally.n, c: r.tally.c }));
  return {
    items: graded.length,
    score: { value: 100 * ci.estimate, lower: 100 * ci.lower, upper: 100 * ci.upper },
    stability: {
      k,
      meanAccuracy: acc.length ? acc.reduce((s, a) => s + a, 0) / acc.length : Number.NaN,
      passAtK: meanOverItems(full, k, passAtK),
      passHatK: meanOverItems(full, k, passHatK),
      consistency: k < 2 ? null : consistency(graded),
    },
  };
}

/** Mean over items of (count of the modal extracted answer) / (graded samples); "no answer" is an answer too. */
function consistency(rows: readonly ItemRow[]): number {
  let sum = 0;
  let items = 0;
  for (const r of rows) {
    const counts = new Map<string, number>();
    let n = 0;
    for (const s of r.samples) {
      if (s.status !== 'pass' && s.status !== 'fail') continue;
      const key = s.extracted ?? '\u0000none';
      counts.set(key, (counts.get(key) ?? 0) + 1);
      n++;
    }
    if (n < 2) continue;
    sum += Math.max(...counts.values()) / n;
    items++;
  }
  return items ? sum / items : Number.NaN;
}
