/** Mean and percentiles of a sample, computed in JS because percentile SQL differs between SQLite and PostgreSQL. */
import type { MetricSummary } from '../types.js';

/**
 * Percentile by linear interpolation between closest ranks (Hyndman & Fan 1996, definition 7; the default of R's
 * `quantile`, NumPy's `percentile` and PostgreSQL's `percentile_cont`). `sorted` must be ascending and non-empty.
 */
export function percentile(sorted: readonly number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const a = sorted[lo]!;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)]!;
  return a + (h - lo) * (b - a);
}

export function summarize(values: readonly number[]): MetricSummary | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((x, y) => x - y);
  let sum = 0;
  for (const v of sorted) sum += v;
  return { n: sorted.length, mean: sum / sorted.length, p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95) };
}
