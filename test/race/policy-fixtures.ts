/** Races, states and evidence with chosen means and spreads, for the pure policy tests. */
import { buildConfig } from '../../src/config/load.js';
import type { Race } from '../../src/config/types.js';
import type { ArmEvidence, GateVerdict, RaceEvidence } from '../../src/race/evidence.js';
import { emptyMemory, type PolicyInput } from '../../src/race/policies/index.js';
import type { RaceState } from '../../src/race/race-state.js';
import { SeededRandom } from '../../src/stats/index.js';

export const MIN = 60_000;

export function raceWith(policy: Record<string, unknown>, challengers: Array<{ contender: string; weight: number }> = [{ contender: 'chal', weight: 5 }]): Race {
  const mock = { provider: 'mock', model: 'm', price: { input: 1, output: 2 }, mock: {} };
  const contenders = Object.fromEntries(['champ', ...challengers.map((c) => c.contender)].map((n) => [n, mock]));
  return buildConfig({ contenders, races: { r: { champion: 'champ', challengers, policy } } }, {}).races.get('r')!;
}

/** Moments of n values with the given mean and standard deviation (sample variance exactly sd²). */
function moments(n: number, mean: number, sd: number) {
  return { n, sum: n * mean, sumSquares: n * mean * mean + (n > 1 ? (n - 1) * sd * sd : 0) };
}

export interface ArmSpec {
  requests: number;
  errors?: number;
  /** Geometric-mean latency (ms) and the sd of ln(latency). */
  latencyMs?: number;
  latencySd?: number;
  feedback?: { n: number; mean: number; sd?: number };
  cost?: number;
  /** Battle scores against the champion: n battles with this mean (win 1, tie 0.5, loss 0). */
  judge?: { n: number; mean: number; sd?: number };
}

export function arm(contender: string, s: ArmSpec): ArmEvidence {
  const ok = s.requests - (s.errors ?? 0);
  const fb = s.feedback ?? { n: 0, mean: 0 };
  return {
    contender,
    requests: s.requests,
    errors: s.errors ?? 0,
    cuts: 0,
    truncations: 0,
    logLatency: moments(ok, Math.log(s.latencyMs ?? 800), s.latencySd ?? 0.5),
    logTtft: moments(ok, Math.log(300), 0.5),
    cost: moments(s.requests, s.cost ?? 0.002, (s.cost ?? 0.002) / 2),
    feedback: moments(fb.n, fb.mean, fb.sd ?? 0.9),
    judge: s.judge ? moments(s.judge.n, s.judge.mean, s.judge.sd ?? 0.45) : { n: 0, sum: 0, sumSquares: 0 },
  };
}

export function state(challengers: Array<Partial<RaceState['challengers'][number]> & { contender: string }>, extra: Partial<RaceState> = {}): RaceState {
  return {
    champion: 'champ',
    championSince: 0,
    challengers: challengers.map((c) => ({ weight: 5, since: 0, status: 'active' as const, step: 0, ...c })),
    frozen: null,
    spendSince: null,
    ...extra,
  };
}

export function evidence(windows: Record<number, ArmEvidence[]>, extra: { units?: Record<string, number>; since?: number; gates?: Record<string, GateVerdict | null> } = {}): RaceEvidence {
  return {
    windows: new Map(Object.entries(windows).map(([since, arms]) => [Number(since), new Map(arms.map((a) => [a.contender, a]))])),
    assignment: extra.units ? { since: extra.since ?? 0, units: new Map(Object.entries(extra.units)) } : null,
    gates: new Map(Object.entries(extra.gates ?? {})),
  };
}

export function input(race: Race, s: RaceState, e: RaceEvidence, now: number, memory = emptyMemory()): PolicyInput {
  return { race, state: s, evidence: e, now, memory, fx: { CNY: 1, USD: 7.1 }, random: new SeededRandom(7) };
}
