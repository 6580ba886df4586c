/**
 * A non-streamed reply, read whole before `send()` resolves: every failure (socket error, stall, invalid
 * JSON) then happens before the client has seen a byte and may be retried or fall back. The bytes go to
 * the client unchanged; usage, finish reason and (when asked) the text are read from one JSON.parse.
 */
import type { Contender } from '../../config/types.js';
import type { CallOutcome, UpstreamCall, UpstreamReply } from '../spec.js';
import { onceBody } from '../stream-once.js';
import { UpstreamError } from '../upstream-error.js';
import { completionFields } from './usage.js';

/** Far above any chat completion; a bound so a broken upstream cannot exhaust memory. */
export const MAX_COMPLETION_BYTES = 64 * 1024 * 1024;

/** The reply for a whole answer's bytes: read for metering (invalid JSON throws, retryable), passed on unchanged. */
export function completionReply(bytes: Buffer, ttftMs: number | null, call: UpstreamCall): UpstreamReply {
  const outcome = interpret(bytes, call.contender, call.captureText);
  outcome.ttftMs = ttftMs;
  return { status: 200, contentType: 'application/json', body: onceBody(bytes), outcome: Promise.resolve(outcome) };
}

function interpret(bytes: Uint8Array, contender: Contender, captureText: boolean): CallOutcome {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    // Usually a proxy's truncated or HTML page: worth another try, and the client has seen nothing yet.
    throw new UpstreamError('upstream_error', `${contender.name}: upstream sent invalid JSON`, { phase: 'first_byte', retryable: true });
  }
  const body = completionFields(json);
  if (body === null) throw new UpstreamError('upstream_error', `${contender.name}: upstream sent no chat completion`, { phase: 'first_byte', retryable: false });
  if (body.error !== null) {
    throw new UpstreamError('upstream_error', `${contender.name}: upstream error: ${body.error}`, { phase: 'first_byte', retryable: false });
  }
  const { usage, content } = body;
  return {
    ok: true,
    usage,
    finishReason: body.finishReason,
    ttftMs: null,
    // Kept for the estimate too when the upstream reports no usage.
    text: captureText || usage === null ? (content ?? '') : null,
    error: null,
    model: body.model ?? null,
  };
}
