/**
 * Synthetic contenders for `saima simulate`. Every contender starts from the same baseline, and challengers get
 * the effects asked for on the command line:
 *
 * | metric           | baseline (champion)                          | `--effect` adds                        |
 * | ---------------- | -------------------------------------------- | -------------------------------------- |
 * | error_rate       | 1 % of requests fail                          | rate points: `error_rate=0.01` → 2 %   |
 * | p95_latency      | log-normal, median 800 ms, σ(ln) = 0.5        | relative: `p95_latency=0.2` → ×1.2     |
 * | ttft             | log-normal, median 300 ms, σ(ln) = 0.6        | relative: `ttft=0.2` → ×1.2            |
 * | cost_per_request | mean 0.002 CNY, sd 0.001 CNY                  | relative: `cost_per_request=0.1` → +10 % |
 * | feedback         | 10 % of requests rated; 70 % thumbs up (mean score 0.4) | mean score: `feedback=-0.03` → 0.37 |
 *
 * Latency and TTFT are drawn for successful requests only, as the gateway measures them.
 */
import type { RandomSource } from '../../stats/index.js';
import type { ArmEvidence } from '../evidence.js';
import type { MetricName } from '../policies/index.js';
import { sampleBinomial, sampleNormalMoments } from './samplers.js';

export interface ArmProfile {
  errorRate: number;
  /** Mean and sd of ln(latency ms). */
  logLatency: { mean: number; sd: number };
  logTtft: { mean: number; sd: number };
  cost: { mean: number; sd: number };
  feedbackRate: number;
  /** Share of thumbs up among ratings (score +1, else −1). */
  thumbsUp: number;
}

export const BASELINE: Readonly<ArmProfile> = Object.freeze({
  errorRate: 0.01,
  logLatency: { mean: Math.log(800), sd: 0.5 },
  logTtft: { mean: Math.log(300), sd: 0.6 },
  cost: { mean: 0.002, sd: 0.001 },
  feedbackRate: 0.1,
  thumbsUp: 0.7,
});

export type Effects = Partial<Record<MetricName, number>>;

/** Parses `feedback=-0.03` items (also comma-separated). */
export function parseEffects(items: readonly string[]): Effects {
  const out: Effects = {};
  const names = new Set<string>(['error_rate', 'p95_latency', 'ttft', 'cost_per_request', 'feedback', 'judge_win_rate']);
  for (const item of items.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean)) {
    const m = /^([a-z0-9_]+)=([-+]?\d*\.?\d+(?:e[-+]?\d+)?)$/i.exec(item);
    if (!m || !names.has(m[1]!)) throw new Error(`--effect ${item}: expected METRIC=NUMBER with METRIC one of ${[...names].join(', ')}`);
    if (m[1] === 'judge_win_rate') throw new Error('--effect judge_win_rate: the simulator has no judge data (neither does the monitor yet)');
    out[m[1] as MetricName] = Number(m[2]);
  }
  return out;
}

/** The baseline with effects applied. */
export function profileWith(effects: Effects, base: ArmProfile = BASELINE): ArmProfile {
  const clamp = (x: number) => Math.min(1, Math.max(0, x));
  return {
    errorRate: clamp(base.errorRate + (effects.error_rate ?? 0)),
    logLatency: { mean: base.logLatency.mean + Math.log1p(effects.p95_latency ?? 0), sd: base.logLatency.sd },
    logTtft: { mean: base.logTtft.mean + Math.log1p(effects.ttft ?? 0), sd: base.logTtft.sd },
    cost: { mean: base.cost.mean * (1 + (effects.cost_per_request ?? 0)), sd: base.cost.sd * (1 + (effects.cost_per_request ?? 0)) },
    feedbackRate: base.feedbackRate,
    // Score = 2·up − 1, so a change d of the mean score is a change d/2 of the thumbs-up share.
    thumbsUp: clamp(base.thumbsUp + (effects.feedback ?? 0) / 2),
  };
}

/** The evidence of `n` requests to one contender, drawn as sufficient statistics. */
export function synthesize(contender: string, profile: ArmProfile, n: number, rng: RandomSource): ArmEvidence {
  const errors = sampleBinomial(n, profile.errorRate, rng);
  const ok = n - errors;
  const rated = sampleBinomial(n, profile.feedbackRate, rng);
  const ups = sampleBinomial(rated, profile.thumbsUp, rng);
  return {
    contender,
    requests: n,
    errors,
    cuts: 0,
    truncations: 0,
    logLatency: sampleNormalMoments(ok, profile.logLatency.mean, profile.logLatency.sd, rng),
    logTtft: sampleNormalMoments(ok, profile.logTtft.mean, profile.logTtft.sd, rng),
    cost: sampleNormalMoments(n, profile.cost.mean, profile.cost.sd, rng),
    feedback: { n: rated, sum: 2 * ups - rated, sumSquares: rated },
    // The simulator has no battles: judge_win_rate stays untested in simulations.
    judge: { n: 0, sum: 0, sumSquares: 0 },
  };
}
