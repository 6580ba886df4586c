/**
 * The `openai` protocol: any OpenAI-compatible `/chat/completions` (and `/embeddings`) endpoint (OpenAI, DeepSeek, Qwen, Doubao,
 * Hunyuan, Moonshot, vLLM, Ollama, llama.cpp, SGLang). The client's body goes up with the contender's quirks
 * applied; the upstream's bytes come back unchanged, watched by a side parser for metering.
 */
import type { Contender } from '../../config/types.js';
import type { CallSignal } from '../call-signal.js';
import { createAgent, postUpstream } from '../http.js';
import type { ProviderAdapter, UpstreamCall, UpstreamReply } from '../spec.js';
import { CallDeadline } from '../stream-deadline.js';
import { readCompletion } from './read-completion.js';
import { readEmbeddings } from './read-embeddings.js';
import { serializeBody } from '../raw-json.js';
import { passThrough } from './stream-body.js';
import { hidesUsage, upstreamPayload } from './translate-request.js';

interface Target {
  url: string;
  embeddingsUrl: string;
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
      const res = await postUpstream(this.#agent, target.embeddingsUrl, target.jsonHeaders, serializeBody(call.body), contender, signal);
      const deadline = new CallDeadline(signal, contender, startedAt);
      deadline.arm(res.body);
      try {
        return await readEmbeddings(res.body, call, startedAt, deadline);
      } finally {
        deadline.dispose();
      }
    }
    const payload = upstreamPayload(call);
    // Rejects with an UpstreamError for network failures, timeouts before headers and non-2xx statuses.
    const res = await postUpstream(this.#agent, target.url, call.stream ? target.streamHeaders : target.jsonHeaders, payload, contender, signal);
    const deadline = new CallDeadline(signal, contender, startedAt);
    deadline.arm(res.body);
    if (!call.stream) {
      try {
        return await readCompletion(res.body, call, startedAt, deadline);
      } finally {
        deadline.dispose();
      }
    }
    const { body, outcome } = passThrough(
      res.body,
      { contender, hideUsage: hidesUsage(call), captureText: call.captureText, startedAt, deadline },
      signal,
    );
    return { status: 200, contentType: 'text/event-stream', body, outcome };
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  #target(contender: Contender): Target {
    let target = this.#targets.get(contender);
    if (!target) {
      const base: Record<string, string> = { 'content-type': 'application/json' };
      if (contender.apiKey) base.authorization = `Bearer ${contender.apiKey}`;
      target = {
        url: `${contender.baseUrl}/chat/completions`,
        embeddingsUrl: `${contender.baseUrl}/embeddings`,
        // The contender's own headers last, so it can override on purpose (e.g. a vendor's auth header).
        jsonHeaders: { ...base, accept: 'application/json', ...contender.headers },
        streamHeaders: { ...base, accept: 'text/event-stream', ...contender.headers },
      };
      this.#targets.set(contender, target);
    }
    return target;
  }
}
