/**
 * A non-streamed OpenAI embeddings reply (`{"object":"list","data":[…],"model":…,"usage":{…}}`), read whole before
 * `send()` resolves so that every failure can still be retried or fall back. The bytes go to the client unchanged.
 * They can be tens of megabytes of floats (2,048 inputs × 3,072 dimensions as JSON numbers is ~130 MB), so they are
 * parsed on the event loop only when small; a large reply is only checked to be one JSON object and its `usage` is
 * read from the tail (where OpenAI, vLLM, Ollama and the other compatible servers write it) or, failing that, the
 * head. A large reply with no `usage` in either is metered at the gateway's estimate of the input, flagged estimated.
 */
import type { Contender } from '../../config/types.js';
import type { CallOutcome, UpstreamCall, UpstreamReply, Usage } from '../spec.js';
import { onceBody } from '../stream-once.js';
import { UpstreamError } from '../upstream-error.js';
import { readUsage } from './usage.js';

/** A bound far above the largest documented reply, so a broken upstream cannot exhaust memory. */
export const MAX_EMBEDDINGS_BYTES = 256 * 1024 * 1024;
/** Replies up to this size are parsed whole (a fraction of a millisecond); larger ones are read from their ends. */
export const PARSE_WHOLE_BYTES = 64 * 1024;
/** How far from either end of a large reply its `usage` member is looked for. */
const END_BYTES = 4096;

/** The reply for a whole embeddings answer's bytes: its usage read (see the file comment), the bytes passed on unchanged. */
export function embeddingsReply(bytes: Buffer, ttftMs: number | null, call: UpstreamCall): UpstreamReply {
  const { contender } = call;
  const usage = bytes.length <= PARSE_WHOLE_BYTES ? parsedUsage(bytes, contender) : endsUsage(bytes, contender);
  const outcome: CallOutcome = { ok: true, usage, finishReason: null, ttftMs, text: null, error: null };
  return { status: 200, contentType: 'application/json', body: onceBody(bytes), outcome: Promise.resolve(outcome) };
}

function parsedUsage(bytes: Buffer, contender: Contender): Usage | null {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    // Usually a proxy's truncated or HTML page: worth another try, and the client has seen nothing yet.
    throw new UpstreamError('upstream_error', `${contender.name}: upstream sent invalid JSON`, { phase: 'first_byte', retryable: true });
  }
  const body = json !== null && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>) : null;
  if (body === null || !Array.isArray(body.data)) {
    // Some compatible servers answer errors with a 2xx and an OpenAI error body.
    const error = body?.error as { message?: unknown } | undefined;
    const detail = error && typeof error.message === 'string' ? `upstream error: ${error.message}` : 'upstream sent no embeddings list';
    throw new UpstreamError('upstream_error', `${contender.name}: ${detail}`, { phase: 'first_byte', retryable: false });
  }
  return readUsage(body.usage);
}

/** A large reply: one JSON object by its ends (a truncated body is not), its usage read near either end. */
function endsUsage(bytes: Buffer, contender: Contender): Usage | null {
  if (firstNonSpace(bytes) !== 0x7b || lastNonSpace(bytes) !== 0x7d) {
    throw new UpstreamError('upstream_error', `${contender.name}: upstream sent invalid JSON`, { phase: 'first_byte', retryable: true });
  }
  return usageIn(bytes.subarray(Math.max(0, bytes.length - END_BYTES)), true) ?? usageIn(bytes.subarray(0, END_BYTES), false);
}

const USAGE_KEY = Buffer.from('"usage"');

/** The `"usage": {…}` member in a slice of the reply, read by matching its braces; null when absent or unreadable. */
export function usageIn(slice: Buffer, last: boolean): Usage | null {
  const at = last ? slice.lastIndexOf(USAGE_KEY) : slice.indexOf(USAGE_KEY);
  if (at < 0) return null;
  let i = at + USAGE_KEY.length;
  while (i < slice.length && isSpace(slice[i]!)) i++;
  if (slice[i] !== 0x3a) return null;
  i++;
  while (i < slice.length && isSpace(slice[i]!)) i++;
  if (slice[i] !== 0x7b) return null;
  const start = i;
  let depth = 0;
  let inString = false;
  for (; i < slice.length; i++) {
    const c = slice[i]!;
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b) depth++;
    else if (c === 0x7d && --depth === 0) {
      try {
        return readUsage(JSON.parse(slice.subarray(start, i + 1).toString('utf8')));
      } catch {
        return null;
      }
    }
  }
  return null;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function firstNonSpace(b: Buffer): number | undefined {
  for (let i = 0; i < b.length; i++) if (!isSpace(b[i]!)) return b[i];
  return undefined;
}

function lastNonSpace(b: Buffer): number | undefined {
  for (let i = b.length - 1; i >= 0; i--) if (!isSpace(b[i]!)) return b[i];
  return undefined;
}
