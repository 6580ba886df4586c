/**
 * `canary` (and `gate` once a challenger's launch gate has passed): a challenger starts at its configured weight
 * and climbs the `ramp` one step at a time — each step after `min_step_s` and `min_samples` requests per arm, while
 * no guardrail leans past its margin — and is promoted from the last step once the primary metric is
 * significantly better and every guardrail is significantly within its margin. Any significant harm rolls it back
 * at once, at any step. Blocked races (SRM, frozen) still roll back but add no traffic.
 */
import { checkSpend, checkSrm } from './race-checks.js';
import { guardChallenger, guardWindow, type GuardResult } from './guard.js';
import { gateStep } from './gate.js';
import { leansHarmful } from './metrics.js';
import * as say from './reasons.js';
import type { ChallengerAssessment, PolicyChange, PolicyInput, Verdict } from './types.js';
import type { ChallengerState } from '../race-state.js';

interface Step {
  change: PolicyChange | null;
  note: say.Said;
}

export function decideCanary(input: PolicyInput): Verdict {
  const { state } = input;
  const srm = checkSrm(input);
  const spend = checkSpend(input);
  const blocked = state.frozen ? say.blockedFrozen(state.frozen) : spend.change ? say.blockedSpend() : srm.srm?.flagged ? say.blockedSrm() : null;
  const rollbacks: PolicyChange[] = [];
  const alerts = [spend.change, srm.change].filter((c): c is PolicyChange => c !== null);
  const adds: PolicyChange[] = [];
  const views: ChallengerAssessment[] = [];
  for (const c of state.challengers) {
    if (c.status === 'waiting_gate') {
      const g = input.race.policy.type === 'gate' ? gateStep(input, c, blocked, adds.length > 0) : { change: null, note: say.noteGateWrongPolicy(input.race.policy.type) };
      if (g.change) adds.push(g.change);
      views.push(challengerView(c, null, g.note));
      continue;
    }
    if (c.status !== 'active') {
      views.push(challengerView(c, null, say.noteStatus(c.status)));
      continue;
    }
    const guard = guardChallenger(input, c);
    let step: Step;
    if (guard.broken) {
      step = { change: { kind: 'rollback', contender: c.contender, since: c.since, ...say.reasonOf(say.guardrailBroken(guard.broken)), details: details(input, c, guard) }, note: say.noteRolledBack() };
      rollbacks.push(step.change!);
    } else {
      step = blocked ? { change: null, note: say.noteWaitingBlocked(blocked) } : advance(input, c, guard, adds.length > 0);
      if (step.change?.kind === 'hold') alerts.push(step.change);
      else if (step.change) adds.push(step.change);
    }
    views.push(challengerView(c, guard, step.note));
  }
  return {
    changes: [...rollbacks, ...alerts, ...adds],
    assessment: { policy: input.race.policy.type, at: input.now, blocked: blocked?.text ?? null, blocked_why: blocked?.why ?? null, srm: srm.srm, spend: spend.spend, bandit: null, challengers: views },
    banditEvaluated: false,
  };
}

const SILENT: say.Said = { text: '', why: { code: '', params: {} } };

/** Builds a note only when someone will read it: the simulator asks for none. */
function lazy(input: PolicyInput, note: () => say.Said): say.Said {
  return input.explain === false ? SILENT : note();
}

/** A challenger's line in the race assessment (spelled out, not spread: this runs every simulated tick). */
export function challengerView(c: ChallengerState, guard: GuardResult | null, note: say.Said): ChallengerAssessment {
  const view: ChallengerAssessment = {
    contender: c.contender, status: c.status, weight: c.weight, step: c.step, since: c.since,
    requests: guard ? guard.requests : { champion: 0, challenger: 0 }, metrics: guard ? guard.metrics : [], note: note.text,
  };
  return note.why.code === '' ? view : { ...view, why: note.why };
}

/**
 * The statistics stored with a decision. `unit` names what the tests' n counts: in a sticky race effective users
 * (Kish's (ΣNᵢ)²/ΣNᵢ² over users, each request without a user counting as one), requests otherwise.
 */
