import { SaimaError, sanitize, type ErrorCode } from '../errors.js';
import type { UpstreamErrorInfo, UpstreamPhase } from './spec.js';

/**
 * A failed upstream attempt. `retryable` is decided per case (network, 408, 409, 429, 5xx), never by a
 * wildcard; `fallbackable` says whether another contender may be tried (not for the client's own bad request).
 */
export class UpstreamError extends SaimaError {
  readonly retryable: boolean;
  readonly fallbackable: boolean;
  readonly phase: UpstreamPhase;
  readonly upstreamStatus: number | null;
  readonly retryAfterMs: number | null;
  /** The `code` of the upstream's own error body (OpenAI's shape), when it sent one. */
  readonly upstreamCode: string | null;

  constructor(
    code: ErrorCode,
    message: string,
    opts: {
      phase: UpstreamPhase;
      retryable: boolean;
      fallbackable?: boolean;
      upstreamStatus?: number | null;
      retryAfterMs?: number | null;
      upstreamCode?: string | null;
      param?: string | null;
      cause?: unknown;
    },
  ) {
    super(code, sanitize(message), opts.param ?? null, { cause: opts.cause });
    this.name = 'UpstreamError';
    this.phase = opts.phase;
    this.retryable = opts.retryable;
    this.fallbackable = opts.fallbackable ?? true;
    this.upstreamStatus = opts.upstreamStatus ?? null;
    this.retryAfterMs = opts.retryAfterMs ?? null;
    this.upstreamCode = opts.upstreamCode ?? null;
  }

  info(): UpstreamErrorInfo {
    return { code: this.code, message: this.message, phase: this.phase, upstreamStatus: this.upstreamStatus };
  }
}

/** Parses `retry-after` (seconds or an HTTP date) and `retry-after-ms` into milliseconds. */
export function parseRetryAfter(headers: Record<string, string | string[] | undefined>, now = Date.now()): number | null {
  const ms = headers['retry-after-ms'];
  if (typeof ms === 'string' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const ra = headers['retry-after'];
  if (typeof ra !== 'string' || ra === '') return null;
  const secs = Number(ra);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const date = Date.parse(ra);
  return Number.isFinite(date) ? Math.max(0, date - now) : null;
}

/**
 * Maps an upstream HTTP status to our error, following OpenAI's retry guidance. `upstreamCode` (its error body's
 * `code`) is kept for the adapter that knows what a code means on its endpoint.
 */
export function errorForStatus(status: number, message: string, retryAfterMs: number | null, upstreamCode: string | null = null): UpstreamError {
  const base = { phase: 'headers' as const, upstreamStatus: status, retryAfterMs, upstreamCode };
  if (status === 429) return new UpstreamError('upstream_rate_limited', `upstream rate limited: ${message}`, { ...base, retryable: true });
  if (status === 408 || status === 409) return new UpstreamError('upstream_error', `upstream ${status}: ${message}`, { ...base, retryable: true });
  if (status >= 500) return new UpstreamError('upstream_error', `upstream ${status}: ${message}`, { ...base, retryable: true });
  if (status === 401 || status === 403) {
    // The gateway's own provider key is wrong: the client did nothing wrong, another contender may serve it.
    return new UpstreamError('upstream_error', `upstream rejected the gateway's credentials (${status})`, { ...base, retryable: false });
  }
  if (status === 404) return new UpstreamError('upstream_error', `upstream 404: ${message}`, { ...base, retryable: false });
  return new UpstreamError('upstream_bad_request', `upstream rejected the request (${status}): ${message}`, {
    ...base,
    retryable: false,
    fallbackable: false,
  });
}
