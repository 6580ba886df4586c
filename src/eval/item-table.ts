/**
 * Per-item tallies of one contender: its original's samples and each twin's, errors left out. The unit of every
 * statistic is the item, never the sample: k samples of one item are not k independent pieces of evidence about
 * the contender.
 */
import type { Sample } from './run-results.js';
import type { Variant } from './variant.js';

export interface Tally {
  /** Graded samples (errors and missing ones are not counted). */
  n: number;
  /** Of those, passed. */
  c: number;
  errors: number;
}

export interface TwinTally {
  variant: Variant;
  tally: Tally;
  samples: readonly Sample[];
}

export interface ItemRow {
  itemId: string;
  suite: string;
  tags: readonly string[];
  original: Variant;
  tally: Tally;
  samples: readonly Sample[];
  twins: TwinTally[];
}

export function tally(samples: readonly Sample[]): Tally {
  let n = 0;
  let c = 0;
  let errors = 0;
  for (const s of samples) {
    if (s.status === 'pass') (n++, c++);
    else if (s.status === 'fail') n++;
    else if (s.status === 'error') errors++;
  }
  return { n, c, errors };
}

export const accuracy = (t: Tally): number => (t.n === 0 ? Number.NaN : t.c / t.n);

export function itemRows(variants: readonly Variant[], byVariant: ReadonlyMap<string, readonly Sample[]>): ItemRow[] {
  const rows = new Map<string, ItemRow>();
  for (const v of variants) {
    const samples = byVariant.get(v.id) ?? [];
    if (v.kind === 'original') {
      rows.set(v.itemId, { itemId: v.itemId, suite: v.suite, tags: v.tags, original: v, tally: tally(samples), samples, twins: [] });
    }
  }
  for (const v of variants) {
    if (v.kind === 'original') continue;
    const samples = byVariant.get(v.id) ?? [];
    rows.get(v.itemId)?.twins.push({ variant: v, tally: tally(samples), samples });
  }
  return [...rows.values()];
}

/** Accuracy over a set of twins of one item, pooling their graded samples; NaN when none was graded. */
export function twinAccuracy(twins: readonly TwinTally[]): number {
  let n = 0;
  let c = 0;
  for (const t of twins) {
    n += t.tally.n;
    c += t.tally.c;
  }
  return n === 0 ? Number.NaN : c / n;
}
