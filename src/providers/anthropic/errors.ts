/**
 * Anthropic failures that arrive after a 2xx: an `error` event inside the SSE stream (typically
 * `overloaded_error`, the in-stream twin of HTTP 529), a malformed body, or a stream that stops early.
 * HTTP statuses before headers are mapped by `errorForStatus` in ../upstream-error.ts.
 */
import { ERRORS, type ErrorCode } from '../../errors.js';
import { UpstreamError } from '../upstream-error.js';

/** Anthropic's error `type` → our code and retry policy, mirroring the HTTP status each type stands for. */
const EVENT_ERRORS: Record<string, { code: ErrorCode; retryable: boolean; fallbackable: boolean }> = {
  overloaded_error: { code: 'upstream_error', retryable: true, fallbackable: true }, // 529
  api_error: { code: 'upstream_error', retryable: true, fallbackable: true }, // 500
  rate_limit_error: { code: 'upstream_rate_limited', retryable: true, fallbackable: true }, // 429
  timeout_error: { code: 'upstream_timeout', retryable: true, fallbackable: true }, // 504
  invalid_request_error: { code: 'upstream_bad_request', retryable: false, fallbackable: false }, // 400
  request_too_large: { code: 'upstream_bad_request', retryable: false, fallbackable: false }, // 413
};

/** An in-stream `error` event met before anything reached the client: the attempt may still be retried. */
export function errorForEvent(type: string, message: string): UpstreamError {
  const row = EVENT_ERRORS[type] ?? { code: 'upstream_error', retryable: false, fallbackable: true };
  return new UpstreamError(row.code, `upstream ${type}: ${message}`, { phase: 'first_byte', retryable: row.retryable, fallbackable: row.fallbackable });
}

/** A 2xx body we could not read as the Messages API. Retrying the same call would likely fail the same way. */
export function malformedBody(what: string): UpstreamError {
  return new UpstreamError('upstream_error', `upstream sent a malformed ${what}`, { phase: 'first_byte', retryable: false });
}

/**
 * A stream event that is not the Messages API's (unparsable JSON, not an object, or a known type in the wrong
 * shape). Like any failure before the first byte it may be retried: a broken event is usually a broken connection
 * or a proxy in the way, not an answer to this request.
 */
export function invalidEvent(name: string | undefined, data: string): UpstreamError {
  return new UpstreamError('upstream_error', `upstream sent an invalid stream event (${name ?? 'unnamed'}): ${JSON.stringify(data.slice(0, 200))}`, { phase: 'first_byte', retryable: true });
}

/**
 * The one event a client sees when the stream fails after it started: OpenAI's error shape, no `[DONE]`
 * after it, so the client cannot mistake a cut answer for a complete one.
 */
export function streamCutEvent(message: string): string {
  const error = { message, type: ERRORS.upstream_stream_cut.type, param: null, code: 'upstream_stream_cut' };
  return `data: ${JSON.stringify({ error })}\n\n`;
}

/** The Messages API's own in-stream error event, for a passed-through stream that fails after it started. */
export function anthropicErrorEvent(type: string, message: string): string {
  return `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type, message } })}\n\n`;
}
