/** Builds the request-log row and the metrics observation for a finished call, from one set of facts. */
import type { Contender } from '../config/types.js';
import { costNanos, nanosToUnits } from '../metering/pricing.js';
import { settleUsage } from '../metering/usage.js';
import type { CallOutcome, Usage } from '../providers/spec.js';
import { SaimaError, sanitize } from '../errors.js';
import type { FailedAttempt, RequestLogRow, RequestProtocol } from '../store/types.js';
import type { RequestObservation } from './metrics.js';

export interface CallFacts {
  id: string;
  ts: number;
  race: string | null;
  contender: Contender | null;
  team: string | null;
  keyId: string | null;
  userHash: string | null;
  parentId: string | null;
  shadow: boolean;
  stream: boolean;
  status: number;
  outcome: RequestLogRow['outcome'];
  errorCode: string | null;
  errorMessage: string | null;
  attempts: number;
  latencyMs: number;
  ttftMs: number | null;
  usage: Usage;
  finishReason: string | null;
  promptText: string | null;
  responseText: string | null;
  /** The race's assigned contender when a fallback served instead (see RequestLogRow.fallbackFrom). */
  fallbackFrom?: string | null;
  /** The output cap sent upstream, per choice (see RequestLogRow.outputCap). */
  outputCap?: number | null;
  /** `gateway` or `shadow` (RequestLogRow.source). */
  source?: string;
  /** The attempts that failed before the answer (or the give-up): who, why, how long. */
  failedAttempts?: FailedAttempt[] | null;
  /** The front door the client used (RequestLogRow.protocol); `chat` when absent. */
  protocol?: RequestProtocol;
}

export function toRow(f: CallFacts): RequestLogRow {
  return {
    id: f.id,
    ts: f.ts,
    race: f.race,
    contender: f.contender?.name ?? null,
    upstreamModel: f.contender?.model ?? null,
    team: f.team,
    keyId: f.keyId,
    userHash: f.userHash,
    parentId: f.parentId,
    shadow: f.shadow,
    stream: f.stream,
    status: f.status,
    outcome: f.outcome,
    errorCode: f.errorCode,
    errorMessage: f.errorMessage,
    attempts: f.attempts,
    latencyMs: f.latencyMs,
    ttftMs: f.ttftMs,
    promptTokens: f.usage.promptTokens,
    completionTokens: f.usage.completionTokens,
    reasoningTokens: f.usage.reasoningTokens,
    cachedTokens: f.usage.cachedTokens,
    usageEstimated: f.usage.estimated,
    costNanos: f.contender ? costNanos(f.usage, f.contender.price) : 0,
    currency: f.contender?.price.currency ?? 'CNY',
    finishReason: f.finishReason,
    promptText: f.promptText,
    responseText: f.responseText,
    fallbackFrom: f.fallbackFrom ?? null,
    outputCap: f.outputCap ?? null,
    source: f.source ?? (f.shadow ? 'shadow' : 'gateway'),
    failedAttempts: f.failedAttempts ?? null,
    protocol: f.protocol ?? 'chat',
  };
}

export function toObservation(row: RequestLogRow): RequestObservation {
  return {
    race: row.race ?? '',
    contender: row.contender ?? '',
    protocol: row.protocol ?? 'chat',
    outcome: row.outcome,
    status: row.status,
    latencyS: row.latencyMs / 1000,
    ttftS: row.ttftMs === null ? null : row.ttftMs / 1000,
    promptTokens: row.promptTokens,
    completionTokens: row.completionTokens,
    costUnits: nanosToUnits(row.costNanos),
    currency: row.currency,
    shadow: row.shadow,
  };
}

/** Records how a call that got a first byte ended: a mid-stream failure, the finish reason, usage (or its estimate). */
export async function applyOutcome(f: CallFacts, outcome: CallOutcome, body: Record<string, unknown>): Promise<void> {
  if (!outcome.ok && outcome.error) {
    f.outcome = outcome.error.phase === 'mid_stream' ? 'cut' : 'error';
    f.errorCode = outcome.error.code;
    // Stored and shown on the dashboard: an upstream's own words may quote a key.
    f.errorMessage = sanitize(outcome.error.message);
  }
  f.finishReason = outcome.finishReason;
  f.usage = await settleUsage(outcome.usage, body, outcome.text);
  // Text is kept only where the race captures prompts.
  if (f.promptText !== null) f.responseText = outcome.text;
}

/** The failed attempts of a plan, as the row keeps them (timing rounded to 0.1 ms). */
export function failedAttempts(failures: ReadonlyArray<{ contender: string; code: string; message: string; ms: number }>): FailedAttempt[] | null {
  if (failures.length === 0) return null;
  return failures.map((f) => ({ contender: f.contender, code: f.code, message: f.message, ms: Math.round(f.ms * 10) / 10 }));
}

/** Records a call that failed before its first byte; returns the error to send. */
export function applyFailure(f: CallFacts, err: unknown, fallback: string): SaimaError {
  const e = err instanceof SaimaError ? err : new SaimaError('internal_error', fallback);
  f.status = e.status;
  f.outcome = 'error';
  f.errorCode = e.code;
  f.errorMessage = sanitize(e.message);
  return e;
}
