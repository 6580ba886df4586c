/**
 * The policy contract: a pure function of the race (config), its stored state, the evidence and the time, which
 * returns the changes to make and a readable assessment. The monitor and `saima simulate` call the same code.
 */
import type { Race } from '../../config/types.js';
import type { GUARDRAIL_METRICS } from '../../config/schema.js';
import type { Effect, RandomSource } from '../../stats/index.js';
import type { RaceEvidence } from '../evidence.js';
import type { RaceState } from '../race-state.js';
import type { ReasonCode } from './reasons.js';

export type MetricName = (typeof GUARDRAIL_METRICS)[number];

/**
 * A one-sided bound on an effect at level α: the always-valid confidence sequence by default; `saima simulate
 * --naive` and the peeking test swap in a fixed-horizon z-interval to show what looking every tick costs.
 */
export type IntervalMethod = (
  effect: Effect, n: number, alpha: number, alternative: 'greater' | 'less', tuning: number,
) => { lower: number; upper: number; pValue: number };

/** What the policy remembers between ticks (kept by its caller, rebuilt from the decision log at start). */
export interface PolicyMemory {
  /** When the bandit last re-weighted, epoch ms. */
  lastReweightAt: number | null;
  /** Start of the assignment window an SRM alert was last recorded for: one alert per window. */
  srmAlertedSince: number | null;
  /** `contender:since:kind` of holds already recorded, so a hold is logged once per window and cause. */
  holds: Set<string>;
}

export interface PolicyInput {
  readonly race: Race;
  readonly state: RaceState;
  readonly evidence: RaceEvidence;
  readonly now: number;
  readonly memory: Readonly<PolicyMemory>;
  /** CNY per unit of each currency (config `fx`), for the spend cap. */
  readonly fx: { readonly CNY: number; readonly USD: number };
  /** Seeded randomness for Thompson sampling. */
  readonly random: RandomSource;
  readonly method?: IntervalMethod;
  /** Write the plain-words notes of the assessment (default true; the simulator skips them). */
  readonly explain?: boolean;
  /** Monte Carlo draws per bandit allocation (default 10,000). */
  readonly banditDraws?: number;
}

interface Base {
  /** English, for the API, the CLI and the logs; `why` says the same as a code and its numbers (reasons.ts). */
  reason: string;
  why: ReasonCode;
  details: Record<string, unknown>;
}

/** Changes carry the window they were judged on (`since`); a change whose window moved meanwhile is dropped. */
export type PolicyChange =
  | (Base & { kind: 'rollback'; contender: string; since: number })
  | (Base & { kind: 'ramp'; contender: string; since: number; to: number; step: number })
  | (Base & { kind: 'activate'; contender: string; to: number; step: number })
  | (Base & { kind: 'promote'; contender: string; since: number })
  | (Base & { kind: 'reweight'; weights: Array<{ contender: string; weight: number }> })
  | (Base & { kind: 'freeze' })
  | (Base & { kind: 'srm-alert'; since: number })
  | (Base & { kind: 'hold'; contender: string; since: number; key: string });

/** One sequential test: the bound that decides and its always-valid p-value at the level used. */
export interface TestOutcome {
  readonly alpha: number;
  /** The bound on the effect (display units) that is compared with the threshold. */
  readonly bound: number;
  readonly pValue: number;
  readonly significant: boolean;
}

export interface MetricAssessment {
  readonly metric: MetricName;
  /** `primary` is also guarded against harm (margin from its guardrail entry, else 0). */
  readonly role: 'guardrail' | 'primary' | 'both';
  readonly margin: number;
  /** False when Saima has no data source for the metric yet (judge_win_rate); it is then skipped. */
  readonly available: boolean;
  readonly champion: { n: number; mean: number };
  readonly challenger: { n: number; mean: number };
  /** Challenger vs champion in display units: a difference (rates, scores), or a ratio (latency, TTFT, cost). */
  readonly effect: number;
  /** How far the estimate sits beyond the margin, in standard errors (positive = towards harm); null untested. */
  readonly harmZ: number | null;
  /** H1: worse than the margin allows → rollback. */
  readonly harm: TestOutcome | null;
  /** H1: within the margin → may be promoted. */
  readonly nonInferior: TestOutcome | null;
  /** Primary only, H1: better → may be promoted. */
  readonly superior: TestOutcome | null;
  /** Sticky races whose users have pre-race history: the pooled θ the metric was adjusted by (absent: none). */
  readonly theta?: number;
}

export interface ChallengerAssessment {
  readonly contender: string;
  readonly status: string;
  readonly weight: number;
  readonly step: number;
  readonly since: number;
  /** Requests of the champion and the challenger in the challenger's window. */
  readonly requests: { champion: number; challenger: number };
  readonly metrics: readonly MetricAssessment[];
  /** In plain words: what the policy is waiting for, or what it did. */
  readonly note: string;
  /** The note as a code and its numbers, for a page in another language (absent when no note was written). */
  readonly why?: ReasonCode;
}

export interface RaceAssessment {
  readonly policy: string;
  readonly at: number;
  /** Why changes that add traffic are blocked (SRM, frozen), else null. */
  readonly blocked: string | null;
  /** `blocked` as a code, for a page in another language. */
  readonly blocked_why: ReasonCode | null;
  /** `pValue` is the always-valid one (min(1, 1/BF)); χ² is shown beside it. */
  readonly srm: { since: number; pValue: number; logBayesFactor: number; chiSquare: number; flagged: boolean; units: Record<string, number> } | null;
  readonly spend: { extra: number; cap: number; currency: 'CNY' } | null;
  readonly bandit: { shares: Record<string, number> } | null;
  readonly challengers: readonly ChallengerAssessment[];
}

export interface Verdict {
  readonly changes: PolicyChange[];
  readonly assessment: RaceAssessment;
  /** True when the bandit computed an allocation this tick (the caller then records the time). */
  readonly banditEvaluated: boolean;
}
