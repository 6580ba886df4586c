/**
 * The `anthropic` protocol: OpenAI chat completions in, Anthropic Messages API (2023-06-01) upstream,
 * OpenAI-shaped bytes back to the client, streaming or not. A client that itself speaks the Messages API
 * (`call.anthropicBody`) is passed through: its body goes up with only the model and output cap set, and the
 * upstream's bytes come back unchanged, watched by the same parser for usage, stop reason and failures.
 */
import { materialized } from '../raw-json.js';
import type { Dispatcher } from 'undici';
import type { Contender } from '../../config/types.js';
import type { CallSignal } from '../call-signal.js';
import { createAgent, networkError, postUpstream } from '../http.js';
import type { CallOutcome, ProviderAdapter, UpstreamCall, UpstreamReply } from '../spec.js';
import { malformedBody } from './errors.js';
import { SaimaError } from '../../errors.js';
import { maxTokens, toMessagesRequest } from './translate-request.js';
import { MessageSchema, toChatCompletion } from './translate-response.js';
import { translateStream, type StreamSink } from './translate-stream.js';

export const ANTHROPIC_VERSION = '2023-06-01';

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
    const res = await postUpstream(this.#agent, `${contender.baseUrl}/v1/messages`, call.traceHeaders ? { ...headers, ...call.traceHeaders } : headers, payload, contender, signal);
    const sink = new OutcomeLatch(signal);
    const body = call.stream
      ? translateStream(res.body, { contender, wantUsage: call.clientWantsUsage, captureText: call.captureText, startedAt, sink, native })
      : completionBody(res.body, call, startedAt, sink, native);
    return {
      status: 200,
      contentType: call.stream ? 'text/event-stream' : 'application/json',
      body,
      outcome: sink.promise,
      ...(native ? { wire: 'anthropic' as const } : {}),
    };
  }

  /** Anthropic's own count (`POST /v1/messages/count_tokens`): free, and exact for its model. */
  async countTokens(contender: Contender, body: Record<string, unknown>, signal: CallSignal): Promise<number> {
    const payload = JSON.stringify({ ...body, model: contender.model });
    const res = await postUpstream(this.#agent, `${contender.baseUrl}/v1/messages/count_tokens`, requestHeaders(contender, false), payload, contender, signal);
    let raw: unknown;
    try {
      raw = await res.body.json();
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

/** A non-streaming reply is read whole, so every failure happens before the client sees a byte. */
async function* completionBody(source: Dispatcher.ResponseData['body'], call: UpstreamCall, startedAt: number, sink: OutcomeLatch, native: boolean): AsyncGenerator<Uint8Array> {
  sink.busy = true;
  let raw: unknown;
  let bytes: Buffer;
  try {
    bytes = Buffer.from(await source.arrayBuffer());
    raw = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    const e = err instanceof SyntaxError ? malformedBody('JSON body') : networkError(err, call.contender, 'first_byte');
    sink.settle(failed(e.info()));
    throw e;
  }
  const parsed = MessageSchema.safeParse(raw);
  if (!parsed.success) {
    const e = malformedBody('Messages API body');
    sink.settle(failed(e.info()));
    throw e;
  }
  const done = toChatCompletion(parsed.data);
  sink.settle({
    ok: true,
    usage: done.usage,
    finishReason: done.finishReason,
    ttftMs: performance.now() - startedAt,
    text: call.captureText ? done.text : null,
    error: null,
    model: parsed.data.model,
  });
  sink.busy = false;
  yield native ? bytes : Buffer.from(JSON.stringify(done.body));
}

function failed(error: CallOutcome['error']): CallOutcome {
  return { ok: false, usage: null, finishReason: null, ttftMs: null, text: null, error };
}

/**
 * The reply's `outcome`, settled once. If the call is aborted while the consumer holds a chunk (the client
 * went away and the gateway stopped pulling), nothing will ever read the body again, so the outcome settles
 * here: not as an upstream failure, since the caller knows why it aborted.
 */
class OutcomeLatch implements StreamSink {
  readonly promise: Promise<CallOutcome>;
  busy = false;
  #resolve!: (o: CallOutcome) => void;
  #settled = false;
  readonly #signal: CallSignal;
  readonly #onAbort = () => {
    if (!this.busy) this.settle({ ok: true, usage: null, finishReason: null, ttftMs: null, text: null, error: null });
  };

  constructor(signal: CallSignal) {
    this.promise = new Promise((resolve) => (this.#resolve = resolve));
    this.#signal = signal;
    if (signal.aborted) this.#onAbort();
    else signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  settle(outcome: CallOutcome): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#signal.removeEventListener('abort', this.#onAbort);
    this.#resolve(outcome);
  }
}
