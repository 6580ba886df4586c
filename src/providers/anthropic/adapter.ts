/**
 * The `anthropic` protocol: OpenAI chat completions in, Anthropic Messages API (2023-06-01) upstream,
 * OpenAI-shaped bytes back to the client, streaming or not.
 */
import { materialized } from '../raw-json.js';
import type { Dispatcher } from 'undici';
import type { Contender } from '../../config/types.js';
import type { CallSignal } from '../call-signal.js';
import { createAgent, networkError, postUpstream } from '../http.js';
import type { CallOutcome, ProviderAdapter, UpstreamCall, UpstreamReply } from '../spec.js';
import { malformedBody } from './errors.js';
import { toMessagesRequest } from './translate-request.js';
import { MessageSchema, toChatCompletion } from './translate-response.js';
import { translateStream, type StreamSink } from './translate-stream.js';

export const ANTHROPIC_VERSION = '2023-06-01';

export class AnthropicAdapter implements ProviderAdapter {
  readonly protocol = 'anthropic' as const;
  readonly #agent = createAgent();

  async send(call: UpstreamCall, signal: CallSignal): Promise<UpstreamReply> {
    const startedAt = performance.now();
    const { contender } = call;
    // Throws SaimaError('invalid_request') for what cannot be translated, before anything is sent.
    // The Messages body is a translation: a large body's raw messages are parsed here (see raw-json.ts).
    const payload = JSON.stringify(toMessagesRequest(materialized(call.body), contender, call.stream));
    const headers = requestHeaders(contender, call.stream);
    const res = await postUpstream(this.#agent, `${contender.baseUrl}/v1/messages`, call.traceHeaders ? { ...headers, ...call.traceHeaders } : headers, payload, contender, signal);
    const sink = new OutcomeLatch(signal);
    const body = call.stream
      ? translateStream(res.body, { contender, wantUsage: call.clientWantsUsage, captureText: call.captureText, startedAt, sink })
      : completionBody(res.body, call, startedAt, sink);
    return {
      status: 200,
      contentType: call.stream ? 'text/event-stream' : 'application/json',
      body,
      outcome: sink.promise,
    };
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}

function requestHeaders(contender: Contender, stream: boolean): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: stream ? 'text/event-stream' : 'application/json',
    'anthropic-version': ANTHROPIC_VERSION,
    ...(contender.apiKey ? { 'x-api-key': contender.apiKey } : {}),
    // Last, so a contender can add anthropic-beta or override the version on purpose.
    ...contender.headers,
  };
}

/** A non-streaming reply is read whole, so every failure happens before the client sees a byte. */
async function* completionBody(source: Dispatcher.ResponseData['body'], call: UpstreamCall, startedAt: number, sink: OutcomeLatch): AsyncGenerator<Uint8Array> {
  sink.busy = true;
  let raw: unknown;
  try {
    raw = await source.json();
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
  });
  sink.busy = false;
  yield Buffer.from(JSON.stringify(done.body));
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
