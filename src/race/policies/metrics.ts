/**
 * The race metrics and how each is tested, challenger against champion:
 *
 * | metric           | harm is  | effect tested                    | margin                 | shown as   |
 * | ---------------- | -------- | -------------------------------- | ---------------------- | ---------- |
 * | error_rate       | higher   | difference of rates              | absolute (0.01 = 1 pt) | difference |
 * | p95_latency      | higher   | difference of mean ln(latency)   | relative, as ln(1 + m) | ratio      |
 * | ttft             | higher   | difference of mean ln(TTFT)      | relative, as ln(1 + m) | ratio      |
 * | cost_per_request | higher   | relative difference of means     | relative               | ratio      |
 * | feedback         | lower    | difference of mean scores        | absolute               | difference |
 * | judge_win_rate   | lower    | mean battle score − 0.5          | absolute               | difference |
 *
 * judge_win_rate is one-sample: each battle scores the challenger against the champion (win 1, tie 0.5, loss 0),
 * so the champion's side is 1 − that and carries no information of its own; the reference is a draw, 0.5.
 *
 * Latency is compared on the log scale (see `stats/latency.ts`): for log-normal latencies with the same spread
 * the ratio of geometric means is also the ratio of every percentile, p95 included, and the log tames the tail
 * so the normal approximation behind the confidence sequence holds early.
 */
import { estimateEffect, isInformative, type ArmStats, type Effect } from '../../stats/index.js';
import { adjustmentOf, costArm, errorRateArm, feedbackArm, judgeArm, JUDGE_REFERENCE, logLatencyArm, logTtftArm, NO_ADJUSTMENT, type Adjustment, type ArmEvidence } from '../evidence.js';
import type { UnitMetric } from '../unit-book.js';
import type { IntervalMethod, MetricAssessment, MetricName, TestOutcome } from './types.js';

export interface MetricSpec {
  readonly name: MetricName;
  readonly worse: 'higher' | 'lower';
  readonly scale: 'absolute' | 'log' | 'relative';
  /**
   * Arm statistics from evidence, regression-adjusted by `adj` when given (sticky races whose users carry pre-race
   * covariates); null when Saima has no data for the metric.
   */
  readonly arm: ((e: ArmEvidence, adj?: Adjustment) => ArmStats) | null;
  /** The per-user sums the metric is a ratio of, for the pre-race adjustment; none: never adjusted. */
  readonly unit?: UnitMetric;
  /** One-sample metrics: the champion's value is this constant, not a measurement of its own. */
  readonly reference?: number;
}

export const METRICS: Readonly<Record<MetricName, MetricSpec>> = {
  error_rate: { name: 'error_rate', worse: 'higher', scale: 'absolute', arm: errorRateArm, unit: 'errors' },
  p95_latency: { name: 'p95_latency', worse: 'higher', scale: 'log', arm: logLatencyArm, unit: 'logLatency' },
  ttft: { name: 'ttft', worse: 'higher', scale: 'log', arm: logTtftArm, unit: 'logTtft' },
  cost_per_request: { name: 'cost_per_request', worse: 'higher', scale: 'relative', arm: costArm, unit: 'cost' },
  feedback: { name: 'feedback', worse: 'lower', scale: 'absolute', arm: feedbackArm, unit: 'feedback' },
  judge_win_rate: { name: 'judge_win_rate', worse: 'lower', scale: 'absolute', arm: judgeArm, reference: JUDGE_REFERENCE },
};

/**
 * Observations of a metric in an arm (requests, successful requests, ratings, battles), whatever the unit of
 * analysis: what `min_samples` counts.
 */
export function observations(metric: MetricName, e: ArmEvidence): number {
  switch (metric) {
    case 'error_rate': return e.requests;
    case 'p95_latency': return e.logLatency.n;
    case 'ttft': return e.logTtft.n;
    case 'cost_per_request': return e.cost.n;
    case 'feedback': return e.feedback.n;
    case 'judge_win_rate': return e.judge.n;
  }
}

/**
 * Fewest units per arm before a metric is tested — requests, or in a sticky race effective users (Kish's
 * (ΣNᵢ)²/ΣNᵢ², see `stats/ratio.ts`): the normal approximation needs many units, none dominant.
 */
export const MIN_TEST_SAMPLES = 30;

