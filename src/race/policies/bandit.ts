/**
 * `bandit`: Thompson sampling among the champion and every active challenger on the primary metric. Each arm's
 * share is its posterior probability of being best (Beta for the error rate, normal for means), floored at
 * `bandit_floor` so no arm starves, once every arm has `min_samples` observations of the primary metric, when some
 * weight moves by a point or more. A bandit never promotes: it keeps allocating; promote by hand when you are done.
 *
 * Guardrails are the canary's tests, on the evidence of the challenger's whole stint (`guard.ts`, `guardWindow`):
 * re-weights do not restart it, so a harm test keeps every user the lane has had, at the stint's share of α.
 * Thompson sampling takes traffic from an arm that looks worse on the primary metric long before a harm test can
 * say so; so that the tests can still decide, a challenger keeps `bandit_guard_floor` (and so does the champion,
 * its control) until every harm test of it is settled — shown within its margin — or it is rolled back.
 * Re-weights are spaced in doubling epochs: the j-th comes at least `min_step_s`·2^(j−1) after the one before (at
 * most 64·`min_step_s`), as batched bandits do (Perchet et al., "Batched bandit problems", Annals of Statistics
 * 2016: a geometric grid), so users do not change lanes every tick.
 * The allocation itself reads the champion's whole window: adaptive weights make those pooled means biased when
 * the metric drifts over time (GrowthBook documents the same), and the split is not SRM-tested.
 */
import {
  betaPosterior, gaussianPosterior, thompsonBetaAllocation, thompsonGaussianAllocation,
} from '../../stats/index.js';
import { adjustmentOf, emptyArm, NO_ADJUSTMENT, type ArmEvidence } from '../evidence.js';
import { checkSpend } from './race-checks.js';
import { challengerView, details, QUIET_STEPS } from './canary.js';
import { guardChallenger, guardWindow, type GuardResult } from './guard.js';
import { leansHarmful, METRICS, observations } from './metrics.js';
import * as say from './reasons.js';
import type { ChallengerAssessment, PolicyChange, PolicyInput, Verdict } from './types.js';
import type { ChallengerState } from '../race-state.js';

export function decideBandit(input: PolicyInput): Verdict {
  const { state, race, now } = input;
  const policy = race.policy;
  const spend = checkSpend(input);
  const blocked = state.frozen ? say.blockedFrozen(state.frozen) : spend.change ? say.blockedSpend() : null;
  const changes: PolicyChange[] = spend.change ? [spend.change] : [];
  const views: ChallengerAssessment[] = [];
  const racing: string[] = [state.champion];
  const unsettled = new Set<string>();
  const guards = new Map<string, GuardResult>();
  for (const c of state.challengers) {
    if (c.status !== 'active') {
      views.push(challengerView(c, null, say.noteStatus(c.status)));
      continue;
    }
    const guard = guardChallenger(input, c);
    guards.set(c.contender, guard);
    if (guard.broken) changes.unshift({ kind: 'rollback', contender: c.contender, since: c.since, ...say.reasonOf(say.guardrailBroken(guard.broken)), details: details(input, c, guard) });
    else {
      racing.push(c.contender);
      if (!settled(guard) && !hopeless(input, c, guard)) unsettled.add(c.contender);
    }
    views.push(challengerView(c, guard, guard.broken ? say.noteRolledBack() : say.noteRacing()));
  }
  const assessment = { policy: 'bandit', at: now, blocked: blocked?.text ?? null, blocked_why: blocked?.why ?? null, srm: null, spend: spend.spend, bandit: null as { shares: Record<string, number> } | null, challengers: views };
  const due = input.memory.lastReweightAt === null || now - input.memory.lastReweightAt >= epochMs(input);
  const spec = METRICS[policy.primary];
  if (blocked || !due || racing.length < 2 || !spec.arm) return { changes, assessment, banditEvaluated: false };
  const window = input.evidence.windows.get(state.championSince);
  const arms = racing.map((name) => window?.get(name) ?? emptyArm(name));
  if (arms.some((a) => observations(policy.primary, a) < policy.min_samples)) {
    const widen = climb(input, unsettled, guards) ?? quietLanes(input, arms);
    if (widen) changes.push(widen);
    return { changes, assessment, banditEvaluated: widen !== null };
  }

  const shares = withFloors(allocate(input, arms), floors(input, racing, unsettled));
  assessment.bandit = { shares: Object.fromEntries(racing.map((name, i) => [name, shares[i]!])) };
  const current = new Map(state.challengers.map((c) => [c.contender, c.weight]));
  const weights = racing.slice(1).map((name, i) => ({ contender: name, weight: Math.round(shares[i + 1]! * 1000) / 10 }));
  const moved = weights.some((w) => Math.abs(w.weight - (current.get(w.contender) ?? 0)) >= 1);
  if (moved) {
    const words = weights.map((w) => `${w.contender} ${current.get(w.contender) ?? 0}% → ${w.weight}%`).join(', ');
    changes.push({ kind: 'reweight', weights, ...say.reasonOf(say.banditReweight(policy.primary, words)), details: { metric: policy.primary, shares: assessment.bandit.shares, weights, arms: arms.map((a) => ({ contender: a.contender, ...spec.arm!(a) })) } });
  }
  return { changes, assessment, banditEvaluated: true };
}

