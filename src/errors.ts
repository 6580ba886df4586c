/**
 * The one catalogue of errors Saima returns. Every HTTP error leaves the gateway as
 * `{"error":{"message","type","param","code"}}` (OpenAI's wire shape) with the status from this table.
 */
import { redactSecretValues } from './config/secret-values.js';

export const ERRORS = {
  invalid_request: { status: 400, type: 'invalid_request_error' },
  invalid_json: { status: 400, type: 'invalid_request_error' },
  missing_required_parameter: { status: 400, type: 'invalid_request_error' },
  invalid_type: { status: 400, type: 'invalid_request_error' },
  invalid_value: { status: 400, type: 'invalid_request_error' },
  unsupported_media_type: { status: 415, type: 'invalid_request_error' },
  request_too_large: { status: 413, type: 'invalid_request_error' },
  invalid_api_key: { status: 401, type: 'authentication_error' },
  permission_denied: { status: 403, type: 'permission_error' },
  model_not_found: { status: 404, type: 'invalid_request_error' },
  not_found: { status: 404, type: 'invalid_request_error' },
  /** A `previous_response_id` its upstream's own Responses API no longer knows: OpenAI's code; the request's fault. */
  previous_response_not_found: { status: 404, type: 'invalid_request_error' },
  method_not_allowed: { status: 405, type: 'invalid_request_error' },
  conflict: { status: 409, type: 'invalid_request_error' },
  rate_limit_exceeded: { status: 429, type: 'rate_limit_error' },
  budget_exceeded: { status: 429, type: 'insufficient_quota' },
  upstream_bad_request: { status: 400, type: 'invalid_request_error' },
  /** Embeddings asked of a contender whose model or protocol has none: the request's fault, no evidence about it. */
  embeddings_unsupported: { status: 400, type: 'invalid_request_error' },
  upstream_error: { status: 502, type: 'api_error' },
  upstream_rate_limited: { status: 429, type: 'rate_limit_error' },
  upstream_timeout: { status: 504, type: 'api_error' },
  upstream_stream_cut: { status: 502, type: 'api_error' },
  circuit_open: { status: 503, type: 'api_error' },
  all_contenders_failed: { status: 502, type: 'api_error' },
  service_unavailable: { status: 503, type: 'api_error' },
  internal_error: { status: 500, type: 'api_error' },
} as const satisfies Record<string, { status: number; type: string }>;

export type ErrorCode = keyof typeof ERRORS;

export class SaimaError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly param: string | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SaimaError';
  }

  get status(): number {
    return ERRORS[this.code].status;
  }
}

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}

export function errorBody(code: ErrorCode, message: string, param: string | null = null): OpenAIErrorBody {
  return { error: { message, type: ERRORS[code].type, param, code } };
}

/**
 * Strips credentials from text that may quote an upstream URL, header or key before it reaches a client, a log or
 * the store: every secret value the process knows first (by value, whatever its shape), then patterns as a second
 * net for secrets it was never told about.
 */
export function sanitize(text: string): string {
  return redactSecretValues(text)
    .replace(/\b(sk|pk|rk)-[A-Za-z0-9_\-]{8,}/g, '$1-***')
    .replace(/(bearer\s+)[^\s"',]+/gi, '$1***')
    .replace(/(x-api-key|api[_-]?key|authorization)(["']?\s*[:=]\s*["']?)[^\s"',&]+/gi, '$1$2***')
    .replace(/(\w+:\/\/)[^/\s:@]+:[^/\s@]+@/g, '$1***:***@')
    .replace(/([?&](?:key|api_key|token|access_token)=)[^&\s"]+/gi, '$1***');
}
