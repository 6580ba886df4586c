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
}

export interface BatchSummary {
  runs: number;
  /** Runs in which some challenger was rolled back / promoted. */
  rolledBack: number;
  promoted: number;
  /** Runs that recorded at least one sample-ratio alert. */
  srmAlerted: number;
  /** Minutes from the start to the first rollback or promotion, over the runs that had one. */
  detectMinutes: { median: number; p90: number } | null;
  /** Mean final traffic share (percent) per contender. */
  finalWeights: Record<string, number>;
}

export interface SimulationReport {
  options: { race: string; policy: string; trafficRps: number; hours: number; runs: number; intervalMs: number; effects: Effects };
  /** Every contender identical: rollbacks here are false rollbacks. */
  noEffect: BatchSummary;
  /** Challengers carry `effects`; null when no effect was given. */
  withEffect: BatchSummary | null;
}

export function simulate(o: SimulationOptions): SimulationReport {
  const names = [o.race.champion, ...o.race.challengers.map((c) => c.contender)];
  const run = (effects: Effects, seed: number) => {
    const profiles = new Map(names.map((n) => [n, n === o.race.champion ? BASELINE : profileWith(effects)]));
    const rng = new SeededRandom(seed);
    const outcomes: RaceOutcome[] = [];
    for (let i = 0; i < o.runs; i++) {
      outcomes.push(runRace({
        race: o.race, profiles, trafficRps: o.trafficRps, durationMs: o.hours * 3_600_000, intervalMs: o.intervalMs, fx: o.fx,
        ...(o.method ? { method: o.method } : {}), ...(o.banditDraws ? { banditDraws: o.banditDraws } : {}),
      }, rng));
    }
    return summarize(outcomes, names);
  };
  const seed = o.seed ?? 1;
  const hasEffect = Object.values(o.effects).some((v) => v !== 0);
  return {
    options: { race: o.race.name, policy: o.race.policy.type, trafficRps: o.trafficRps, hours: o.hours, runs: o.runs, intervalMs: o.intervalMs, effects: o.effects },
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
  const finalWeights: Record<string, number> = {};
  for (const n of names) finalWeights[n] = outcomes.reduce((s, o) => s + (o.weights.get(n) ?? 0), 0) / Math.max(1, outcomes.length);
  return {
    runs: outcomes.length,
    rolledBack: outcomes.filter((o) => o.rollbackAt !== null).length,
    promoted: outcomes.filter((o) => o.promoteAt !== null).length,
    srmAlerted: outcomes.filter((o) => o.srmAlerts > 0).length,
    detectMinutes: detect.length > 0 ? { median: at(0.5), p90: at(0.9) } : null,
    finalWeights,
  };
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
