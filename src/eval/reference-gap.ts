/**
 * The reference-adjusted gap, in the spirit of ConStat (Dekoninck et al. 2024, arXiv 2405.16281): twins may be
 * harder for everyone (a distractor costs every model a little), so a raw gap alone does not prove gaming. Across
 * the reference contenders (marked as trusted, e.g. models released before the suite was public), fit how twin
 * accuracy follows original accuracy (least squares T = α + β·O; with one reference, or references that all score
 * the same, a constant offset T = O − mean gap). The adjusted gap of a contender is the twin accuracy that fit
 * predicts from its original accuracy, minus the twin accuracy it got: positive = worse on twins than its score on
 * originals would predict from clean models. The interval bootstraps items (jointly for every contender, so the
 * pairing holds); p is the one-sided bootstrap share of rounds with an adjusted gap ≤ 0, (#+1)/(B+1).
 * Unlike ConStat, references are not resampled (there are usually few) and the fit is linear, not a spline.
 */
import { bootstrapItems } from '../stats/paired-bootstrap.js';
import { accuracy, twinAccuracy, type ItemRow } from './item-table.js';

export interface ReferenceGap {
  references: string[];
  /** Items every involved contender has graded on both sides. */
  items: number;
  method: 'linear' | 'offset';
  /** Points. */
  predictedTwinAccuracy: number;
  twinAccuracy: number;
  delta: number;
  lower: number;
  upper: number;
  pValue: number;
}

type Pairs = { a: Float64Array; t: Float64Array };

export function referenceGap(
  contender: string,
  rowsByContender: ReadonlyMap<string, readonly ItemRow[]>,
  references: readonly string[],
  opts: { seed?: number; rounds?: number; level?: number } = {},
): ReferenceGap | null {
  const refs = references.filter((r) => r !== contender && rowsByContender.has(r));
  if (refs.length === 0 || !rowsByContender.has(contender)) return null;
  const who = [contender, ...refs];
  const perItem = who.map((c) => new Map(rowsByContender.get(c)!.map((r) => [r.itemId, [accuracy(r.tally), twinAccuracy(r.twins)] as const])));
  const items = [...perItem[0]!.keys()].filter((id) => perItem.every((m) => {
    const v = m.get(id);
    return v !== undefined && !Number.isNaN(v[0]) && !Number.isNaN(v[1]);
  }));
  if (items.length === 0) return null;
  const pairs: Pairs[] = perItem.map((m) => ({ a: Float64Array.from(items, (id) => m.get(id)![0]), t: Float64Array.from(items, (id) => m.get(id)![1]) }));
  let method: ReferenceGap['method'] = 'linear';
  let predicted = 0;
  let actual = 0;
  const statistic = (w: Float64Array, record = false): number => {
    const O = pairs.map((p) => wmean(p.a, w));
    const T = pairs.map((p) => wmean(p.t, w));
    const fit = fitLine(O.slice(1), T.slice(1));
    const pred = Math.min(1, Math.max(0, fit.alpha + fit.beta * O[0]!));
    if (record) {
      method = fit.method;
      predicted = pred;
      actual = T[0]!;
    }
    return pred - T[0]!;
  };
  const ones = new Float64Array(items.length).fill(1);
  statistic(ones, true);
  const ci = bootstrapItems(items.length, (w) => statistic(w), { seed: opts.seed ?? 0, rounds: opts.rounds ?? 2000, level: opts.level ?? 0.95 });
  let atOrBelow = 0;
  for (const d of ci.samples) if (d <= 0) atOrBelow++;
  return {
    references: refs,
    items: items.length,
    method,
    predictedTwinAccuracy: 100 * predicted,
    twinAccuracy: 100 * actual,
    delta: 100 * ci.estimate,
    lower: 100 * ci.lower,
    upper: 100 * ci.upper,
    pValue: (atOrBelow + 1) / (ci.samples.length + 1),
  };
}

function wmean(x: Float64Array, w: Float64Array): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    s += x[i]! * w[i]!;
    n += w[i]!;
  }
  return s / n;
}

/** Least squares T = α + β·O; a constant offset (β = 1) when fewer than two distinct O values. */
export function fitLine(O: number[], T: number[]): { alpha: number; beta: number; method: 'linear' | 'offset' } {
  const n = O.length;
  const mo = O.reduce((s, x) => s + x, 0) / n;
  const mt = T.reduce((s, x) => s + x, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (O[i]! - mo) ** 2;
    sxy += (O[i]! - mo) * (T[i]! - mt);
  }
  if (n < 2 || sxx < 1e-12) return { alpha: mt - mo, beta: 1, method: 'offset' };
  const beta = sxy / sxx;
  return { alpha: mt - beta * mo, beta, method: 'linear' };
}
