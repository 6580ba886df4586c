/**
 * What the monitor says, twice from the same numbers: English text for the API, the CLI and the logs, and a code
 * with its parameters that a page renders in its own language. A decision stores the code in its details
 * (`reason_code`, `reason_params`), beside the statistics; an assessment carries it beside each note. Numbers in
 * the parameters are already formatted as the English text has them, so both say exactly the same thing.
 */
import { METRICS } from './metrics.js';
import type { MetricAssessment } from './types.js';

export interface ReasonCode {
  code: string;
  params: Record<string, string | number>;
}

export interface Said {
  text: string;
  why: ReasonCode;
}

const said = (code: string, params: ReasonCode['params'], text: string): Said => ({ text, why: { code, params } });

/** A broken guardrail: the metric, its effect, the bound that crossed the margin, and the harm test's p. */
export function guardrailBroken(m: MetricAssessment): Said {
  const ratio = METRICS[m.metric].scale !== 'absolute';
  const fmt = (x: number) => (ratio ? `${x.toFixed(3)}×` : `${x >= 0 ? '+' : ''}${x.toFixed(4)}`);
  const limit = ratio ? `${(1 + m.margin).toFixed(3)}×` : fmt(METRICS[m.metric].worse === 'higher' ? m.margin : -m.margin);
  const cmp = METRICS[m.metric].worse === 'higher' ? '>' : '<';
  const p = { metric: m.metric, effect: fmt(m.effect), bound: fmt(m.harm!.bound), cmp, limit, p: m.harm!.pValue.toPrecision(2) };
  return said('guardrail_broken', p, `guardrail broken: ${p.metric} ${p.effect} (bound ${p.bound} ${cmp} ${limit}, p = ${p.p})`);
}

export const rampStep = (seconds: number, requests: number, from: number, to: number): Said =>
  said('ramp', { seconds, requests, from, to }, `guardrails hold after ${seconds} s and ${requests} requests: ${from}% → ${to}%`);

export const promoted = (metric: string, p: string): Said =>
  said('promote', { metric, p }, `${metric} significantly better (p = ${p}) and every guardrail within its margin`);

/** `metrics` joined by commas: the page names each in its language. */
export const holdLeaning = (weight: number, metrics: readonly string[]): Said =>
  said('hold_leaning', { weight, metrics: metrics.join(',') }, `holding at ${weight}%: ${metrics.join(', ')} ${metrics.length > 1 ? 'lean' : 'leans'} past the margin (not yet significant)`);

export const holdRoom = (weight: number, next: number): Said =>
  said('hold_room', { weight, next }, `holding at ${weight}%: ${next}% would leave the champion less traffic than this challenger`);

export const gatePassed = (): Said => said('gate_passed', {}, 'gate passed');

/** `moves`: `contender from% → to%`, comma-separated, as in the text. */
export const banditReweight = (metric: string, moves: string): Said => said('bandit_reweight', { metric, moves }, `bandit re-weight on ${metric}: ${moves}`);

export const banditQuiet = (metric: string, moves: string, seconds: number): Said =>
  said('bandit_quiet', { metric, moves, seconds }, `bandit: ${moves} (too few ${metric} observations after ${seconds} s)`);

export const sampleRatioMismatch = (units: string, weights: string, bf: string, p: string, chi2: string): Said =>
  said('srm', { units, weights, bf, p, chi2 }, `sample ratio mismatch: observed ${units} units for weights ${weights} (Bayes factor ${bf}, always-valid p = ${p}; χ² = ${chi2}); ramps and promotions wait`);

export const spendCap = (extra: string, cap: string): Said =>
  said('spend_cap', { extra, cap }, `challengers cost ${extra} CNY more than the champion would have, past the cap of ${cap} CNY; ramping frozen`);