/**
 * A sticky lane holds whoever its users are: at a 1 % start among a few hundred users it may hold none, or a few
 * quiet ones, and the bandit would wait for `min_samples` forever. When the champion has them and every challenger
 * short of them has waited QUIET_STEPS × `min_step_s` in its window, those challengers' weights double (at least
 * one point more; the champion keeps at least as much as each) — the canary's next step, not a Thompson draw.
 */
function quietLanes(input: PolicyInput, arms: readonly ArmEvidence[]): PolicyChange | null {
  const policy = input.race.policy;
  if (!input.race.sticky || observations(policy.primary, arms[0]!) < policy.min_samples) return null;
  const short = new Set(arms.slice(1).filter((a) => observations(policy.primary, a) < policy.min_samples).map((a) => a.contender));
  const active = input.state.challengers.filter((c) => c.status === 'active');
  if (active.some((c) => short.has(c.contender) && input.now - c.since < QUIET_STEPS * policy.min_step_s * 1000)) return null;
  const weights = active.map((c) => ({ contender: c.contender, weight: c.weight }));
  for (const w of weights) {
    if (!short.has(w.contender)) continue;
    const others = weights.reduce((s, x) => s + (x === w ? 0 : x.weight), 0);
    w.weight = Math.min(Math.max(2 * w.weight, w.weight + 1), (100 - others) / 2);
  }
  const moved = weights.filter((w) => w.weight !== active.find((c) => c.contender === w.contender)!.weight);
  if (moved.length === 0) return null;
  const words = moved.map((w) => `${w.contender} ${active.find((c) => c.contender === w.contender)!.weight}% → ${w.weight}%`).join(', ');
  return { kind: 'reweight', weights, ...say.reasonOf(say.banditQuiet(policy.primary, words, QUIET_STEPS * policy.min_step_s)), details: { metric: policy.primary, weights, quiet: [...short] } };
}

/**
 * Before its first allocation (some arm short of `min_samples` observations of the primary metric, which for
 * feedback takes ten times as many requests), an unsettled challenger below the guard floor climbs the `ramp` to
 * it as a canary would: a step after `min_step_s` and `min_samples` requests per arm in its epoch (a quiet sticky
 * lane after QUIET_STEPS × `min_step_s`), while no guardrail leans past its margin, the champion keeping at least
 * as much. Its harm tests then have the guard floor's users from the start, not from the first allocation. It is a
 * re-weight, not a ramp: the stint goes on.
 */
function climb(input: PolicyInput, unsettled: ReadonlySet<string>, guards: ReadonlyMap<string, GuardResult>): PolicyChange | null {
  const policy = input.race.policy;
  const active = input.state.challengers.filter((c) => c.status === 'active' && guards.get(c.contender)?.broken === null);
  const top = Math.round(Math.min(policy.bandit_guard_floor, 1 / (active.length + 1)) * 1000) / 10;
  const weights = active.map((c) => ({ contender: c.contender, weight: c.weight }));
  const moved: string[] = [];
  let first: { from: number; to: number; seconds: number; requests: number } | null = null;
  for (const w of weights) {
    const c = active.find((x) => x.contender === w.contender)!;
    if (!unsettled.has(c.contender) || c.weight >= top) continue;
    const elapsed = (input.now - c.since) / 1000;
    const window = input.evidence.windows.get(c.since);
    const champion = window?.get(input.state.champion)?.requests ?? 0;
    const own = window?.get(c.contender)?.requests ?? 0;
    const enough = champion >= policy.min_samples && (own >= policy.min_samples || (input.race.sticky && elapsed >= QUIET_STEPS * policy.min_step_s));
    if (elapsed < policy.min_step_s || !enough || guards.get(c.contender)!.metrics.some(leansHarmful)) continue;
    const others = weights.reduce((sum, x) => sum + (x === w ? 0 : x.weight), 0);
    const to = Math.min(policy.ramp.find((r) => r > c.weight) ?? top, top, (100 - others) / 2);
    if (to <= c.weight) continue;
    moved.push(`${c.contender} ${c.weight}% → ${to}%`);
    first ??= { from: c.weight, to, seconds: Math.floor(elapsed), requests: own };
    w.weight = to;
  }
  if (first === null) return null;
  return { kind: 'reweight', weights, ...say.reasonOf(say.rampStep(first.seconds, first.requests, first.from, first.to)), details: { metric: policy.primary, weights, climb: moved } };
}

