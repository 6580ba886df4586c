/**
 * The `anthropic` protocol: OpenAI chat completions in, Anthropic Messages API (2023-06-01) upstream,
 * OpenAI-shaped bytes back to the client, streaming or not. A client that itself speaks the Messages API
 * (`call.anthropicBody`) is passed through: its body goes up with only the model and output cap set, and the
 * upstream's bytes come back unchanged, watched by the same parser for usage, stop reason and failures.
 */
import { materialized } from '../raw-json.js';
import type { Contender } from '../../config/types.js';
import type { CallSignal } from '../call-signal.js';
import { createAgent } from '../http.js';
import type { CallOutcome, ProviderAdapter, UpstreamCall, UpstreamReply } from '../spec.js';
import { malformedBody } from './errors.js';
import { SaimaError } from '../../errors.js';
import { maxTokens, toMessagesRequest } from './translate-request.js';
import { MessageSchema, toChatCompletion } from './translate-response.js';
import { translateStream } from './translate-stream.js';
import { CallDeadline } from '../stream-deadline.js';
import { onceBody } from '../stream-once.js';
import { OutcomeLatch } from '../stream-outcome.js';
import { postForStream, postForWhole } from '../upstream-dispatch.js';

export const ANTHROPIC_VERSION = '2023-06-01';

/** Far above any Messages answer; a bound so a broken upstream cannot exhaust memory. */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** A count_tokens answer is one small object. */
const MAX_COUNT_BYTES = 64 * 1024;

export class AnthropicAdapter implements ProviderAdapter {
  readonly protocol = 'anthropic' as const;
  readonly #agent = createAgent();

  async send(call: UpstreamCall, signal: CallSignal): Promise<UpstreamReply> {
    const startedAt = performance.now();
    const { contender } = call;
    // Anthropic has no embeddings API (the front door refuses such a contender first; this is the adapter's own guard).
    if (call.operation === 'embeddings') throw new SaimaError('embeddings_unsupported', `'${contender.name}' speaks the anthropic protocol, which has no embeddings API.`, 'model');
    // Throws SaimaError('invalid_request') for what cannot be translated, before anything is sent.
    // The Messages body is a translation: a large body's raw messages are parsed here (see raw-json.ts).
    const native = call.anthropicBody !== undefined;
    const payload = JSON.stringify(native ? nativeRequest(call, contender) : toMessagesRequest(materialized(call.body), contender, call.stream));
    const headers = requestHeaders(contender, call.stream, native ? call.anthropicBeta : undefined);
    // Rejects with an UpstreamError for network failures, timeouts before headers and non-2xx statuses (and, for a
    // whole answer, a body that broke, stalled or outlived total_ms): upstream-dispatch.ts.
    const post = { agents: this.#agent, url: `${contender.baseUrl}/v1/messages`, headers: call.traceHeaders ? { ...headers, ...call.traceHeaders } : headers, payload, contender, signal, startedAt };
    const wire = native ? { wire: 'anthropic' as const } : {};
    if (!call.stream) {
      const { bytes, ttftMs } = await postForWhole(post, MAX_MESSAGE_BYTES);
      return { status: 200, contentType: 'application/json', ...messageReply(bytes, ttftMs, call, native), ...wire };
    }
    const source = await postForStream(post);
    const deadline = new CallDeadline(signal, contender, startedAt);
    deadline.arm(source);
    const sink = new OutcomeLatch(signal, abandoned, () => deadline.dispose());
    const body = translateStream(source, { contender, wantUsage: call.clientWantsUsage, captureText: call.captureText, startedAt, sink, native, deadline });
    return { status: 200, contentType: 'text/event-stream', body, outcome: sink.promise, ...wire };
  }

  /** Anthropic's own count (`POST /v1/messages/count_tokens`): free, and exact for its model. */
  async countTokens(contender: Contender, body: Record<string, unknown>, signal: CallSignal): Promise<number> {
    const payload = JSON.stringify({ ...body, model: contender.model });
    const post = { agents: this.#agent, url: `${contender.baseUrl}/v1/messages/count_tokens`, headers: requestHeaders(contender, false), payload, contender, signal, startedAt: performance.now() };
    const { bytes } = await postForWhole(post, MAX_COUNT_BYTES);
    let raw: unknown;
    try {
      raw = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw malformedBody('count_tokens body');
    }
    const n = (raw as { input_tokens?: unknown } | null)?.input_tokens;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw malformedBody('count_tokens body');
    return n;
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}

/**
 * The client's Messages body as it came, with the contender's model and the output cap the call was admitted with
 * (`max_tokens` is required in the Messages API, so it is the client's own unless a budget reserved less).
 */
function nativeRequest(call: UpstreamCall, contender: Contender): Record<string, unknown> {
  return { ...call.anthropicBody, model: call.body.model, max_tokens: maxTokens(call.body, contender) };
}

function requestHeaders(contender: Contender, stream: boolean, beta?: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: stream ? 'text/event-stream' : 'application/json',
    'anthropic-version': ANTHROPIC_VERSION,
    ...(beta ? { 'anthropic-beta': beta } : {}),
    ...(contender.apiKey ? { 'x-api-key': contender.apiKey } : {}),
    // Last, so a contender can add anthropic-beta or override the version on purpose.
    ...contender.headers,
  };
}

/**
 * A whole answer, read before `send()` resolves, so every failure (a malformed body included) happens before the
 * client sees a byte and may be retried or fall back. Native: the upstream's bytes unchanged; else translated.
 */
function messageReply(bytes: Buffer, ttftMs: number | null, call: UpstreamCall, native: boolean): Pick<UpstreamReply, 'body' | 'outcome'> {
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw malformedBody('JSON body');
  }
  const parsed = MessageSchema.safeParse(raw);
  if (!parsed.success) throw malformedBody('Messages API body');
  const done = toChatCompletion(parsed.data);
  const outcome: CallOutcome = {
    ok: true,
    usage: done.usage,
    finishReason: done.finishReason,
    ttftMs,
    text: call.captureText ? done.text : null,
    error: null,
    model: parsed.data.model,
  };
  return { body: onceBody(native ? bytes : Buffer.from(JSON.stringify(done.body))), outcome: Promise.resolve(outcome) };
}

/** The outcome of a stream the caller stopped reading: not an upstream failure, since the caller knows why. */
function abandoned(): CallOutcome {
  return { ok: true, usage: null, finishReason: null, ttftMs: null, text: null, error: null };
}
