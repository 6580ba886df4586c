/**
 * Where each decision's pin sits on the weights chart: at its time, at the top; decisions too close in time to
 * tell apart at the chart's scale (the monitor can roll back and promote in the same second) step down one below
 * the other, so every pin stays visible and hoverable.
 */
export interface PinPlace {
  ts: number;
  /** On the chart's 0–110 % axis. */
  y: number;
}

/** Decisions closer than this share of the time shown are one cluster. */
const CLOSE = 0.015;
const TOP = 100;
const STEP = 12;
const LOWEST = 16;

export function pinPlaces(times: readonly number[], span: number): PinPlace[] {
  const order = times.map((ts, i) => ({ ts, i })).sort((a, b) => a.ts - b.ts || a.i - b.i);
  const out: PinPlace[] = new Array(times.length);
  let clusterStart = Number.NEGATIVE_INFINITY;
  let k = 0;
  for (const { ts, i } of order) {
    if (ts - clusterStart <= Math.max(span, 1) * CLOSE) k++;
    else {
      clusterStart = ts;
      k = 0;
    }
    out[i] = { ts, y: Math.max(LOWEST, TOP - STEP * k) };
  }
  return out;
}
