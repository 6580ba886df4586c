/**
 * Table shapes as the database sees them (snake_case columns), for Kysely's type checking. Booleans are stored
 * as 0/1 integers and JSON as text so one schema serves SQLite and PostgreSQL; the repos map rows to the
 * camelCase types in `types.ts`.
 */

export interface RequestsTable {
  id: string;
  ts: number;
  race: string | null;
  contender: string | null;
  upstream_model: string | null;
  team: string | null;
  key_id: string | null;
  user_hash: string | null;
  parent_id: string | null;
  shadow: number;
  stream: number;
  status: number;
  outcome: string;
  error_code: string | null;
  error_message: string | null;
  attempts: number;
  latency_ms: number;
  ttft_ms: number | null;
  prompt_tokens: number;
  completion_tokens: number;
  reasoning_tokens: number;
  cached_tokens: number;
  usage_estimated: number;
  cost_nanos: number;
  currency: string;
  finish_reason: string | null;
  prompt_text: string | null;
  response_text: string | null;
  fallback_from: string | null;
  output_cap: number | null;
  prompt_estimate?: number | null;
  source: string | null;
  /** JSON array of FailedAttempt, or null. */
  failed_attempts: string | null;
  /** `chat`, `messages`, `responses` or `embeddings` (migrations/0016-request-protocol.ts). */
  protocol: string;
}

/** Requests refused at admission, counted per minute and combination (see migrations/0013-refusals.ts). */
export interface RefusalsTable {
  id: string;
  /** The minute's start, epoch ms. */
  ts: number;
  team: string | null;
  key_id: string | null;
  race: string | null;
  contender: string | null;
  status: number;
  code: string;
  message: string;
  count: number;
  first_ts: number;
  last_ts: number;
  first_id: string;
}

export interface AdmissionsTable {
  id: string;
  ts: number;
  /** After this (epoch ms) the call has ended one way or another: its row exists, or it never will. */
  expires_at: number;
  team: string | null;
  key_id: string | null;
  race: string | null;
  contender: string;
  upstream_model: string | null;
  reserved_nanos: number;
  currency: string;
  /** The process that wrote the entry (a gateway replica, or a claim's maker); null on older entries. */
  owner?: string | null;
  /** A claim's `pending` | `granted` | `refused` | `settled`; null for journal entries. */
  state?: string | null;
  source?: string | null;
  settled_nanos?: number | null;
  /** The journaled call's front door (RequestProtocol); null on older entries and Saima's own calls: `chat`. */
  protocol?: string | null;
}

export interface GatewayHeartbeatsTable {
  id: string;
  seen_at: number;
}

export interface FeedbackTable {
  id: string;
  ts: number;
  request_id: string;
  race: string | null;
  contender: string | null;
  team: string | null;
  key_id: string | null;
  score: number;
  comment: string | null;
}

export interface ApiKeysTable {
  id: string;
  hash: string;
  prefix: string;
  team: string;
  /** Comma list. */
  scopes: string;
  /** Comma list; null = every race. */
  races: string | null;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
  rpm: number | null;
  tpm: number | null;
}

export interface RaceStateTable {
  race: string;
  /** JSON text. */
  state: string;
  version: number;
  updated_at: number;
}

export interface DecisionsTable {
  id: string;
  ts: number;
  race: string;
  action: string;
  contender: string | null;
  reason: string | null;
  /** JSON text. */
  details: string;
  actor: string | null;
}

export interface EvalRunsTable {
  id: string;
  created_at: number;
  updated_at: number;
  /** running | done | stopped */
  status: string;
  stop_reason: string | null;
  label: string;
  /** JSON text: how the run was asked for. */
  spec: string;
  /** JSON text: every variant (item or twin) the run evaluates. */
  plan: string;
}

