/**
 * Errors in the Anthropic Messages API's shape, for the clients of `/v1/messages`:
 * `{"type":"error","error":{"type","message"},"request_id"}` with the status Saima's catalogue gives the error, and
 * the `type` Anthropic documents for that status (so the official SDK raises the same error class it would).
 */
/** Anthropic's error type per HTTP status (docs.anthropic.com, "Errors"). */
export function anthropicErrorType(status: number): string {
  switch (status) {
    case 400:
    case 405:
    case 409:
    case 415:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 503:
    case 529:
      return 'overloaded_error';
    case 504:
      return 'timeout_error';
    default:
      return 'api_error';
  }
}

export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
  request_id: string;
}

export function anthropicErrorBody(status: number, message: string, requestId: string): AnthropicErrorBody {
  return { type: 'error', error: { type: anthropicErrorType(status), message }, request_id: requestId };
}

/** The `error` event that ends a Messages stream (no `message_stop` after it). */
export function anthropicErrorEvent(type: string, message: string): Buffer {
  return Buffer.from(`event: error\ndata: ${JSON.stringify({ type: 'error', error: { type, message } })}\n\n`);
}
