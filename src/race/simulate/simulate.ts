/**
 * The power analysis of a race: many simulated runs of the same race, once with every contender identical (how
 * often a harmless challenger is rolled back or promoted) and once with the effects asked for (how fast and how
 * often the policy reacts, and where the traffic ends).
 */
import { buildConfig } from '../../config/load.js';
import type { Race } from '../../config/types.js';
import { SeededRandom } from '../../stats/index.js';
import type { IntervalMethod } from '../policies/index.js';
import { runRace, type RaceOutcome } from './run-race.js';
import { BASELINE, profileWith, type Effects } from './scenario.js';
import type { UserModel } from './users.js';

export interface SimulationOptions {
  race: Race;
  effects: Effects;
  trafficRps: number;
  hours: number;
  runs: number;
  intervalMs: number;
  fx: { CNY: number; USD: number };
  seed?: number;
  method?: IntervalMethod;
  banditDraws?: number;
  /** Sticky users who differ; without, every request is drawn independently. */
  users?: UserModel;
  analysis?: 'user' | 'request';
}

export interface BatchSummary {
  runs: number;
  /** Runs in which some challenger was rolled back / promoted. */
  rolledBack: number;
  promoted: number;
  /** Runs that recorded at least one sample-ratio alert. */
  srmAlerted: number;
  /** Wilson 95 % intervals of the rolled-back and promoted shares. */
  rolledBackCi: [number, number];
  promotedCi: [number, number];
  /**
   * Minutes from the start to the first rollback or promotion, over the runs that had one; `medianCi` is the
   * distribution-free 95 % interval of the median (order statistics).
   */
  detectMinutes: { median: number; p90: number; medianCi: [number, number] } | null;
  /** Mean final traffic share (percent) per contender. */
  finalWeights: Record<string, number>;
}

export interface SimulationReport {
  options: { race: string; policy: string; trafficRps: number; hours: number; runs: number; intervalMs: number; effects: Effects; users: UserModel | null; analysis: 'user' | 'request' };
  /** Every contender identical: rollbacks here are false rollbacks. */
  noEffect: BatchSummary;
  /** Challengers carry `effects`; null when no effect was given. */
  withEffect: BatchSummary | null;
}

/** One batch of `o.runs` races with the challengers carrying `effects` (none: an A/A batch). */
export function simulateBatch(o: SimulationOptions, effects: Effects, seed: number): BatchSummary {
  const names = [o.race.champion, ...o.race.challengers.map((c) => c.contender)];
  const profiles = new Map(names.map((n) => [n, n === o.race.champion ? BASELINE : profileWith(effects)]));
  const rng = new SeededRandom(seed);
  const outcomes: RaceOutcome[] = [];
  for (let i = 0; i < o.runs; i++) {
    outcomes.push(runRace({
      race: o.race, profiles, trafficRps: o.trafficRps, durationMs: o.hours * 3_600_000, intervalMs: o.intervalMs, fx: o.fx,
      ...(o.method ? { method: o.method } : {}), ...(o.banditDraws ? { banditDraws: o.banditDraws } : {}),
      ...(o.users ? { users: o.users } : {}), ...(o.analysis ? { analysis: o.analysis } : {}),
    }, rng));
  }
  return summarize(outcomes, names);
}

export function simulate(o: SimulationOptions): SimulationReport {
  const run = (effects: Effects, seed: number) => simulateBatch(o, effects, seed);
  const seed = o.seed ?? 1;
  const hasEffect = Object.values(o.effects).some((v) => v !== 0);
  return {
    options: { race: o.race.name, policy: o.race.policy.type, trafficRps: o.trafficRps, hours: o.hours, runs: o.runs, intervalMs: o.intervalMs, effects: o.effects, users: o.users ?? null, analysis: o.analysis ?? (o.users ? 'user' : 'request') },
    noEffect: run({}, seed),
    withEffect: hasEffect ? run(o.effects, seed + 1) : null,
  };
}

export function summarize(outcomes: readonly RaceOutcome[], names: readonly string[]): BatchSummary {
  const detect = outcomes
    .map((o) => Math.min(o.rollbackAt ?? Number.POSITIVE_INFINITY, o.promoteAt ?? Number.POSITIVE_INFINITY))
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  const at = (q: number) => detect[Math.min(detect.length - 1, Math.floor(q * detect.length))]! / 60_000;
  // 95 % interval of the median: the order statistics j, k with j ≈ n/2 − 1.96·√n/2 (normal approximation).
  const half = 1.959964 * Math.sqrt(detect.length) / 2;
  const ord = (i: number) => detect[Math.min(detect.length - 1, Math.max(0, Math.round(i)))]! / 60_000;
  const rolledBack = outcomes.filter((o) => o.rollbackAt !== null).length;
  const promoted = outcomes.filter((o) => o.promoteAt !== null).length;
  const finalWeights: Record<string, number> = {};
  for (const n of names) finalWeights[n] = outcomes.reduce((s, o) => s + (o.weights.get(n) ?? 0), 0) / Math.max(1, outcomes.length);
  return {
    runs: outcomes.length,
    rolledBack,
    promoted,
    rolledBackCi: wilson(rolledBack, outcomes.length),
    promotedCi: wilson(promoted, outcomes.length),
    srmAlerted: outcomes.filter((o) => o.srmAlerts > 0).length,
    detectMinutes: detect.length > 0 ? { median: at(0.5), p90: at(0.9), medianCi: [ord(detect.length / 2 - half - 1), ord(detect.length / 2 + half)] } : null,
    finalWeights,
  };
}

/** Wilson 95 % interval of a proportion k/n. */
export function wilson(k: number, n: number): [number, number] {
  if (n === 0) return [0, 1];
  const z = 1.959964;
  const p = k / n;
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return [Math.max(0, c - h), Math.min(1, c + h)];
}

/** The race simulated when no config is given: a champion and one challenger under the default canary policy. */
export function defaultSimulationRace(policy: Record<string, unknown> = {}): Race {
  const mock = { provider: 'mock', model: 'sim', price: { input: 1, output: 2 }, mock: {} };
  const config = buildConfig({
    contenders: { champion: mock, challenger: mock },
    races: { assistant: { champion: 'champion', challengers: [{ contender: 'challenger', weight: 1 }], policy: { type: 'canary', ...policy } } },
  }, {});
  return config.races.get('assistant')!;
}
