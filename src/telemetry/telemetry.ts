/**
 * OpenTelemetry for the gateway, loaded only when telemetry is on (settings.ts): a server span per request, a
 * client span per upstream attempt (its W3C trace context sent upstream), a linked span per shadow call, and the
 * GenAI client metrics, exported over OTLP/HTTP in batches by the SDK's transport. Exporting happens off the request
 * path: spans queue in a bounded batch buffer (dropped past it) and leave on a timer or when a batch is full, so a
 * collector that is down or slow costs a request nothing. The spans are the gateway's own records (span-record.ts),
 * encoded when they end (span-batches.ts), and the histograms are its own aggregation (gen-ai-histograms.ts). Spans are
 * sampled by the SDK samplers' rules: an incoming trace's decision is followed, a new trace is kept at the configured
 * ratio, and a shadow call is kept whenever the request it shadows is.
 */
import type { IncomingHttpHeaders } from 'node:http';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  defaultTextMapGetter,
  trace,
  type Attributes,
  type Link,
  type SpanContext,
  type TraceState,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate } from '@opentelemetry/otlp-exporter-base/node-http';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { SamplingDecision, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace';
import type { Contender } from '../config/types.js';
import { sanitize } from '../errors.js';
import type { CallOutcome, ProviderAdapter, UpstreamCall, UpstreamReply } from '../providers/spec.js';
import { GenAiHistograms, type AttemptPoints } from './gen-ai-histograms.js';
import { GEN_AI, SAIMA, inputMessages, outputMessages, upstreamOf, type Upstream } from './gen-ai.js';
import type { TelemetrySettings } from './settings.js';
import { newSpanId, newTraceId } from './span-ids.js';
import { SpanBatches, type EncodedSpans } from './span-batches.js';
import { SpanRecord, type SpanSource } from './span-record.js';
import type { ClosingResponse, FinishedCall, GatewayTelemetry, TracedRequest } from './types.js';

/** How long a shutdown waits for the last exports: a collector that hangs must not hold the gateway's stop. */
const SHUTDOWN_MS = 3_000;
/** Each export gives up after this; the batch is dropped, the next one tries again. */
const EXPORT_TIMEOUT_MS = 5_000;
const OPERATION = 'chat';
/** The longest model id a metric point keeps (an upstream reports its own, of any length). */
const MODEL_ID_CHARS = 256;
/** A request's (or shadow call's) span while it is open; `record` is null when its trace is not sampled. */
interface OpenSpan {
  record: SpanRecord | null;
  traceId: string;
  spanId: string;
  traceState: TraceState | undefined;
  race: string | null;
  capture: boolean;
  messages: unknown;
  /** The model the upstream says answered (the served attempt's). */
  responseModel: string | null;
}

export function startTelemetry(settings: TelemetrySettings): GatewayTelemetry {
  return new OtelTelemetry(settings);
}

class OtelTelemetry implements GatewayTelemetry {
  readonly #spans: SpanBatches;
  readonly #spanExport: { shutdown(): Promise<void> };
  readonly #source: SpanSource;
  readonly #meterProvider: MeterProvider | null;
  readonly #propagator = new W3CTraceContextPropagator();
  /** The SDK's ratio sampler for new traces; null when every trace is kept (or none: `#keepAll` false, rate 0). */
  readonly #ratio: TraceIdRatioBasedSampler | null;
  readonly #keepAll: boolean;
  readonly #open = new Map<string, OpenSpan>();
  readonly #upstreams = new WeakMap<Contender, Upstream>();
  readonly #traced = new WeakMap<ProviderAdapter, ProviderAdapter>();
  /** The GenAI histograms; null when no metrics endpoint is set. */
  readonly #histograms: GenAiHistograms | null;

  constructor(settings: TelemetrySettings) {
    const resource = defaultResource().merge(resourceFromAttributes({ 'service.name': settings.serviceName }));
    this.#source = { resource, instrumentationScope: { name: 'saima' } };
    // The SDK's OTLP/HTTP export delegate (transport, timeout, retries), given batches already encoded as JSON.
    const delegate = createOtlpHttpExportDelegate(
      convertLegacyHttpOptions({ url: settings.tracesUrl, headers: settings.headers, timeoutMillis: EXPORT_TIMEOUT_MS }, 'TRACES', 'v1/traces', { 'Content-Type': 'application/json' }),
      { serializeRequest: (batch: EncodedSpans) => batch.bytes, deserializeResponse: (data: Uint8Array) => JsonTraceSerializer.deserializeResponse(data) },
      'otlp_http_span_exporter',
      { name: 'span', countItems: (batch: EncodedSpans) => batch.count },
      undefined,
    );
    this.#spanExport = delegate;
    this.#spans = new SpanBatches(this.#source, (batch, done) => delegate.export(batch, done));
    this.#keepAll = settings.sampleRate >= 1;
    this.#ratio = settings.sampleRate > 0 && settings.sampleRate < 1 ? new TraceIdRatioBasedSampler(settings.sampleRate) : null;
    this.#histograms = settings.metricsUrl ? new GenAiHistograms(resource, this.#source.instrumentationScope) : null;
    this.#meterProvider = this.#histograms
      ? new MeterProvider({
          resource,
          readers: [
            new PeriodicExportingMetricReader({
              exporter: new OTLPMetricExporter({ url: settings.metricsUrl!, headers: settings.headers, timeoutMillis: EXPORT_TIMEOUT_MS }),
              exportTimeoutMillis: EXPORT_TIMEOUT_MS,
              metricProducers: [this.#histograms],
            }),
          ],
        })
      : null;
  }

  /** A new trace is kept as the SDK's `TraceIdRatioBasedSampler` decides (by its id), or always at rate 1. */
  #keepNewTrace(traceId: string): boolean {
    if (this.#keepAll) return true;
    return this.#ratio !== null && this.#ratio.shouldSample(ROOT_CONTEXT, traceId).decision === SamplingDecision.RECORD_AND_SAMPLED;
  }

  // The attribute objects below are literals with literal keys (the names of gen-ai.ts), which V8 builds from one
  // template; computed keys would build each property one by one.
  startRequest(id: string, headers: IncomingHttpHeaders, request: TracedRequest, startedAt: number, response: ClosingResponse): void {
    // A parent-based decision, as the SDK's `ParentBasedSampler` makes it: an incoming trace's sampled flag is
    // followed, a new trace is sampled by its id.
    const parent = headers.traceparent !== undefined ? this.#remoteParent(headers) : undefined;
    const traceId = parent?.traceId ?? newTraceId();
    const sampled = parent ? (parent.traceFlags & TraceFlags.SAMPLED) !== 0 : this.#keepNewTrace(traceId);
    const spanId = newSpanId();
    let record: SpanRecord | null = null;
    if (sampled) {
      const attributes: Attributes = {
        'gen_ai.operation.name': request.operation ?? OPERATION,
        'gen_ai.request.model': request.model,
        'gen_ai.request.stream': request.stream,
        'saima.request_id': id,
      };
      if (request.race !== null) attributes[SAIMA.race] = request.race;
      record = new SpanRecord(this.#source, `${request.operation ?? OPERATION} ${request.model}`, SpanKind.SERVER, traceId, spanId, parent?.traceState, parent, startedAt, attributes);
    }
    this.#open.set(id, { record, traceId, spanId, traceState: parent?.traceState, race: request.race, capture: request.capture, messages: request.capture ? request.messages : undefined, responseModel: null });
    // A request refused before it had facts (its budget, the store) still ends its span, with the status it got.
    response.once('close', () => this.#closeUnfinished(id, response.statusCode));
  }

  /** The W3C `traceparent`/`tracestate` of an incoming request, or undefined when it carries none that is valid. */
  #remoteParent(headers: IncomingHttpHeaders): SpanContext | undefined {
    const sc = trace.getSpanContext(this.#propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter));
    return sc && trace.isSpanContextValid(sc) ? sc : undefined;
  }

  startShadow(id: string, servedId: string, race: string | null, contender: string): void {
    const served = this.#open.get(servedId);
    // A trace of its own (it outlives the served request), kept whenever the served one is.
    const traceId = newTraceId();
    const sampled = served ? served.record !== null || this.#keepNewTrace(traceId) : this.#keepNewTrace(traceId);
    const spanId = newSpanId();
    let record: SpanRecord | null = null;
    if (sampled) {
      const links: Link[] = served
        ? [{ context: { traceId: served.traceId, spanId: served.spanId, traceFlags: served.record !== null ? TraceFlags.SAMPLED : TraceFlags.NONE, traceState: served.traceState } }]
        : [];
      const attributes: Attributes = {
        'gen_ai.operation.name': OPERATION,
        'gen_ai.request.model': contender,
        'saima.request_id': id,
        'saima.contender': contender,
        'saima.shadow': true,
        'saima.served_request_id': servedId,
      };
      if (race !== null) attributes[SAIMA.race] = race;
      record = new SpanRecord(this.#source, `${OPERATION} ${contender}`, SpanKind.INTERNAL, traceId, spanId, undefined, undefined, performance.now(), attributes, links);
    }
    this.#open.set(id, { record, traceId, spanId, traceState: undefined, race, capture: false, messages: undefined, responseModel: null });
  }

  finish(facts: FinishedCall): void {
    const open = this.#open.get(facts.id);
    if (!open) return;
    this.#open.delete(facts.id);
    const span = open.record;
    if (span === null) return;
    const attributes = span.attributes;
    const c = facts.contender;
    attributes[SAIMA.outcome] = facts.outcome;
    attributes[SAIMA.attempts] = facts.attempts;
    attributes['http.response.status_code'] = facts.status;
    if (c) {
      attributes[SAIMA.contender] = c.name;
      attributes[GEN_AI.providerName] = this.#upstream(c).provider;
      attributes[GEN_AI.responseModel] = open.responseModel ?? c.model;
    }
    if (facts.outcome === 'ok' || facts.usage.promptTokens > 0 || facts.usage.completionTokens > 0) {
      attributes[GEN_AI.inputTokens] = facts.usage.promptTokens;
      attributes[GEN_AI.outputTokens] = facts.usage.completionTokens;
      if (facts.usage.cachedTokens > 0) attributes[GEN_AI.cacheReadInputTokens] = facts.usage.cachedTokens;
      if (facts.usage.reasoningTokens > 0) attributes[GEN_AI.reasoningOutputTokens] = facts.usage.reasoningTokens;
      if (facts.usage.estimated) attributes[SAIMA.usageEstimated] = true;
    }
    if (facts.finishReason !== null) attributes[GEN_AI.responseFinishReasons] = [facts.finishReason];
    // Text only where the race captures it, as the request log keeps it: the conventions' opt-in attributes.
    if (open.capture && facts.promptText !== null) {
      const input = inputMessages(open.messages);
      if (input !== null) attributes[GEN_AI.inputMessages] = input;
      if (facts.responseText !== null) attributes[GEN_AI.outputMessages] = outputMessages(facts.responseText, facts.finishReason);
    }
    if (facts.outcome !== 'ok') {
      attributes['error.type'] = facts.errorCode ?? String(facts.status);
      span.status = { code: SpanStatusCode.ERROR, message: facts.errorCode ?? facts.outcome };
    }
    this.#end(span);
  }

  abandon(id: string): void {
    const open = this.#open.get(id);
    if (!open) return;
    this.#open.delete(id);
    if (open.record === null) return;
    open.record.attributes[SAIMA.outcome] = 'skipped';
    this.#end(open.record);
  }

  #closeUnfinished(id: string, status: number): void {
    const open = this.#open.get(id);
    if (!open) return;
    this.#open.delete(id);
    const span = open.record;
    if (span === null) return;
    span.attributes['http.response.status_code'] = status;
    span.attributes[SAIMA.outcome] = status < 400 ? 'ok' : 'refused';
    if (status >= 400) {
      span.attributes['error.type'] = String(status);
      span.status = { code: SpanStatusCode.ERROR };
    }
    this.#end(span);
  }

  #end(span: SpanRecord): void {
    span.end();
    this.#spans.add(span);
  }

  traceAdapter(adapter: ProviderAdapter): ProviderAdapter {
    let traced = this.#traced.get(adapter);
    if (!traced) {
      traced = {
        protocol: adapter.protocol,
        send: (call, signal) => this.#attempt(adapter, call, signal),
        close: () => adapter.close(),
      };
      this.#traced.set(adapter, traced);
    }
    return traced;
  }

  async #attempt(adapter: ProviderAdapter, call: UpstreamCall, signal: Parameters<ProviderAdapter['send']>[1]): Promise<UpstreamReply> {
    const owner = this.#open.get(call.requestId);
    if (!owner) return adapter.send(call, signal);
    const c = call.contender;
    const up = this.#upstream(c);
    const attributes: Attributes = {
      'gen_ai.operation.name': call.operation ?? OPERATION,
      'gen_ai.provider.name': up.provider,
      'gen_ai.request.model': c.model,
      'gen_ai.request.stream': call.stream,
      'saima.contender': c.name,
      'saima.request_id': call.requestId,
    };
    if (up.address !== null) {
      attributes['server.address'] = up.address;
      attributes['server.port'] = up.port!;
    }
    if (owner.race !== null) attributes[SAIMA.race] = owner.race;
    const spanId = newSpanId();
    const span =
      owner.record !== null
        ? new SpanRecord(this.#source, `${call.operation ?? OPERATION} ${c.model}`, SpanKind.CLIENT, owner.traceId, spanId, owner.traceState, owner.record.spanContext(), performance.now(), attributes)
        : null;
    // The upstream sees this attempt's span as its parent (sampled flag included), whether or not it is recorded.
    const traceHeaders: Record<string, string> = { traceparent: `00-${owner.traceId}-${spanId}-${span !== null ? '01' : '00'}` };
    const state = owner.traceState?.serialize();
    if (state) traceHeaders.tracestate = state;
    const startedAt = performance.now();
    let reply: UpstreamReply;
    try {
      reply = await adapter.send({ ...call, traceHeaders }, signal);
    } catch (err) {
      this.#endAttempt(span, owner, attributes, call.stream, startedAt, null, err);
      throw err;
    }
    void reply.outcome.then((o) => this.#endAttempt(span, owner, attributes, call.stream, startedAt, o, null));
    return reply;
  }

  #endAttempt(span: SpanRecord | null, owner: OpenSpan, attributes: Attributes, stream: boolean, startedAt: number, o: CallOutcome | null, err: unknown): void {
    const endedAt = performance.now();
    const seconds = (endedAt - startedAt) / 1000;
    // The metric points take the attempt's start attributes before the end's are added to the span.
    let errorType: string | null = null;
    let outcome: string;
    let status: { code: SpanStatusCode; message: string } | null = null;
    if (o === null) {
      const e = err as { code?: unknown; upstreamStatus?: unknown; message?: unknown; name?: unknown };
      errorType = typeof e?.upstreamStatus === 'number' ? String(e.upstreamStatus) : typeof e?.code === 'string' ? e.code : typeof e?.name === 'string' ? e.name : 'error';
      outcome = 'error';
      status = { code: SpanStatusCode.ERROR, message: typeof e?.message === 'string' ? sanitize(e.message).slice(0, 300) : errorType };
    } else if (!o.ok && o.error) {
      errorType = o.error.upstreamStatus !== null ? String(o.error.upstreamStatus) : o.error.code;
      outcome = o.error.phase === 'mid_stream' ? 'cut' : 'error';
      status = { code: SpanStatusCode.ERROR, message: sanitize(o.error.message).slice(0, 300) };
    } else outcome = 'ok';
    if (o?.model && o.ok) owner.responseModel = o.model;
    if (this.#histograms !== null) {
      const m = this.#points(this.#histograms, attributes, owner.race, errorType, o?.model ?? null);
      m.duration.record(seconds);
      if (o?.usage) {
        m.inputTokens.record(o.usage.promptTokens);
        m.outputTokens.record(o.usage.completionTokens);
      }
      if (stream && o?.ttftMs != null) m.firstChunk.record(o.ttftMs / 1000);
    }
    if (span === null) return;
    if (o !== null) {
      if (o.model) attributes[GEN_AI.responseModel] = o.model;
      if (o.usage) {
        attributes[GEN_AI.inputTokens] = o.usage.promptTokens;
        attributes[GEN_AI.outputTokens] = o.usage.completionTokens;
      }
      if (o.finishReason !== null) attributes[GEN_AI.responseFinishReasons] = [o.finishReason];
      if (stream && o.ttftMs !== null) attributes[GEN_AI.responseTimeToFirstChunk] = o.ttftMs / 1000;
    }
    attributes[SAIMA.outcome] = outcome;
    if (errorType !== null) attributes['error.type'] = errorType;
    if (status !== null) span.status = status;
    span.end(endedAt);
    this.#spans.add(span);
  }

  /**
   * An attempt's histogram points. Their attributes are the low-cardinality ones (the request id and the stream flag
   * stay on the span), found by a key of the values that vary between attempts of one contender.
   */
  #points(histograms: GenAiHistograms, span: Attributes, race: string | null, errorType: string | null, reportedModel: string | null): AttemptPoints {
    // The model id an upstream reports is its text, of any length: bounded before it becomes a kept key.
    const responseModel = reportedModel !== null && reportedModel.length > MODEL_ID_CHARS ? reportedModel.slice(0, MODEL_ID_CHARS) : reportedModel;
    const key = `${String(span[GEN_AI.operationName])}\u0000${String(span[SAIMA.contender])}\u0000${String(span[GEN_AI.requestModel])}\u0000${race ?? ''}\u0000${errorType ?? ''}\u0000${responseModel ?? ''}`;
    return histograms.points(key, () => {
      const base: Attributes = {
        'gen_ai.operation.name': span[GEN_AI.operationName] ?? OPERATION,
        'gen_ai.provider.name': span[GEN_AI.providerName],
        'gen_ai.request.model': span[GEN_AI.requestModel],
        'saima.contender': span[SAIMA.contender],
      };
      if (span['server.address'] !== undefined) {
        base['server.address'] = span['server.address'];
        base['server.port'] = span['server.port'];
      }
      if (race !== null) base[SAIMA.race] = race;
      if (responseModel !== null) base[GEN_AI.responseModel] = responseModel;
      if (errorType !== null) base['error.type'] = errorType;
      return { base, input: { ...base, [GEN_AI.tokenType]: 'input' }, output: { ...base, [GEN_AI.tokenType]: 'output' } };
    });
  }

  #upstream(c: Contender): Upstream {
    let up = this.#upstreams.get(c);
    if (!up) {
      up = upstreamOf(c);
      this.#upstreams.set(c, up);
    }
    return up;
  }

  async shutdown(): Promise<void> {
    for (const id of [...this.#open.keys()]) this.abandon(id);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, SHUTDOWN_MS).unref()));
    const done = Promise.allSettled([this.#spans.flush().then(() => this.#spanExport.shutdown()), this.#meterProvider?.shutdown()]);
    await Promise.race([done, deadline]);
    clearTimeout(timer);
  }
}