/** Why a race adds no traffic now: frozen (with the freeze's own words), the spend cap, or a failed SRM check. */
export const blockedFrozen = (reason: string): Said => said('blocked_frozen', { reason }, `frozen (${reason})`);
export const blockedSpend = (): Said => said('blocked_spend', {}, 'the extra-spend cap is reached');
export const blockedSrm = (): Said => said('blocked_srm', {}, 'the traffic split fails its sample-ratio check');

// Notes of the assessment: what the policy waits for, or what it did.
export const noteStatus = (status: string): Said => said('note_status', { status }, status.replace('_', ' '));
export const noteRolledBack = (): Said => noteStatus('rolled_back');
export const noteRacing = (): Said => said('note_racing', {}, 'racing');
export const noteWaitingBlocked = (blocked: Said): Said => said('note_blocked', { blocked: blocked.why.code, reason: blocked.why.params.reason ?? '' }, `waiting: ${blocked.text}`);
export const noteNextStep = (next: number, minStepS: number, minSamples: number, elapsed: number, champion: number, challenger: number): Said =>
  said('note_next_step', { next, min_step_s: minStepS, min_samples: minSamples, elapsed, champion, challenger }, `next step ${next}% after ${minStepS} s and ${minSamples} requests per arm (now ${elapsed} s, ${champion}/${challenger})`);
export const noteNextTick = (next: number): Said => said('note_next_tick', { next }, `next step ${next}% on the next tick`);
export const noteRamping = (next: number): Said => said('note_ramping', { next }, `ramping to ${next}%`);
export const noteLastStepSamples = (minSamples: number): Said => said('note_last_samples', { min_samples: minSamples }, `last step: waiting for ${minSamples} requests per arm`);
/** `metric`/`p` empty when the primary is already better; `pending` comma-separated, empty when none. */
export function noteLastStepWaiting(metric: string, p: string, pending: readonly string[]): Said {
  const waits = [
    ...(metric ? [`${metric} to be significantly better (p = ${p})`] : []),
    ...(pending.length > 0 ? [`${pending.join(', ')} to be shown within ${pending.length > 1 ? 'their margins' : 'its margin'}`] : []),
  ];
  return said('note_last_waiting', { metric, p, pending: pending.join(',') }, `last step: waiting for ${waits.join(' and ')}`);
}
export const notePromotingNextTick = (): Said => said('note_promoting_next_tick', {}, 'promoting on the next tick');
export const notePromoted = (): Said => said('note_promoted', {}, 'promoted');
export const noteGateWrongPolicy = (policy: string): Said => said('note_gate_policy', { policy }, `waiting for a launch gate, but the policy is ${policy}: activate it by hand`);
export const noteGateNone = (): Said => said('note_gate_none', {}, 'waiting for its launch gate: no verdict yet (run `saima gate`)');
export const noteGateFailed = (at: string): Said => said('note_gate_failed', { at }, `waiting for its launch gate: the latest verdict (${at}) failed`);
export const noteGateBlocked = (at: string, blocked: Said): Said => said('note_gate_blocked', { at, blocked: blocked.why.code, reason: blocked.why.params.reason ?? '' }, `gate passed (${at}); waiting: ${blocked.text}`);
export const noteGateNextTick = (at: string): Said => said('note_gate_next_tick', { at }, `gate passed (${at}); entering on the next tick`);
export const noteGateRoom = (at: string, to: number): Said => said('note_gate_room', { at, to }, `gate passed (${at}); waiting for room: ${to}% would leave the champion less traffic than this challenger`);
export const noteGateEntering = (at: string, to: number): Said => said('note_gate_entering', { at, to }, `gate passed (${at}); entering at ${to}%`);

/** The `reason` and `why` of a policy change. */
export const reasonOf = (s: Said): { reason: string; why: ReasonCode } => ({ reason: s.text, why: s.why });

/** The details stored with a decision: its statistics, and the reason's code and parameters. */
export function withReason(details: Record<string, unknown>, why: ReasonCode): Record<string, unknown> {
  return { ...details, reason_code: why.code, reason_params: why.params };
}
