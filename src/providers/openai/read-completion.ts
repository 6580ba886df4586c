/**
 * A non-streamed reply, read whole before `send()` resolves: every failure (socket error, stall, invalid
 * JSON) then happens before the client has seen a byte and may be retried or fall back. The bytes go to
 * the client unchanged; usage, finish reason and (when asked) the text are read from one JSON.parse.
 */
import { z } from 'zod';
import type { Contender } from '../../config/types.js';
import type { CallOutcome, UpstreamCall, UpstreamReply } from '../spec.js';
import type { CallDeadline } from '../stream-deadline.js';
import { onceBody } from '../stream-once.js';
import { UpstreamError } from '../upstream-error.js';
import { readUsage } from './usage.js';

/** Far above any chat completion; a bound so a broken upstream cannot exhaust memory. */
export const MAX_COMPLETION_BYTES = 64 * 1024 * 1024;

// Loose: only the fields Saima reads; vendors add their own (reasoning_content, prompt_cache_hit_tokens…).
const CompletionSchema = z.object({
  choices: z
    .array(
      z.object({
        finish_reason: z.string().nullish().catch(null),
        message: z.object({ content: z.string().nullish().catch(null) }).nullish().catch(null),
      }),
    )
    .nullish()
    .catch(null),
  usage: z.unknown().optional(),
  error: z.unknown().optional(),
});

export async function readCompletion(
  source: AsyncIterable<Uint8Array>,
  call: UpstreamCall,
  startedAt: number,
  deadline: CallDeadline,
): Promise<UpstreamReply> {
  const { contender } = call;
  const chunks: Uint8Array[] = [];
  let size = 0;
  let ttftMs: number | null = null;
  try {
    for await (const chunk of source) {
      ttftMs ??= performance.now() - startedAt;
      size += chunk.length;
      if (size > MAX_COMPLETION_BYTES) {
        throw new UpstreamError('upstream_error', `${contender.name}: response larger than ${MAX_COMPLETION_BYTES} bytes`, { phase: 'first_byte', retryable: false });
      }
      chunks.push(chunk);
    }
  } catch (err) {
    throw deadline.explain(err, 'first_byte');
  }
  const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
  const outcome = interpret(bytes, contender, call.captureText);
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
  const parsed = CompletionSchema.safeParse(json);
  if (!parsed.success) throw new UpstreamError('upstream_error', `${contender.name}: upstream sent no chat completion`, { phase: 'first_byte', retryable: false });
  const body = parsed.data;
  if (!body.choices && body.error !== undefined && body.error !== null) {
    // Some compatible servers answer errors with a 2xx and an OpenAI error body.
    const message = (body.error as { message?: unknown }).message;
    throw new UpstreamError('upstream_error', `${contender.name}: upstream error: ${typeof message === 'string' ? message : 'unknown'}`, { phase: 'first_byte', retryable: false });
  }
  const choice = body.choices?.[0];
  const usage = readUsage(body.usage);
  const content = choice?.message?.content ?? null;
  return {
    ok: true,
    usage,
    finishReason: choice?.finish_reason ?? null,
    ttftMs: null,
    // Kept for the estimate too when the upstream reports no usage.
    text: captureText || usage === null ? (content ?? '') : null,
    error: null,
  };
}
