/** The one mapping between `RequestLogRow` (camelCase, booleans) and the `requests` table (snake_case, 0/1). */
import type { RequestsTable } from './schema.js';
import type { FailedAttempt, RequestLogRow, RequestProtocol } from './types.js';

/** A stored protocol as the type knows it: anything else (null on older rows and journal entries) is `chat`. */
export function protocolOf(v: string | null | undefined): RequestProtocol {
  return v === 'messages' || v === 'responses' || v === 'embeddings' ? v : 'chat';
}

export function toRequestRecord(r: RequestLogRow): RequestsTable {
  return {
    id: r.id,
    ts: r.ts,
    race: r.race ?? null,
    contender: r.contender ?? null,
    upstream_model: r.upstreamModel ?? null,
    team: r.team ?? null,
    key_id: r.keyId ?? null,
    user_hash: r.userHash ?? null,
    parent_id: r.parentId ?? null,
    shadow: r.shadow ? 1 : 0,
    stream: r.stream ? 1 : 0,
    status: r.status,
    outcome: r.outcome,
    error_code: r.errorCode ?? null,
    error_message: r.errorMessage ?? null,
    attempts: r.attempts,
    latency_ms: r.latencyMs,
    ttft_ms: r.ttftMs ?? null,
    prompt_tokens: r.promptTokens,
    completion_tokens: r.completionTokens,
    reasoning_tokens: r.reasoningTokens,
    cached_tokens: r.cachedTokens,
    usage_estimated: r.usageEstimated ? 1 : 0,
    cost_nanos: r.costNanos,
    currency: r.currency,
    finish_reason: r.finishReason ?? null,
    prompt_text: r.promptText ?? null,
    response_text: r.responseText ?? null,
    fallback_from: r.fallbackFrom ?? null,
    output_cap: r.outputCap ?? null,
    prompt_estimate: r.promptEstimate ?? null,
    source: r.source ?? null,
    failed_attempts: r.failedAttempts && r.failedAttempts.length > 0 ? JSON.stringify(r.failedAttempts) : null,
    protocol: r.protocol ?? 'chat',
  };
}

export function fromRequestRecord(r: RequestsTable): RequestLogRow {
  return {
    id: r.id,
    ts: Number(r.ts),
    race: r.race,
    contender: r.contender,
    upstreamModel: r.upstream_model,
    team: r.team,
    keyId: r.key_id,
    userHash: r.user_hash,
    parentId: r.parent_id,
    shadow: Number(r.shadow) === 1,
    stream: Number(r.stream) === 1,
    status: Number(r.status),
    outcome: r.outcome as RequestLogRow['outcome'],
    errorCode: r.error_code,
    errorMessage: r.error_message,
    attempts: Number(r.attempts),
    latencyMs: Number(r.latency_ms),
    ttftMs: r.ttft_ms === null ? null : Number(r.ttft_ms),
    promptTokens: Number(r.prompt_tokens),
    completionTokens: Number(r.completion_tokens),
    reasoningTokens: Number(r.reasoning_tokens),
    cachedTokens: Number(r.cached_tokens),
    usageEstimated: Number(r.usage_estimated) === 1,
    costNanos: Number(r.cost_nanos),
    currency: r.currency,
    finishReason: r.finish_reason,
    promptText: r.prompt_text,
    responseText: r.response_text,
    fallbackFrom: r.fallback_from ?? null,
    outputCap: r.output_cap === null || r.output_cap === undefined ? null : Number(r.output_cap),
    promptEstimate: r.prompt_estimate === null || r.prompt_estimate === undefined ? null : Number(r.prompt_estimate),
    source: r.source ?? null,
    failedAttempts: r.failed_attempts ? (JSON.parse(r.failed_attempts) as FailedAttempt[]) : null,
    protocol: protocolOf(r.protocol),
  };
}

/** Column order of `requests`, for hand-written inserts. */
export const REQUEST_COLUMNS = Object.keys(toRequestRecord({} as RequestLogRow)) as Array<keyof RequestsTable>;
