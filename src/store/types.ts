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
  outcome: 'ok' | 'error' | 'cut';
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
  since?: number;
  until?: number;
  limit?: number;
  includeShadow?: boolean;
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
  rpm?: number | null;
  tpm?: number | null;
}
