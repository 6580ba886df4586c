/**
 * `gate`: a challenger waits at weight 0 (status `waiting_gate`) until its latest launch-gate verdict passes
 * (`saima gate` stores verdicts; see `eval/gate.ts`). It then enters at its configured weight and races as a
 * canary: guardrails, ramp and promotion as in `canary.ts`.
 */
import type { ChallengerState } from '../race-state.js';
import * as say from './reasons.js';
import type { PolicyChange, PolicyInput } from './types.js';

export function gateStep(input: PolicyInput, c: ChallengerState, blocked: say.Said | null, busy: boolean): { change: PolicyChange | null; note: say.Said } {
  const verdict = input.evidence.gates.get(c.contender) ?? null;
  if (!verdict) return { change: null, note: say.noteGateNone() };
  const at = new Date(verdict.ts).toISOString();
  if (!verdict.passed) return { change: null, note: say.noteGateFailed(at) };
  if (blocked) return { change: null, note: say.noteGateBlocked(at, blocked) };
  if (busy) return { change: null, note: say.noteGateNextTick(at) };
  const policy = input.race.policy;
  const configured = input.race.challengers.find((x) => x.contender === c.contender)?.weight;
  const to = configured !== undefined && configured > 0 ? configured : c.weight > 0 ? c.weight : (policy.ramp[0] ?? 1);
  const others = input.state.challengers.filter((x) => x.status === 'active').reduce((s, x) => s + x.weight, 0);
  if (100 - (others + to) < to) return { change: null, note: say.noteGateRoom(at, to) };
  const step = Math.max(0, policy.ramp.findIndex((r) => r >= to));
  return {
    change: { kind: 'activate', contender: c.contender, to, step, reason: say.gatePassed().text, why: say.gatePassed().why, details: { gate: { passed: verdict.passed, ts: verdict.ts, reasons: verdict.reasons }, weight: to, step } },
    note: say.noteGateEntering(at, to),
  };
}
