/**
 * Traffic weights over time, rebuilt from the race's current weights and its decision log: walking the decisions
 * from newest to oldest, each one is undone with the numbers it recorded (`from` of a manual change, the judged
 * window's weight of the monitor's ramps and rollbacks, the previous champion and weight of a promotion). No
 * history table is needed, and the chart agrees with the audit log by construction.
 */
import type { Decision } from '../../api/types.js';

export interface WeightStep {
  ts: number;
  /** Percent of traffic per contender, champion included. */
  weights: Record<string, number>;
}

export interface WeightHistory {
  contenders: string[];
  steps: WeightStep[];
}

interface Current {
  champion: string;
  weights: ReadonlyArray<{ contender: string; weight: number }>;
  challengers: ReadonlyArray<{ contender: string; weight: number; status: string; since: number }>;
  champion_since: number;
  decisions: readonly Decision[];
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function rec(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function withChampion(w: Record<string, number>, champion: string): Record<string, number> {
  const rest = Object.entries(w).filter(([c]) => c !== champion).reduce((s, [, x]) => s + x, 0);
  return { ...w, [champion]: Math.max(0, 100 - rest) };
}

/** Undoes one decision: the weights just before it, and the champion then. */
function undo(d: Decision, w: Record<string, number>, champion: string): { w: Record<string, number>; champion: string } {
  const det = rec(d.details);
  const c = d.contender;
  if (!c) return { w, champion };
  const before = { ...w };
  // The monitor's decisions record the window they judged: its weight is the weight before the change.
  const windowWeight = num(rec(det.window).weight);
  if (det.change === 'promote' || (d.action === 'promote' && typeof det.previousChampion === 'string')) {
    const prev = typeof det.previousChampion === 'string' ? det.previousChampion : champion;
    before[c] = num(det.weight) ?? windowWeight ?? 0;
    delete before[prev];
    return { w: withChampion(before, prev), champion: prev };
  }
  const from = num(det.from) ?? windowWeight;
  if (from !== null) before[c] = from;
  return { w: withChampion(before, champion), champion };
}

export function weightHistory(race: Current, now: number): WeightHistory {
  const decisions = [...race.decisions].sort((a, b) => b.ts - a.ts || (a.id < b.id ? 1 : -1));
  let champion = race.champion;
  let w: Record<string, number> = {};
  for (const x of race.weights) w[x.contender] = x.weight;
  for (const c of race.challengers) w[c.contender] ??= c.status === 'active' ? c.weight : 0;
  w = withChampion(w, champion);
  const names = new Set(Object.keys(w));
  const steps: WeightStep[] = [{ ts: now, weights: w }];
  for (const d of decisions) {
    steps.push({ ts: d.ts, weights: w });
    ({ w, champion } = undo(d, w, champion));
    for (const n of Object.keys(w)) names.add(n);
  }
  const earliest = decisions.length > 0 ? decisions[decisions.length - 1]!.ts : Math.min(race.champion_since, ...race.challengers.map((c) => c.since));
  const span = Math.max(now - earliest, 60_000);
  steps.push({ ts: Math.min(earliest - span * 0.1, now - 60_000), weights: w });
  steps.reverse();
  // Champion first, then challengers in the order they appear: a stable stacking order across refreshes.
  const contenders = [...names].sort((a, b) => (a === race.champion ? -1 : b === race.champion ? 1 : a.localeCompare(b)));
  for (const s of steps) for (const c of contenders) s.weights[c] ??= 0;
  return { contenders, steps };
}
