/** Row shapes and the store surface the rest of Saima uses. Times are epoch milliseconds; money is integer nanos. */

export interface RequestLogRow {
  id: string;
  /** Start of the request, epoch ms. */
  ts: number;
  race: string | null;
  contender: string | null;
  upstreamModel: string | null;
  team: string | null;
  keyId: string | null;
  /** Stable hash of the `user` field / `x-saima-user` header; never the raw value. */
  userHash: string | null;
  /** The shadow copy's row points at the served request. */
  parentId: string | null;
  shadow: boolean;
  stream: boolean;
  /** HTTP status sent to the client (for shadow rows, the upstream's). */
  status: number;
  /** `lost`: admitted under a budget, then the gateway stopped before logging it (charged at its reservation). */
  outcome: 'ok' | 'error' | 'cut' | 'lost';
  errorCode: string | null;
  errorMessage: string | null;
  attempts: number;
  latencyMs: number;
  ttftMs: number | null;
  promptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  cachedTokens: number;
  usageEstimated: boolean;
  /** Cost in 1e-9 of `currency`, so sums reconcile exactly. */
  costNanos: number;
  currency: string;
  finishReason: string | null;
  /** Only when the race captures text. */
  promptText: string | null;
  responseText: string | null;
  /**
   * The contender the race assigned, when it failed before the first byte and a fallback (`contender`) served
   * instead; the race monitor counts such a row as a failure of this arm. Absent or null otherwise.
   */
  fallbackFrom?: string | null;
  /**
   * The output cap (tokens per choice) the gateway sent upstream: the request's largest, or the one it was reserved
   * at when it asked none. Null when none was sent.
   */
  outputCap?: number | null;
  /** The prompt tokens the gateway estimated for this call's reservation (before calibration); null when none was made. */
  promptEstimate?: number | null;
  /** Which part of Saima made the call: `gateway`, `shadow`, `arena`, `judge` (see SPEND_SOURCES). */
  source?: string | null;
  /** The attempts that failed before the one that answered (or before the request gave up). Absent or null: none. */
  failedAttempts?: FailedAttempt[] | null;
  /** The client's protocol: `chat` (OpenAI chat completions), `messages` (Anthropic Messages), `responses` (OpenAI Responses) or `embeddings`. Absent: `chat`. */
  protocol?: RequestProtocol;
}

/** The front doors a request can come through; a race's evidence pools them per contender. */
export const REQUEST_PROTOCOLS = ['chat', 'messages', 'responses', 'embeddings'] as const;
export type RequestProtocol = (typeof REQUEST_PROTOCOLS)[number];

export interface FailedAttempt {
  contender: string;
  /** Saima's error code (upstream_timeout, upstream_error, circuit_open, …). */
  code: string;
  message: string;
  /** How long the attempt took, in ms. */
  ms: number;
}

/** One request refused at admission (a spent budget, a rate limit), as the gateway notes it: no row of its own. */
export interface Refusal {
  /** When it was refused, epoch ms. */
  ts: number;
  /** The id its error answer carried. */
  id: string;
  team: string | null;
  keyId: string | null;
  race: string | null;
  /** The contender the race assigned (or the one called by name). */
  contender: string | null;
  status: number;
  /** Saima's error code: `budget_exceeded` or `rate_limit_exceeded`. */
  code: string;
  /** The error message the client read (it names the budget, or the limit: requests or tokens per minute). */
  message: string;
}

/** Refusals of one minute and one combination of key, team, race, contender, code and message. */
export interface RefusalRecord extends Omit<Refusal, 'ts' | 'id'> {
  /** Derived from the minute and the combination: replicas sharing a store add into the same record. */
  id: string;
  /** The minute's start, epoch ms. */
  ts: number;
  count: number;
  firstTs: number;
  lastTs: number;
  /** The id of the earliest refusal counted here. */
  firstId: string;
}

export interface FeedbackRow {
  id: string;
  ts: number;
  requestId: string;
  race: string | null;
  contender: string | null;
  team: string | null;
  keyId: string | null;
  /** In [-1, 1]; thumbs up = 1, down = -1. */
  score: number;
  comment: string | null;
}

