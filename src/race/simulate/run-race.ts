/**
 * One simulated race on a simulated clock: each tick draws the traffic each contender received at the weights in
 * force, adds it to every open evidence window, and runs the real policy code (`decide`, `applyPolicyChange`)
 * exactly as the monitor does, minus the store and HTTP. Gate policies are simulated as if every gate passed at
 * the start.
 */
import type { Race } from '../../config/types.js';
import type { RandomSource } from '../../stats/index.js';
import type { ArmEvidence, GateVerdict, Moments, RaceEvidence } from '../evidence.js';
import { applyPolicyChange, assignmentSince, decide, emptyMemory, remember, sequentialInterval, type IntervalMethod } from '../policies/index.js';
import { routedChallengers, seedState, stintOf, type RaceState } from '../race-state.js';
import { synthesize, type ArmProfile } from './scenario.js';
import { samplePoisson } from './samplers.js';
import { runUserRace } from './run-user-race.js';
import type { UserModel } from './users.js';

export interface SimRace {
  race: Race;
  /** Profile of every contender of the race. */
  profiles: ReadonlyMap<string, ArmProfile>;
  trafficRps: number;
  durationMs: number;
  intervalMs: number;
  fx: { CNY: number; USD: number };
  method?: IntervalMethod;
  banditDraws?: number;
  /** Sticky users who differ (see `users.ts`); without, every request is an independent draw. */
  users?: UserModel;
  /** With users: the unit the policy's tests use (default `user`, what the monitor does). */
  analysis?: 'user' | 'request';
}

export interface RaceOutcome {
  /** Simulated ms from the start to the first rollback / the promotion; null if none. */
  rollbackAt: number | null;
  promoteAt: number | null;
  /** The first rollback's reason (which guardrail broke), for breaking false rollbacks down by metric. */
  rollbackReason?: string;
  srmAlerts: number;
  /** Final traffic share (percent) of every contender. */
  weights: Map<string, number>;
  state: RaceState;
}

export function runRace(sim: SimRace, rng: RandomSource): RaceOutcome {
  if (sim.users) return runUserRace({ ...sim, users: sim.users }, rng);
  let state = seedState(sim.race, 0);
  const memory = emptyMemory();
  const windows = new Map<number, Map<string, Arm>>([[0, new Map()]]);
  const gates = new Map<string, GateVerdict | null>(state.challengers.map((c) => [c.contender, { passed: true, ts: 0, reasons: 'simulated' }]));
  const out: RaceOutcome = { rollbackAt: null, promoteAt: null, srmAlerts: 0, weights: new Map(), state };
  const perTick = (sim.trafficRps * sim.intervalMs) / 1000;
  const method = sim.method ?? sequentialInterval;
  for (let t = sim.intervalMs; t <= sim.durationMs; t += sim.intervalMs) {
    const routed = routedChallengers(state).filter((c) => c.weight > 0);
    const arms = [{ contender: state.champion, weight: 100 - routed.reduce((s, c) => s + c.weight, 0) }, ...routed];
    for (const arm of arms) {
      const n = arm.weight > 0 ? samplePoisson((perTick * arm.weight) / 100, rng) : 0;
      if (n === 0) continue;
      const batch = synthesize(arm.contender, sim.profiles.get(arm.contender)!, n, rng);
      for (const w of windows.values()) {
        const acc = w.get(arm.contender);
        if (acc) accumulate(acc, batch);
        else w.set(arm.contender, copyArm(batch));
      }
    }
    const aSince = assignmentSince({ state });
    const units = new Map([...(windows.get(aSince)?.values() ?? [])].map((a) => [a.contender, a.requests]));
    const evidence: RaceEvidence = { windows, assignment: { since: aSince, units }, gates };
    const verdict = decide({ race: sim.race, state, evidence, now: t, memory, fx: sim.fx, random: rng, method, banditDraws: sim.banditDraws ?? 1000, explain: false });
    if (verdict.banditEvaluated) memory.lastReweightAt = t;
    for (const change of verdict.changes) {
      const applied = applyPolicyChange(structuredClone(state), change, t);
      if (!applied) continue;
      state = applied.state;
      remember(memory, change, t);
      if (change.kind === 'rollback' && out.rollbackAt === null) {
        out.rollbackAt = t;
        out.rollbackReason = change.reason;
      }
      if (change.kind === 'promote') out.promoteAt ??= t;
      if (change.kind === 'srm-alert') out.srmAlerts++;
    }
    openWindows(state, windows);
    if (!state.challengers.some((c) => c.status === 'active' || c.status === 'waiting_gate')) break;
  }
  const routed = routedChallengers(state);
  out.weights.set(state.champion, 100 - routed.reduce((s, c) => s + c.weight, 0));
  for (const c of routed) out.weights.set(c.contender, c.weight);
  out.state = state;
  return out;
}

/** Keeps exactly the windows the state refers to; a new window starts empty and collects the next ticks. */
function openWindows(state: RaceState, windows: Map<number, Map<string, Arm>>): void {
  const wanted = new Set([state.championSince, assignmentSince({ state }), ...state.challengers.filter((c) => c.status === 'active').flatMap((c) => [c.since, stintOf(c).since])]);
  for (const since of wanted) if (!windows.has(since)) windows.set(since, new Map());
  for (const since of windows.keys()) if (!wanted.has(since)) windows.delete(since);
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
/** The simulator owns its accumulators and adds to them in place: a day is tens of thousands of ticks. */
type Arm = Mutable<Omit<ArmEvidence, 'logLatency' | 'logTtft' | 'cost' | 'feedback'>> & Record<'logLatency' | 'logTtft' | 'cost' | 'feedback', Mutable<Moments>>;

function copyArm(a: ArmEvidence): Arm {
  return { ...a, logLatency: { ...a.logLatency }, logTtft: { ...a.logTtft }, cost: { ...a.cost }, feedback: { ...a.feedback }, judge: { ...a.judge } };
}

function accumulate(into: Arm, b: ArmEvidence): void {
  into.requests += b.requests;
  into.errors += b.errors;
  into.cuts += b.cuts;
  into.truncations += b.truncations;
  for (const k of ['logLatency', 'logTtft', 'cost', 'feedback'] as const) {
    into[k].n += b[k].n;
    into[k].sum += b[k].sum;
    into[k].sumSquares += b[k].sumSquares;
  }
}
