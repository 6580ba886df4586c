/**
 * The tests run on one challenger against the champion, and how α is shared among them.
 *
 * Rollback (harm) tests form one family per challenger: every configured guardrail plus the primary metric
 * (a challenger significantly worse on the metric it is meant to win is rolled back too). The family is watched
 * in every evidence window the challenger goes through — a new one starts whenever its weight changes: at each
 * ramp step, at a manual `set-weight` (under a bandit, at the start of each stint: see `guardWindow`) — and each
 * window's K tests share that window's part of α (Bonferroni). The config foresees S windows (a canary's starting weight and each higher ramp step;
 * one for a bandit); each gets α/(S + 1), and the last share is kept for the windows nobody foresaw (manual
 * changes, re-weights): the i-th of them gets α/(S + 1)·6/(π²i²), and Σ 6/(π²i²) = 1. So however many windows a
 * challenger goes through, its harm tests spend at most α in total: the chance that a challenger no worse than
 * its margins is ever rolled back stays ≤ α. Promotion needs the primary significantly better and every guardrail
 * significantly within its margin; that is an intersection–union test, each part at plain α (Spotify's decision
 * rule, Schuirmann's two one-sided tests).
 */
import type { Race } from '../../config/types.js';
import { stintOf, type ChallengerState } from '../race-state.js';
import { armIn } from '../evidence.js';
import { sequentialInterval } from './interval-methods.js';
import { assessMetric, METRICS, type MetricSpec, type TestPlan } from './metrics.js';
import type { IntervalMethod, MetricAssessment, MetricName, PolicyInput } from './types.js';

export interface GuardResult {
  readonly metrics: MetricAssessment[];
  /** The first metric whose harm test is significant: the reason to roll back. */
  readonly broken: MetricAssessment | null;
  readonly requests: { champion: number; challenger: number };
}

/** Evidence windows the config foresees for a challenger: its starting weight and each higher ramp step. */
export function windowCount(race: Race, contender: string): number {
  if (race.policy.type === 'bandit') return 1;
  const start = race.challengers.find((c) => c.contender === contender)?.weight ?? race.policy.ramp[0] ?? 0;
  return 1 + race.policy.ramp.filter((r) => r > start).length;
}

/**
 * The share of the family's α for a challenger's `window`-th evidence window (1-based) when the config foresees
 * `foreseen` windows: 1/(S + 1) each for the foreseen, 6/(π²(S + 1)i²) for the i-th one beyond. Sums to 1 over
 * every window there could ever be.
 */
export function windowShare(window: number, foreseen: number): number {
  const s = Math.max(1, foreseen);
  if (window <= s) return 1 / (s + 1);
  const i = window - s;
  return 6 / (Math.PI * Math.PI * (s + 1) * i * i);
}

type Plans = Array<{ spec: MetricSpec; plan: TestPlan }>;
/** Plans depend only on the (frozen) race config, the contender and the method: computed once, not every tick. */
const planCache = new WeakMap<Race, WeakMap<IntervalMethod, Map<string, Plans>>>();

/** The metrics tested for a challenger in its `window`-th evidence window, with their roles, margins and levels. */
export function testPlans(input: PolicyInput, contender: string, window = 1): Plans {
  const method = input.method ?? sequentialInterval;
  let byMethod = planCache.get(input.race);
  if (!byMethod) planCache.set(input.race, (byMethod = new WeakMap()));
  let byContender = byMethod.get(method);
  if (!byContender) byMethod.set(method, (byContender = new Map()));
  const key = `${window}\u0000${contender}`;
  let plans = byContender.get(key);
  if (!plans) byContender.set(key, (plans = buildPlans(input.race, contender, window, method)));
  return plans;
}

function buildPlans(race: Race, contender: string, window: number, method: IntervalMethod): Plans {
  const policy = race.policy;
  const names = new Set<MetricName>([...(Object.keys(policy.guardrails) as MetricName[]), policy.primary]);
  const tested = [...names].filter((n) => METRICS[n].arm !== null).length;
  const harmAlpha = (policy.alpha * windowShare(window, windowCount(race, contender))) / Math.max(1, tested);
  return [...names].map((name) => {
    const guard = policy.guardrails[name];
    const role = name !== policy.primary ? 'guardrail' : guard ? 'both' : 'primary';
    return { spec: METRICS[name], plan: { role, margin: guard?.margin ?? 0, harmAlpha, alpha: policy.alpha, tuning: policy.tuning, method } };
  });
}

/**
 * The window a challenger's harm tests watch: its current evidence window, or under a bandit its whole stint.
 * A bandit moves weights every epoch, and windows restarted at each move would each hold a few users for a short
 * while, at a sliver of α. The stint's evidence stays valid for the always-valid tests as the weights move: lanes
 * are sticky and set by a hash of the user id, so which users a re-weight moves is fixed by their ids, not by what
 * they did; every user remains one independent unit (one who moved lanes has sums in both arms, which positively
 * correlates the arms, so the test assumes more variance than there is: conservative); and the sequences hold at
 * every sample size, including the ones an adaptive allocation happens to stop an arm at. The stint's tests take
 * the α share of its first window's ordinal; the re-weight windows inside it are not tested and spend none, so the
 * shares still sum to at most α.
 */
export function guardWindow(input: Pick<PolicyInput, 'race'>, c: ChallengerState): { since: number; window: number } {
  return input.race.policy.type === 'bandit' ? stintOf(c) : { since: c.since, window: c.window ?? 1 };
}

export function guardChallenger(input: PolicyInput, c: ChallengerState): GuardResult {
  const w = guardWindow(input, c);
  const champion = armIn(input.evidence, w.since, input.state.champion);
  const challenger = armIn(input.evidence, w.since, c.contender);
  const metrics = testPlans(input, c.contender, w.window).map(({ spec, plan }) => assessMetric(spec, plan, champion, challenger));
  return {
    metrics,
    broken: metrics.find((m) => m.harm?.significant === true) ?? null,
    requests: { champion: champion.requests, challenger: challenger.requests },
  };
}