export interface RequestFilter {
  race?: string;
  contender?: string;
  team?: string;
  /** A race-limited key's names: rows of these races, or direct calls to these contenders. */
  visibleTo?: readonly string[];
  since?: number;
  until?: number;
  limit?: number;
  includeShadow?: boolean;
  /** Rows whose own outcome is this one. */
  outcome?: RequestLogRow['outcome'];
  /** One request by its id. */
  id?: string;
  /** One user's requests, by the hash the log keeps (`user_hash`). */
  userHash?: string;
  /** Rows of one front door (`requests.protocol`). */
  protocol?: RequestProtocol;
  /** Keyset pagination: rows strictly older than this one in the log's order (ts, then id, both descending). */
  before?: { ts: number; id: string };
}

export type Dialect = 'sqlite' | 'postgres';

/** An API key as stored: only the sha256 hash of the secret and a display prefix, never the key itself. */
export interface ApiKeyRecord {
  id: string;
  /** sha256 hex of the full key. */
  hash: string;
  /** Display prefix, e.g. `sk-saima-ab12`. */
  prefix: string;
  team: string;
  scopes: string[];
  /** Races/contenders the key may call; null = all. */
  races: string[] | null;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  lastUsedAt: number | null;
  /** The key's own requests/tokens per minute; null = the configured key defaults. */
  rpm: number | null;
  tpm: number | null;
}

/** Distribution summary of one metric over a bounded sample (the most recent rows). */
export interface MetricSummary {
  /** Rows the percentiles were computed from (at most the sample bound). */
  n: number;
  mean: number;
  p50: number;
  p95: number;
}

/** One contender's traffic in a race since a time: what the race monitor and the dashboard compare. */
export interface ContenderAggregate {
  contender: string;
  /** Requests the race assigned to this contender (shadow rows only when asked for), as the monitor counts them. */
  n: number;
  /** Of `n`, the failed ones: outcome not `ok` (errors, cut streams), or rescued by a fallback. */
  errors: number;
  /** Of `errors`, streams cut mid-way. */
  cuts: number;
  /** Of `errors`, requests a fallback answered after this contender failed before the first byte. */
  rescued: number;
  /** Requests this contender answered, its own and those it rescued as a fallback; tokens and cost are of these. */
  served: number;
  /** Latency of its own successful rows only: a fast failure must not flatter a failing contender. Null when none. */
  latencyMs: MetricSummary | null;
  /** TTFT of successful rows that have one. Null when none. */
  ttftMs: MetricSummary | null;
  promptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  cachedTokens: number;
  costNanos: number;
  /** A contender prices in one currency; null when it has no rows. */
  currency: string | null;
}

export interface FeedbackFilter {
  race?: string;
  contender?: string;
  team?: string;
  /** A race-limited key's names: feedback on these races, or on direct calls to these contenders. */
  visibleTo?: readonly string[];
  requestId?: string;
  since?: number;
  until?: number;
  limit?: number;
}

/** Feedback for one contender since a time. */
export interface FeedbackAggregate {
  contender: string;
  n: number;
  /** Mean score in [-1, 1]. */
  mean: number;
  positive: number;
  negative: number;
}

/** A race's live state (weights and the like) as stored; the store row is the truth, the config only seeds it. */
export interface RaceStateRecord<T = unknown> {
  race: string;
  state: T;
  /** Starts at 1 and grows by one per successful put. */
  version: number;
  updatedAt: number;
}

/** The result of an optimistic put: the stored record, or the current one when the expected version was stale. */
export type RaceStatePutResult<T = unknown> = { ok: true; record: RaceStateRecord<T> } | { ok: false; current: RaceStateRecord | null };

/** One entry of the append-only decision audit log. */
export interface DecisionRow {
  id: string;
  ts: number;
  race: string;
  /** `rollback`, `ramp`, `promote`, `hold`, `manual`, … */
  action: string;
  contender: string | null;
  reason: string | null;
  /** The statistics behind the decision; stored as JSON. */
  details: unknown;
  /** Who acted: a key id for manual changes, null for the monitor. */
  actor: string | null;
}

/** The columns a spend report groups and sums; shadow calls included (they cost money too). */
export interface SpendRecord {
  ts: number;
  team: string | null;
  keyId: string | null;
  race: string | null;
  contender: string | null;
  costNanos: number;
  currency: string;
  promptTokens: number;
  completionTokens: number;
  shadow: boolean;
  /** `gateway`, `shadow`, `arena`, `judge`, `eval`, `gate`. */
  source: string;
}

export interface SpendFilter {
  since: number;
  until?: number;
  team?: string;
}
