/**
 * What the gateway sees of telemetry: types only, so that importing them loads nothing. The implementation
 * (telemetry.ts, with the OpenTelemetry SDK) is imported dynamically, and only when telemetry is on.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Contender } from '../config/types.js';
import type { ProviderAdapter, Usage } from '../providers/spec.js';

/** A request as it starts, once its target is known. */
export interface TracedRequest {
  /** The `model` the client asked for: a race or a contender (`gen_ai.request.model`). */
  model: string;
  race: string | null;
  stream: boolean;
  /** The race captures prompt and answer text: only then may they be exported. */
  capture: boolean;
  /** The client's messages (read only when `capture`). */
  messages?: unknown;
  /** `gen_ai.operation.name`: `embeddings` for the embeddings door, else `chat`. */
  operation?: 'chat' | 'embeddings';
}

/** How a call ended: the fields of the request-log facts the spans read (the gateway passes its facts as is). */
export interface FinishedCall {
  id: string;
  contender: Contender | null;
  status: number;
  outcome: string;
  errorCode: string | null;
  attempts: number;
  usage: Usage;
  finishReason: string | null;
  promptText: string | null;
  responseText: string | null;
}

/** The response whose end closes a span that was never finished (a request refused before it had facts). */
export interface ClosingResponse {
  readonly statusCode: number;
  once(event: 'close', listener: () => void): unknown;
}

export interface GatewayTelemetry {
  /**
   * Opens the server span of request `id` (a child of an incoming W3C `traceparent`), started at `startedAt`
   * (`performance.now()`). Upstream attempts under this id become its client spans.
   */
  startRequest(id: string, headers: IncomingHttpHeaders, request: TracedRequest, startedAt: number, response: ClosingResponse): void;
  /** Opens the span of a shadow call `id`: a trace of its own, linked to the served request's span. */
  startShadow(id: string, servedId: string, race: string | null, contender: string): void;
  /** Ends the span of `facts.id` with how the call ended. */
  finish(facts: FinishedCall): void;
  /** Ends the span of `id` if it is still open (a shadow call its budget skipped). */
  abandon(id: string): void;
  /** The adapter with a client span per upstream attempt, its trace context sent upstream. */
  traceAdapter(adapter: ProviderAdapter): ProviderAdapter;
  /** Exports what is buffered and stops; bounded, so a dead collector cannot hold a shutdown. */
  shutdown(): Promise<void>;
}
