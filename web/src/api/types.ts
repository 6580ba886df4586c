/** The JSON the dashboard reads, as the gateway's admin routes write it (src/gateway/routes/admin-*.ts). */

export interface List<T> {
  object: 'list';
  data: T[];
}

export interface ChallengerState {
  contender: string;
  weight: number;
  since: number;
  status: 'active' | 'rolled_back' | 'waiting_gate' | 'retired';
  step: number;
}

export interface MetricSummary {
  n: number;
  mean: number;
  p50: number;
  p95: number;
}

/**
 * Counts are of the arm the race assigned, as the monitor counts: a request a fallback rescued is its assigned
 * contender's failure (`errors`, `rescued`). `served` counts the requests the contender answered, its own and the
 * ones it rescued for another; tokens and cost stay with who served.
 */
export interface ContenderAggregate {
  contender: string;
  n: number;
  errors: number;
  cuts: number;
  rescued: number;
  served: number;
  latency_ms: MetricSummary | null;
  ttft_ms: MetricSummary | null;
  prompt_tokens: number;
  completion_tokens: number;
  cost_nanos: number;
  currency: string | null;
}

export interface FeedbackAggregate {
  contender: string;
  n: number;
  mean: number;
  positive: number;
  negative: number;
}

export interface Decision {
  id: string;
  ts: number;
  race: string;
  action: string;
  contender: string | null;
  reason: string | null;
  details: unknown;
  actor: string | null;
}

export interface RaceSummary {
  name: string;
  champion: string;
  challengers: ChallengerState[];
  frozen: string | null;
  weights: Array<{ name: string; weight: number }>;
}

export interface RaceReport {
  object: 'race';
  name: string;
  description?: string;
  champion: string;
  champion_since: number;
  frozen: string | null;
  version: number;
  weights: Array<{ contender: string; weight: number }>;
  challengers: ChallengerState[];
  contenders: ContenderAggregate[];
  feedback: FeedbackAggregate[];
  /** The race monitor's latest view; its shape belongs to the monitor, so pages read it defensively. */
  monitor: unknown;
  decisions: Decision[];
}

/** The front door a request came through. */
export type RequestProtocol = 'chat' | 'messages' | 'responses' | 'embeddings';

export interface RequestRow {
  object: 'request';
  id: string;
  ts: number;
  race: string | null;
  contender: string | null;
  upstream_model: string | null;
  team: string | null;
  key_id: string | null;
  shadow: boolean;
  stream: boolean;
  status: number;
  outcome: 'ok' | 'error' | 'cut';
  error_code: string | null;
  error_message: string | null;
  attempts: number;
  latency_ms: number;
  ttft_ms: number | null;
  prompt_tokens: number;
  completion_tokens: number;
  reasoning_tokens: number;
  cached_tokens: number;
  usage_estimated: boolean;
  cost_nanos: number;
  currency: string;
  finish_reason: string | null;
  prompt_text: string | null;
  response_text: string | null;
  /** The contender the race assigned, when it failed and a fallback (`contender`) served. */
  fallback_from: string | null;
  /** Each attempt that failed before the one that answered (or before the give-up). */
  failed_attempts: FailedAttempt[] | null;
  /** The front door the client used. */
  protocol: RequestProtocol;
}

/** Requests refused at admission in one minute, for one key, team, race, contender and reason: counted, not logged one by one. */
export interface RefusalRow {
  object: 'refusal';
  id: string;
  /** The minute's start; `until` its end. */
  ts: number;
  until: number;
  race: string | null;
  contender: string | null;
  team: string | null;
  key_id: string | null;
  status: number;
  outcome: 'refused';
  error_code: string;
  error_message: string;
  count: number;
  first_ts: number;
  last_ts: number;
  first_id: string;
}

export interface FailedAttempt {
  contender: string;
  code: string;
  message: string;
  ms: number;
}

export type SpendDimension = 'day' | 'month' | 'team' | 'key' | 'race' | 'contender' | 'source';

export interface SpendGroup {
  key: Partial<Record<SpendDimension, string | null>>;
  currency: string;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost_nanos: number;
  cost: number;
}

export interface SpendReport {
  object: 'spend_report';
  by: SpendDimension[];
  since: number;
  time_zone: string;
  data: SpendGroup[];
  /** Per contender, billed over estimated prompt tokens (absent from gateways that predate it). */
  calibration?: PromptCalibrationView[];
}

export interface PromptCalibrationView {
  contender: string;
  samples: number;
  median: number;
  /** The factor reservations use: the upper quantile, at least 1. */
  reserved: number;
}

export interface BudgetStatus {
  name: string;
  scope: { team?: string; key?: string; contender?: string; race?: string };
  period: 'day' | 'month';
  period_key: string;
  currency: string;
  limit: number;
  soft_limit: number;
  soft_ratio: number;
  spent: number;
  reserved: number;
  downgrade_to: string | null;
  /** Spent + reserved leave nothing of the limit (absent from gateways that predate it). */
  exhausted?: boolean;
  /** It refused a call on this gateway within the last minute: the gateway is turning calls away. */
  refusing?: boolean;
  last_refused_at?: number | null;
  /** Refusals since the gateway started. */
  refused?: number;
}

export interface ModelEntry {
  id: string;
  saima?: { kind: 'race' | 'contender' };
}