/**
 * A challenger is settled once every harm test it has is decided the other way: shown within its margin. Until
 * then it needs evidence, and evidence needs users in its lane — and the champion's, its control.
 */
function settled(guard: GuardResult): boolean {
  return guard.metrics.every((m) => !m.available || m.nonInferior?.significant === true);
}

/**
 * How long a stint may go without a single harm test able to run (each arm short of the 30 units a test needs)
 * before the guard floor lets go of it: the longest re-weight epoch, QUIET_STEPS times over (10.7 h at the
 * default `min_step_s`). A lane at the guard floor that still holds too few effective users after that — traffic
 * from a handful of very active users — will not give the tests their users by waiting, and holding a quarter
 * of the traffic there would only spend it on an arm the bandit thinks worse.
 */
function hopeless(input: PolicyInput, c: ChallengerState, guard: GuardResult): boolean {
  const patience = QUIET_STEPS * 2 ** MAX_EPOCH_DOUBLINGS * input.race.policy.min_step_s * 1000;
  return input.now - guardWindow(input, c).since >= patience && guard.metrics.every((m) => m.harm === null);
}

/**
 * Each arm's least share: `bandit_guard_floor` for an unsettled challenger and, while any challenger is unsettled,
 * for the champion; `bandit_floor` otherwise (each at most 1/arms, so they fit). Thompson sampling takes traffic
 * from an arm as soon as it looks worse on the primary metric, well before a harm test can say so: at the 1 %
 * floor a sticky lane keeps a handful of users and the harm tests stall, so a harmful arm would be starved but
 * never rolled back. The guard floor keeps the lane big enough for its tests to decide, as a canary's ramp does.
 */
function floors(input: PolicyInput, racing: readonly string[], unsettled: ReadonlySet<string>): number[] {
  const policy = input.race.policy;
  const most = 1 / racing.length;
  const low = Math.min(policy.bandit_floor, most);
  const guard = Math.max(low, Math.min(policy.bandit_guard_floor, most));
  return racing.map((name, i) => (i === 0 ? (unsettled.size > 0 ? guard : low) : unsettled.has(name) ? guard : low));
}

/** Each arm gets its floor plus its share of what the floors leave. */
function withFloors(shares: ArrayLike<number>, least: readonly number[]): Float64Array {
  const spare = 1 - least.reduce((s, f) => s + f, 0);
  return Float64Array.from(least, (f, i) => f + spare * shares[i]!);
}

/** Longest epoch: 2^6 = 64 × `min_step_s`. */
const MAX_EPOCH_DOUBLINGS = 6;

/** The least time between re-weights now: `min_step_s`·2^(j−1), j the windows the challengers have opened. */
function epochMs(input: PolicyInput): number {
  let opened = 1;
  for (const c of input.state.challengers) if (c.status === 'active') opened = Math.max(opened, c.window ?? 1);
  return input.race.policy.min_step_s * 1000 * 2 ** Math.min(MAX_EPOCH_DOUBLINGS, opened - 1);
}

/** P(best) per arm on the primary metric. */
function allocate(input: PolicyInput, arms: ArmEvidence[]): Float64Array {
  const metric = input.race.policy.primary;
  const options = { rng: input.random, draws: input.banditDraws ?? 10_000 };
  if (metric === 'error_rate') {
    return thompsonBetaAllocation(arms.map((a) => {
      const failures = Math.min(a.requests, a.errors + a.truncations);
      return betaPosterior(a.requests - failures, failures);
    }), options);
  }
  const spec = METRICS[metric];
  // Sticky races with pre-race history: the arms' means adjusted by their users' baselines (θ pooled over every
  // arm), so a lane that drew users who were always slow or always unhappy is not read as a worse model.
  const adj = spec.unit ? adjustmentOf(spec.unit, ...arms) : NO_ADJUSTMENT;
  return thompsonGaussianAllocation(arms.map((a) => gaussianPosterior(spec.arm!(a, adj))), { ...options, lowerIsBetter: spec.worse === 'higher' });
}
