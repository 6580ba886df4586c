/**
 * The provider contract, types only. An adapter speaks one wire protocol (`openai`, `anthropic`, `mock`);
 * vendors that share a protocol differ only by preset data (base URL, key, quirks).
 */
import type { Contender } from '../config/types.js';
import type { CallSignal } from './call-signal.js';

/** Token counts of one call, in the OpenAI vocabulary. `estimated` marks counts we computed with a tokenizer. */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
  /** Part of completionTokens spent on hidden reasoning (`completion_tokens_details.reasoning_tokens`). */
  reasoningTokens: number;
  /** Part of promptTokens served from the provider's prompt cache (`prompt_tokens_details.cached_tokens`). */
  cachedTokens: number;
  estimated: boolean;
}

export type UpstreamPhase = 'connect' | 'headers' | 'first_byte' | 'mid_stream';

/** One upstream attempt as the race layer asks for it. */
export interface UpstreamCall {
  contender: Contender;
  /**
   * The client's body with `model` already set to the contender's upstream model id. Unknown fields are
   * kept; OpenAI-compatible adapters serialise it as is, others translate it.
   */
  body: Record<string, unknown>;
  stream: boolean;
  /** The client itself asked for `stream_options.include_usage`; otherwise the usage chunk is hidden. */
  clientWantsUsage: boolean;
  /** Keep the answer text in the outcome (race capture or an estimate needs it). */
  captureText: boolean;
  requestId: string;
  /**
   * The client's own Anthropic Messages body, when the client spoke that protocol: an `anthropic` adapter sends it
   * as is (model and output cap set as for `body`) and its reply carries the Messages API's bytes (`wire`).
   * Other adapters ignore it and serve `body`.
   */
  anthropicBody?: Record<string, unknown>;
  /** The client's `anthropic-beta` header, forwarded with `anthropicBody` (the betas its body may rely on). */
  anthropicBeta?: string;
  /**
   * The client's own Responses API body (model and output cap already set), for an `openai` contender whose upstream
   * serves that API (`responses: true`): sent to `{base_url}/responses` instead of `body`, and the reply carries the
   * Responses API's bytes (`wire`). Other adapters never get it.
   */
  responsesBody?: Record<string, unknown>;
  /**
   * `embeddings`: `body` is an OpenAI embeddings request, sent to the upstream's `/embeddings` (never streamed); the
   * reply carries its bytes unchanged and the outcome its `usage.prompt_tokens`. Only `openai` and `mock` serve it.
   */
  operation?: 'embeddings';
  /**
   * The front door translates the stream event by event: an adapter that splits the SSE events anyway pairs each
   * chunk of its reply with their data (`UpstreamReply.events`). Others ignore it.
   */
  keepEvents?: boolean;
  /** W3C trace context of this attempt (`traceparent`, `tracestate`), sent upstream as headers when tracing is on. */
  traceHeaders?: Readonly<Record<string, string>>;
}

export interface UpstreamReply {
  status: number;
  /** Content type to send to the client (`text/event-stream` or `application/json`). */
  contentType: string;
  /** OpenAI-shaped bytes for the client: passed through for `openai`, translated for `anthropic`, made up by `mock`. */
  body: AsyncIterable<Uint8Array>;
  /**
   * The protocol of `body`: absent for OpenAI chat completions, `anthropic` for a Messages body passed through,
   * `responses` for a Responses API body passed through.
   */
  wire?: 'anthropic' | 'responses';
  /** Settles when the body has been fully consumed or has failed. Never rejects. */
  outcome: Promise<CallOutcome>;
  /**
   * With `keepEvents`: the data of the SSE events in a chunk `body` yielded, in order, as the adapter already decoded
   * and split them; undefined for a chunk it cannot vouch for (the reader then parses the bytes themselves).
   */
  events?: ((chunk: Uint8Array) => readonly string[] | undefined) | undefined;
}

export interface CallOutcome {
  ok: boolean;
  usage: Usage | null;
  finishReason: string | null;
  /** Milliseconds from the start of the attempt to the first body byte. */
  ttftMs: number | null;
  /** Answer text, only when `captureText` was set. */
  text: string | null;
  /** The failure after headers (a mid-stream cut, a malformed body), when `ok` is false. */
  error: UpstreamErrorInfo | null;
  /** The model id the upstream says answered, where the adapter reads it without extra parsing. */
  model?: string | null;
  /** The upstream's own id of the answer (a Responses API answer passed through: the id its client continues). */
  responseId?: string | null;
}

export interface UpstreamErrorInfo {
  code: string;
  message: string;
  phase: UpstreamPhase;
  upstreamStatus: number | null;
}

export interface ProviderAdapter {
  readonly protocol: 'openai' | 'anthropic' | 'mock';
  /** One upstream attempt. Resolves at response headers of a 2xx; rejects with `UpstreamError` before that. */
  send(call: UpstreamCall, signal: CallSignal): Promise<UpstreamReply>;
  /** The upstream's own count of a Messages body's input tokens, where the protocol has one (Anthropic's count_tokens). */
  countTokens?(contender: Contender, body: Record<string, unknown>, signal: CallSignal): Promise<number>;
  /** Releases pooled connections. */
  close(): Promise<void>;
}
