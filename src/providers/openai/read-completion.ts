/**
 * A non-streamed reply, read whole before `send()` resolves: every failure (socket error, stall, invalid
 * JSON) then happens before the client has seen a byte and may be retried or fall back. The bytes go to
 * the client unchanged; usage, finish reason and (when asked) the text are read from one JSON.parse.
 */
import type { Readable } from 'node:stream';
import type { Contender } from '../../config/types.js';
import type { CallOutcome, UpstreamCall, UpstreamReply } from '../spec.js';
import type { CallDeadline } from '../stream-deadline.js';
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

/** A whole answer's bytes and its time to first byte; a failure while reading is explained by the call's deadline. */
export async function readAnswer(source: Readable, call: UpstreamCall, startedAt: number, deadline: CallDeadline): Promise<{ bytes: Buffer; ttftMs: number | null }> {
  let ttftMs: number | null = null;
  let whole: { chunks: Buffer[]; size: number };
  try {
    whole = await readWhole(source, call.contender, () => (ttftMs ??= performance.now() - startedAt));
  } catch (err) {
    throw deadline.explain(err, 'first_byte');
  }
  const { chunks, size } = whole;
  return { bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size), ttftMs };
}

/**
 * Collects a body with stream events rather than `for await`: an async iterator over a Readable costs a generator,
 * its promises and an end-of-stream watcher per body, measured at an eighth of all bytes allocated per request.
 */
export function readWhole(source: Readable, contender: Contender, onFirstChunk: () => void, limit = MAX_COMPLETION_BYTES): Promise<{ chunks: Buffer[]; size: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (err: unknown): void => {
      source.off('data', onData);
      source.off('end', onEnd);
      source.off('error', done);
      source.off('close', onClose);
      if (err === null) resolve({ chunks, size });
      else reject(err);
    };
    const onData = (chunk: Buffer): void => {
      onFirstChunk();
      size += chunk.length;
      if (size > limit) {
        source.destroy();
        done(new UpstreamError('upstream_error', `${contender.name}: response larger than ${limit} bytes`, { phase: 'first_byte', retryable: false }));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => done(null);
    // Destroyed without an error (an abort that emits none): the body is incomplete.
    const onClose = (): void => done(new Error('response body closed before its end'));
    source.on('data', onData);
    source.once('end', onEnd);
    source.once('error', done);
    source.once('close', onClose);
  });
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
