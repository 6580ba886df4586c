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
 * | judge_win_rate   | lower    | (no data source yet: skipped)    | absolute               |            |
 *
 * Latency is compared on the log scale (see `stats/latency.ts`): for log-normal latencies with the same spread
 * the ratio of geometric means is also the ratio of every percentile, p95 included, and the log tames the tail
 * so the normal approximation behind the confidence sequence holds early.
 */
import { estimateEffect, isInformative, type ArmStats } from '../../stats/index.js';
import { costArm, errorRateArm, feedbackArm, logLatencyArm, logTtftArm, type ArmEvidence } from '../evidence.js';
import type { IntervalMethod, MetricAssessment, MetricName, TestOutcome } from './types.js';

export interface MetricSpec {
  readonly name: MetricName;
  readonly worse: 'higher' | 'lower';
  readonly scale: 'absolute' | 'log' | 'relative';
  /** Arm statistics from evidence; null when Saima has no data for the metric. */
  readonly arm: ((e: ArmEvidence) => ArmStats) | null;
}

export const METRICS: Readonly<Record<MetricName, MetricSpec>> = {
  error_rate: { name: 'error_rate', worse: 'higher', scale: 'absolute', arm: errorRateArm },
  p95_latency: { name: 'p95_latency', worse: 'higher', scale: 'log', arm: logLatencyArm },
  ttft: { name: 'ttft', worse: 'higher', scale: 'log', arm: logTtftArm },
  cost_per_request: { name: 'cost_per_request', worse: 'higher', scale: 'relative', arm: costArm },
  feedback: { name: 'feedback', worse: 'lower', scale: 'absolute', arm: feedbackArm },
  judge_win_rate: { name: 'judge_win_rate', worse: 'lower', scale: 'absolute', arm: null },
};

/** Fewest observations per arm before a metric is tested: the normal approximation needs some data. */
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
  const base = { metric: spec.name, role: plan.role, margin: plan.margin };
  if (!spec.arm) {
    return { ...base, available: false, champion: { n: 0, mean: 0 }, challenger: { n: 0, mean: 0 }, effect: Number.NaN, harm: null, nonInferior: null, superior: null };
  }
  const c = spec.arm(champion);
  const t = spec.arm(challenger);
  const means = { champion: { n: c.n, mean: c.mean }, challenger: { n: t.n, mean: t.mean } };
  const eff = estimateEffect(c, t, spec.scale === 'relative' ? 'relative' : 'absolute');
  const effect = display(spec, eff.estimate);
  if (c.n < MIN_TEST_SAMPLES || t.n < MIN_TEST_SAMPLES || !isInformative(eff.variance) || !Number.isFinite(eff.estimate)) {
    return { ...base, available: true, ...means, effect, harm: null, nonInferior: null, superior: null };
  }
  const n = c.n + t.n;
  const up = spec.worse === 'higher';
  // The margin in effect units, signed towards harm: H0 of the harm test is "no worse than the margin".
  const threshold = (up ? 1 : -1) * (spec.scale === 'log' ? Math.log1p(plan.margin) : plan.margin);
  const shifted = { estimate: eff.estimate - threshold, variance: eff.variance };
  const run = (e: typeof eff, alpha: number, alt: 'greater' | 'less', offset: number): TestOutcome => {
    const r = plan.method(e, n, alpha, alt, plan.tuning);
    const bound = alt === 'greater' ? r.lower : r.upper;
    return { alpha, bound: display(spec, bound + offset), pValue: r.pValue, significant: alt === 'greater' ? bound > 0 : bound < 0 };
  };
  return {
    ...base,
    available: true,
    ...means,
    effect,
    harm: run(shifted, plan.harmAlpha, up ? 'greater' : 'less', threshold),
    nonInferior: run(shifted, plan.alpha, up ? 'less' : 'greater', threshold),
    superior: plan.role === 'guardrail' ? null : run(eff, plan.alpha, up ? 'less' : 'greater', 0),
  };
}

/** Whether the point estimate already sits beyond the margin (not yet significant): a reason to hold the ramp. */
export function leansHarmful(spec: MetricSpec, a: MetricAssessment): boolean {
  if (!a.available || !Number.isFinite(a.effect) || a.harm === null) return false;
  const limit = spec.scale === 'absolute' ? (spec.worse === 'higher' ? a.margin : -a.margin) : 1 + a.margin;
  return spec.worse === 'higher' ? a.effect > limit : a.effect < limit;
}
