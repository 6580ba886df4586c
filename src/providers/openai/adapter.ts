/**
 * The `openai` protocol: any OpenAI-compatible `/chat/completions` (and `/embeddings`, and for a contender declared
 * with `responses: true` its own `/responses`) endpoint (OpenAI, DeepSeek, Qwen, Doubao,
 * Hunyuan, Moonshot, vLLM, Ollama, llama.cpp, SGLang). The client's body goes up with the contender's quirks
 * applied; the upstream's bytes come back unchanged, watched by a side parser for metering.
 */
import type { Contender } from '../../config/types.js';
import type { CallSignal } from '../call-signal.js';
import { createAgent } from '../http.js';
import type { ProviderAdapter, UpstreamCall, UpstreamReply } from '../spec.js';
import { CallDeadline } from '../stream-deadline.js';
import { UpstreamError } from '../upstream-error.js';
import { postForStream, postForWhole, type UpstreamPost } from '../upstream-dispatch.js';
import { completionReply, MAX_COMPLETION_BYTES } from './read-completion.js';
import { embeddingsReply, MAX_EMBEDDINGS_BYTES } from './read-embeddings.js';
import { passResponsesStream, responseReply, responsesUrl } from './responses-api.js';
import { serializeBody, type BodyParts } from '../raw-json.js';
import { passThrough } from './stream-body.js';
import { hidesUsage, upstreamPayload } from './translate-request.js';

/**
 * A 404 from `/embeddings`: this upstream serves no embeddings for this model (a chat model called through the
 * embeddings door). The request's fault, like a 400: no retry, no fallback, and no failure for the contender's breaker,
 * which its chat traffic shares.
 */
function noEmbeddingsHere(err: unknown, contender: Contender): unknown {
  if (!(err instanceof UpstreamError) || err.upstreamStatus !== 404) return err;
  return new UpstreamError('embeddings_unsupported', `'${contender.name}' serves no embeddings (its upstream answered 404 at /embeddings for '${contender.model}'): call a race or contender of an embedding model.`, {
    phase: err.phase,
    upstreamStatus: 404,
    retryable: false,
    fallbackable: false,
  });
}

/**
 * A continuation its upstream's Responses API no longer knows (expired or deleted there): OpenAI's
 * `previous_response_not_found`, whichever status the upstream sent it with. The request's fault, like a 400: no retry,
 * no fallback (no other contender holds that conversation), and no failure for the contender's breaker; the client
 * gets OpenAI's own answer naming `previous_response_id`.
 */
function previousResponseGone(err: unknown, call: UpstreamCall): unknown {
  const id = call.responsesBody?.previous_response_id;
  if (!(err instanceof UpstreamError) || err.upstreamCode !== 'previous_response_not_found' || typeof id !== 'string') return err;
  return new UpstreamError('previous_response_not_found', `Previous response with id '${id}' not found.`, {
    phase: err.phase,
    upstreamStatus: err.upstreamStatus,
    upstreamCode: err.upstreamCode,
    param: 'previous_response_id',
    retryable: false,
    fallbackable: false,
  });
}

interface Target {
  url: string;
  embeddingsUrl: string;
  responsesUrl: string;
  jsonHeaders: Record<string, string>;
  streamHeaders: Record<string, string>;
}

export class OpenAIAdapter implements ProviderAdapter {
  readonly protocol = 'openai' as const;
  readonly #agent = createAgent();
  /** Contenders are frozen and long-lived: their URL and headers are built once. */
  readonly #targets = new WeakMap<Contender, Target>();

  async send(call: UpstreamCall, signal: CallSignal): Promise<UpstreamReply> {
    const startedAt = performance.now();
    const { contender } = call;
    const target = this.#target(contender);
    if (call.operation === 'embeddings') {
      // The client's body as it came (model replaced): the chat quirks do not apply to embeddings.
      const post = this.#post(call, target.embeddingsUrl, target.jsonHeaders, serializeBody(call.body), signal, startedAt);
      const { bytes, ttftMs } = await postForWhole(post, MAX_EMBEDDINGS_BYTES).catch((err: unknown) => {
        throw noEmbeddingsHere(err, contender);
      });
      return embeddingsReply(bytes, ttftMs, call);
    }
    if (call.responsesBody !== undefined) {
      // The upstream's own Responses API: the client's body as the front door made it, no chat quirk applies.
      const post = this.#post(call, target.responsesUrl, call.stream ? target.streamHeaders : target.jsonHeaders, JSON.stringify(call.responsesBody), signal, startedAt);
      if (!call.stream) {
        const { bytes, ttftMs } = await postForWhole(post, MAX_COMPLETION_BYTES).catch((err: unknown) => {
          throw previousResponseGone(err, call);
        });
        return responseReply(bytes, ttftMs, call);
      }
      const source = await postForStream(post).catch((err: unknown) => {
        throw previousResponseGone(err, call);
      });
      const deadline = new CallDeadline(signal, contender, startedAt);
      deadline.arm(source);
      return passResponsesStream(source, { contender, captureText: call.captureText, startedAt, deadline }, signal);
    }
    const payload = upstreamPayload(call);
    // Rejects with an UpstreamError for network failures, timeouts before headers and non-2xx statuses (and, for a
    // whole answer, a body that broke or stalled), as every call above: upstream-dispatch.ts.
    const post = this.#post(call, target.url, call.stream ? target.streamHeaders : target.jsonHeaders, payload, signal, startedAt);
    if (!call.stream) {
      const { bytes, ttftMs } = await postForWhole(post, MAX_COMPLETION_BYTES);
      return completionReply(bytes, ttftMs, call);
    }
    const source = await postForStream(post);
    const deadline = new CallDeadline(signal, contender, startedAt);
    deadline.arm(source);
    const { body, outcome, events } = passThrough(
      source,
      { contender, hideUsage: hidesUsage(call), captureText: call.captureText, startedAt, deadline, keepEvents: call.keepEvents === true },
      signal,
    );
    return { status: 200, contentType: 'text/event-stream', body, outcome, events };
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  /** The call's POST to `url`, the trace context's headers added to the contender's. */
  #post(call: UpstreamCall, url: string, headers: Record<string, string>, payload: string | BodyParts, signal: CallSignal, startedAt: number): UpstreamPost {
    return { agents: this.#agent, url, headers: call.traceHeaders ? { ...headers, ...call.traceHeaders } : headers, payload, contender: call.contender, signal, startedAt };
  }

  #target(contender: Contender): Target {
    let target = this.#targets.get(contender);
    if (!target) {
      const base: Record<string, string> = { 'content-type': 'application/json' };
      if (contender.apiKey) base.authorization = `Bearer ${contender.apiKey}`;
      target = {
        url: `${contender.baseUrl}/chat/completions`,
        embeddingsUrl: `${contender.baseUrl}/embeddings`,
        responsesUrl: responsesUrl(contender),
        // The contender's own headers last, so it can override on purpose (e.g. a vendor's auth header).
        jsonHeaders: { ...base, accept: 'application/json', ...contender.headers },
        streamHeaders: { ...base, accept: 'text/event-stream', ...contender.headers },
      };
      this.#targets.set(contender, target);
    }
    return target;
  }
}