export function details(input: PolicyInput, c: ChallengerState, guard: GuardResult): Record<string, unknown> {
  const w = guardWindow(input, c);
  const unit = input.evidence.windows.get(w.since)?.get(c.contender)?.units ? 'effective user' : 'request';
  return { window: { since: w.since, weight: c.weight, step: c.step, ordinal: w.window, requests: guard.requests }, unit, alpha: input.race.policy.alpha, tuning: input.race.policy.tuning, tests: guard.metrics };
}

/** A step waits for `min_samples` on the challenger at most this many times `min_step_s` (see `advance`). */
export const QUIET_STEPS = 10;

function advance(input: PolicyInput, c: ChallengerState, guard: GuardResult, busy: boolean): Step {
  const policy = input.race.policy;
  const next = policy.ramp.find((r) => r > c.weight);
  const enough = guard.requests.champion >= policy.min_samples && guard.requests.challenger >= policy.min_samples;
  if (next === undefined) return promotion(input, c, guard, enough, busy);
  const elapsed = (input.now - c.since) / 1000;
  // A sticky lane holds whoever its users are: at 1 % of a few hundred users it may hold none, or a few quiet ones,
  // and would wait for `min_samples` forever (a race split per request gets its share of every request). A step waits for them at most QUIET_STEPS × min_step_s; the guardrails
  // still hold or roll back whatever the lane does show.
  const quiet = input.race.sticky && elapsed >= QUIET_STEPS * policy.min_step_s && guard.requests.champion >= policy.min_samples;
  if (elapsed < policy.min_step_s || !(enough || quiet)) {
    return { change: null, note: lazy(input, () => say.noteNextStep(next, policy.min_step_s, policy.min_samples, Math.floor(elapsed), guard.requests.champion, guard.requests.challenger)) };
  }
  const leaning = guard.metrics.filter(leansHarmful).map((m) => m.metric);
  const others = input.state.challengers.filter((x) => x.status === 'active' && x !== c).reduce((s, x) => s + x.weight, 0);
  // The champion is the control: it keeps at least as much traffic as the challenger it is compared with.
  const room = 100 - (others + next) >= next;
  if (leaning.length > 0 || !room) {
    const cause = leaning.length > 0 ? `lean:${leaning.join(',')}` : 'room';
    const note = leaning.length > 0 ? say.holdLeaning(c.weight, leaning) : say.holdRoom(c.weight, next);
    const key = `${c.contender}:${c.since}:${cause}`;
    const change: PolicyChange | null = input.memory.holds.has(key) ? null : { kind: 'hold', contender: c.contender, since: c.since, key, ...say.reasonOf(note), details: { key, ...details(input, c, guard) } };
    return { change, note };
  }
  if (busy) return { change: null, note: say.noteNextTick(next) };
  return {
    change: { kind: 'ramp', contender: c.contender, since: c.since, to: next, step: policy.ramp.indexOf(next), ...say.reasonOf(say.rampStep(Math.floor(elapsed), guard.requests.challenger, c.weight, next)), details: details(input, c, guard) },
    note: say.noteRamping(next),
  };
}

function promotion(input: PolicyInput, c: ChallengerState, guard: GuardResult, enough: boolean, busy: boolean): Step {
  const policy = input.race.policy;
  const primary = guard.metrics.find((m) => m.role !== 'guardrail')!;
  const pending = guard.metrics.filter((m) => m.role !== 'primary' && m.available && m.nonInferior?.significant !== true).map((m) => m.metric);
  const better = primary.superior?.significant === true;
  if (!enough) return { change: null, note: say.noteLastStepSamples(policy.min_samples) };
  if (!better || pending.length > 0) {
    const p = primary.superior ? primary.superior.pValue.toPrecision(2) : 'n/a';
    return { change: null, note: lazy(input, () => say.noteLastStepWaiting(better ? '' : primary.metric, better ? '' : p, pending)) };
  }
  if (busy) return { change: null, note: say.notePromotingNextTick() };
  return {
    change: { kind: 'promote', contender: c.contender, since: c.since, ...say.reasonOf(say.promoted(primary.metric, primary.superior!.pValue.toPrecision(2))), details: details(input, c, guard) },
    note: say.notePromoted(),
  };
}
