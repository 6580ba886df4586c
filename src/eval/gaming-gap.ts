/**
 * The gaming gap: accuracy on originals minus accuracy on their twins, paired over items. For each item with both,
 * a_i = accuracy of the original (over its samples), t_i = accuracy of its twins of the kind (pooled). The gap is
 * mean(a_i − t_i) in points, with a paired bootstrap interval over items. The exact McNemar test runs on one pair
 * per item (original right? twin right? by majority of samples, an exact half counting as wrong), because pairs
 * must be independent and an item's samples and twins are not independent of each other.
 */
import { mcnemarExact } from '../stats/mcnemar.js';
import { pairedBootstrap } from '../stats/paired-bootstrap.js';
import { accuracy, twinAccuracy, type ItemRow } from './item-table.js';
import type { TwinKind } from './twins/twin-types.js';

export interface GapResult {
  /** A twin kind, a family of kinds (twin-verdicts.ts), or every twin. */
  kind: TwinKind | 'all' | 'contamination' | 'robustness';
  /** Items with a graded original and a graded twin of this kind. */
  items: number;
  originalAccuracy: number;
  twinAccuracy: number;
  /** Points (0–100 scale), positive when originals do better. */
  gap: number;
  lower: number;
  upper: number;
  /** Items right on the original and wrong on the twins (b), and the reverse (c). */
  b: number;
  c: number;
  pValue: number;
}

export function gapFor(rows: readonly ItemRow[], kind: TwinKind | 'all', opts: { seed?: number; level?: number } = {}): GapResult | null {
  return gapOver(rows, kind, kind === 'all' ? () => true : (k) => k === kind, opts);
}

/** The gap over the twins whose kind `keep` accepts, labelled `label`. */
export function gapOver(rows: readonly ItemRow[], label: GapResult['kind'], keep: (kind: TwinKind) => boolean, opts: { seed?: number; level?: number } = {}): GapResult | null {
  const a: number[] = [];
  const t: number[] = [];
  for (const r of rows) {
    const twins = r.twins.filter((x) => keep(x.variant.kind as TwinKind));
    const ai = accuracy(r.tally);
    const ti = twinAccuracy(twins);
    if (Number.isNaN(ai) || Number.isNaN(ti)) continue;
    a.push(ai);
    t.push(ti);
  }
  if (a.length === 0) return null;
  const ci = pairedBootstrap(a, t, { seed: opts.seed ?? 0, level: opts.level ?? 0.95 });
  let b = 0;
  let c = 0;
  for (let i = 0; i < a.length; i++) {
    const right = a[i]! > 0.5;
    const twinRight = t[i]! > 0.5;
    if (right && !twinRight) b++;
    else if (!right && twinRight) c++;
  }
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  return {
    kind: label,
    items: a.length,
    originalAccuracy: mean(a),
    twinAccuracy: mean(t),
    gap: 100 * ci.estimate,
    lower: 100 * ci.lower,
    upper: 100 * ci.upper,
    b,
    c,
    pValue: mcnemarExact(b, c).pValue,
  };
}

export interface GamingGap {
  all: GapResult | null;
  byKind: GapResult[];
}

export function gamingGap(rows: readonly ItemRow[], opts: { seed?: number; level?: number } = {}): GamingGap {
  const kinds = [...new Set(rows.flatMap((r) => r.twins.map((t) => t.variant.kind as TwinKind)))];
  return {
    all: gapFor(rows, 'all', opts),
    byKind: kinds.map((k) => gapFor(rows, k, opts)).filter((g): g is GapResult => g !== null),
  };
}