export interface EvalResultsTable {
  cache_key: string;
  run_id: string;
  ts: number;
  contender: string;
  item_id: string;
  variant_id: string;
  sample: number;
  ok: number;
  answer: string | null;
  error_code: string | null;
  error_message: string | null;
  /** No longer written: grades live in `eval_grades`, where older rows' grades were copied. */
  grade: string | null;
  latency_ms: number;
  ttft_ms: number | null;
  attempts: number;
  prompt_tokens: number;
  completion_tokens: number;
  usage_estimated: number;
  cost_nanos: number;
  currency: string;
  judge_cost_nanos: number;
  judge_currency: string | null;
}

/** A grade of one stored answer under one grading (assertions, expected value, threshold, judge). */
export interface EvalGradesTable {
  cache_key: string;
  grading_key: string;
  /** The run that graded it (and paid for its judge calls). */
  run_id: string;
  ts: number;
  /** JSON text. */
  grade: string;
  judge_cost_nanos: number;
  judge_currency: string | null;
}

export interface GateResultsTable {
  id: string;
  ts: number;
  race: string;
  challenger: string;
  passed: number;
  /** JSON text. */
  reasons: string;
  run_id: string | null;
}

export interface Database {
  requests: RequestsTable;
  feedback: FeedbackTable;
  feedback_history: FeedbackTable;
  api_keys: ApiKeysTable;
  race_state: RaceStateTable;
  decisions: DecisionsTable;
  eval_runs: EvalRunsTable;
  eval_results: EvalResultsTable;
  eval_grades: EvalGradesTable;
  admissions: AdmissionsTable;
  gateway_heartbeats: GatewayHeartbeatsTable;
  gate_results: GateResultsTable;
  battles: BattlesTable;
  battle_tags: BattleTagsTable;
  arena_matches: ArenaMatchesTable;
  refusals: RefusalsTable;
  responses: StoredResponsesTable;
}

/** Responses kept for `previous_response_id` (see migrations/0018-stored-responses.ts). */
export interface StoredResponsesTable {
  id: string;
  ts: number;
  expires_at: number;
  team: string | null;
  key_id: string | null;
  race: string | null;
  contender: string;
  /** The response this one continued. */
  previous_id: string | null;
  /** JSON text: the chat messages this response added (its input, then its answer). */
  turn: string;
  /** JSON text: the response object as sent. */
  response: string;
  /** 1: made by the contender's own Responses API, which holds it (migrations/0019); `turn` and `response` are empty. */
  upstream: number;
  /** Upstream responses: the input and output tokens it leaves in the upstream's context. */
  context_tokens: number | null;
}

export interface BattlesTable {
  id: string;
  ts: number;
  race: string | null;
  /** sha256 hex of the prompt text; the text itself only when the race captures. */
  prompt_hash: string;
  prompt: string | null;
  contender_a: string;
  contender_b: string;
  answer_a: string | null;
  answer_b: string | null;
  /** a | b | tie | tie_bothbad; null for a judgement without a verdict (then `error` says why). */
  winner: string | null;
  error: string | null;
  /** human | judge | shadow_judge */
  source: string;
  voter: string | null;
  team: string | null;
  /** JSON array of strings; `battle_tags` holds the same tags for filtering. */
  tags: string;
  language: string | null;
  /** JSON text: style counts of each answer (tokens, headers, lists, bold). */
  style_a: string | null;
  style_b: string | null;
  /** JSON text: judge verdicts per order, the match id, … */
  details: string | null;
}

export interface BattleTagsTable {
  battle_id: string;
  tag: string;
}

export interface ArenaMatchesTable {
  id: string;
  ts: number;
  race: string;
  /** In the order shown to the voter: answer A came from contender_a. */
  contender_a: string;
  contender_b: string;
  prompt_hash: string;
  prompt: string | null;
  answer_a: string | null;
  answer_b: string | null;
  style_a: string | null;
  style_b: string | null;
  tags: string;
  language: string | null;
  team: string | null;
  key_id: string | null;
  voted_at: number | null;
  battle_id: string | null;
}