export interface TestPlan {
  role: MetricAssessment['role'];
  margin: number;
  /** Level of the harm (rollback) test, already split across the family. */
  harmAlpha: number;
  /** Level of the non-inferiority and superiority tests. */
  alpha: number;
  tuning: number;
  method: IntervalMethod;
}

/** Effect units → display units: ratios for log and relative scales, differences otherwise. */
function display(spec: MetricSpec, x: number): number {
  if (spec.scale === 'log') return Math.exp(x);
  if (spec.scale === 'relative') return 1 + x;
  return x;
}

/** Runs the harm, non-inferiority and (for the primary) superiority tests of one metric. */
export function assessMetric(spec: MetricSpec, plan: TestPlan, champion: ArmEvidence, challenger: ArmEvidence): MetricAssessment {
  // Object literals are spelled out rather than spread: the simulator calls this millions of times, and V8's
  // spread path was the single largest cost in a profile.
  if (!spec.arm) {
    return { metric: spec.name, role: plan.role, margin: plan.margin, available: false, champion: { n: 0, mean: 0 }, challenger: { n: 0, mean: 0 }, effect: Number.NaN, harmZ: null, harm: null, nonInferior: null, superior: null };
  }
  const adj = spec.unit && spec.reference === undefined ? adjustmentOf(spec.unit, champion, challenger) : NO_ADJUSTMENT;
  const t = spec.arm(challenger, adj);
  const c = spec.reference === undefined ? spec.arm(champion, adj) : { n: t.n, mean: spec.reference, variance: 0 };
  const eff = estimateEffect(c, t, spec.scale === 'relative' ? 'relative' : 'absolute');
  const out = {
    metric: spec.name, role: plan.role, margin: plan.margin, available: true,
    champion: { n: c.n, mean: c.mean }, challenger: { n: t.n, mean: t.mean }, effect: display(spec, eff.estimate),
    harmZ: null as number | null, harm: null as TestOutcome | null, nonInferior: null as TestOutcome | null, superior: null as TestOutcome | null,
  };
  if (c.n < MIN_TEST_SAMPLES || t.n < MIN_TEST_SAMPLES || !isInformative(eff.variance) || !Number.isFinite(eff.estimate)) return out;
  if (adj.theta !== 0) (out as { theta?: number }).theta = adj.theta;
  const n = c.n + t.n;
  const up = spec.worse === 'higher';
  // The margin in effect units, signed towards harm: H0 of the harm test is "no worse than the margin".
  const threshold = (up ? 1 : -1) * (spec.scale === 'log' ? Math.log1p(plan.margin) : plan.margin);
  const shifted = { estimate: eff.estimate - threshold, variance: eff.variance };
  out.harmZ = ((up ? 1 : -1) * shifted.estimate) / Math.sqrt(eff.variance);
  out.harm = oneSided(spec, plan, shifted, n, plan.harmAlpha, up ? 'greater' : 'less', threshold);
  out.nonInferior = oneSided(spec, plan, shifted, n, plan.alpha, up ? 'less' : 'greater', threshold);
  if (plan.role !== 'guardrail') out.superior = oneSided(spec, plan, eff, n, plan.alpha, up ? 'less' : 'greater', 0);
  return out;
}

/** One one-sided test; `offset` brings the bound back from the shifted effect to display units. */
function oneSided(spec: MetricSpec, plan: TestPlan, e: Effect, n: number, alpha: number, alt: 'greater' | 'less', offset: number): TestOutcome {
  const r = plan.method(e, n, alpha, alt, plan.tuning);
  const bound = alt === 'greater' ? r.lower : r.upper;
  return { alpha, bound: display(spec, bound + offset), pValue: r.pValue, significant: alt === 'greater' ? bound > 0 : bound < 0 };
}

/**
 * One-sided z beyond which a guardrail "leans" harmful: worse than its margin at the 90 % level of a single look.
 * Too weak to roll back on, strong enough not to add traffic; a lean only delays a ramp, so peeking at it
 * cannot cause a false rollback.
 */
export const LEAN_Z = 1.2816;

/** Whether a metric leans past its margin (see `LEAN_Z`): a reason to hold the ramp. */
export function leansHarmful(a: MetricAssessment): boolean {
  return a.harmZ !== null && a.harmZ > LEAN_Z;
}
