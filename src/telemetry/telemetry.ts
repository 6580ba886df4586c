/**
 * OpenTelemetry for the gateway, loaded only when telemetry is on (settings.ts): a server span per request, a
 * client span per upstream attempt (its W3C trace context sent upstream), a linked span per shadow call, and the
 * GenAI client metrics, exported over OTLP/HTTP (JSON) in batches. Exporting happens off the request path: spans
 * queue in a bounded buffer (dropped past it) and leave on a timer, so a collector that is down or slow costs a
 * request nothing.
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
  type Context,
  type Histogram,
  type Link,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  SamplingDecision,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type Sampler,
  type SamplingResult,
} from '@opentelemetry/sdk-trace';
import type { Contender } from '../config/types.js';
import { sanitize } from '../errors.js';
import type { CallOutcome, ProviderAdapter, UpstreamCall, UpstreamReply } from '../providers/spec.js';
import { BUCKETS, GEN_AI, METRIC, SAIMA, inputMessages, outputMessages, upstreamOf, type Upstream } from './gen-ai.js';
import type { TelemetrySettings } from './settings.js';
import type { ClosingResponse, FinishedCall, GatewayTelemetry, TracedRequest } from './types.js';

/** How long a shutdown waits for the last exports: a collector that hangs must not hold the gateway's stop. */
const SHUTDOWN_MS = 3_000;
/** Each export gives up after this; the batch is dropped, the next one tries again. */
const EXPORT_TIMEOUT_MS = 5_000;
const OPERATION = 'chat';
/** Distinct metric attribute sets kept for reuse (contenders × races × error types × reported models). */
const ATTRIBUTE_SETS = 1000;

/** The attribute sets of one attempt's metric points, built once per distinct combination and reused. */
interface PointAttributes {
  base: Attributes;
  input: Attributes;
  output: Attributes;
}

interface OpenSpan {
  span: Span;
  /** The context attempts start their client spans in. */
  context: Context;
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
  readonly #tracerProvider: TracerProvider;
  readonly #meterProvider: MeterProvider | null;
  readonly #tracer: Tracer;
  readonly #propagator = new W3CTraceContextPropagator();
  readonly #open = new Map<string, OpenSpan>();
  readonly #upstreams = new WeakMap<Contender, Upstream>();
  readonly #traced = new WeakMap<ProviderAdapter, ProviderAdapter>();
  readonly #duration: Histogram;
  readonly #tokens: Histogram;
  readonly #firstChunk: Histogram;
  readonly #pointAttributes = new Map<string, PointAttributes>();

  constructor(settings: TelemetrySettings) {
    const resource = defaultResource().merge(resourceFromAttributes({ 'service.name': settings.serviceName }));
    this.#tracerProvider = new TracerProvider({
      resource,
      sampler: new LinkedSampler(new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.sampleRate) })),
      spanProcessors: [
        new BatchSpanProcessor({
          exporter: new OTLPTraceExporter({ url: settings.tracesUrl, headers: settings.headers, timeoutMillis: EXPORT_TIMEOUT_MS }),
          exportTimeoutMillis: EXPORT_TIMEOUT_MS,
        }),
      ],
    });
    this.#tracer = this.#tracerProvider.getTracer('saima');
    this.#meterProvider = settings.metricsUrl
      ? new MeterProvider({
          resource,
          readers: [
            new PeriodicExportingMetricReader({
              exporter: new OTLPMetricExporter({ url: settings.metricsUrl, headers: settings.headers, timeoutMillis: EXPORT_TIMEOUT_MS }),
              exportTimeoutMillis: EXPORT_TIMEOUT_MS,
            }),
          ],
        })
      : null;
    const meter = (this.#meterProvider ?? new MeterProvider()).getMeter('saima');
    this.#duration = meter.createHistogram(METRIC.operationDuration, { unit: 's', description: 'GenAI operation duration.', advice: { explicitBucketBoundaries: BUCKETS.duration } });
    this.#tokens = meter.createHistogram(METRIC.tokenUsage, { unit: '{token}', description: 'Number of input and output tokens used.', advice: { explicitBucketBoundaries: BUCKETS.tokens } });
    this.#firstChunk = meter.createHistogram(METRIC.timeToFirstChunk, { unit: 's', description: 'Time to receive the first chunk of a streamed answer.', advice: { explicitBucketBoundaries: BUCKETS.firstChunk } });
  }

  startRequest(id: string, headers: IncomingHttpHeaders, request: TracedRequest, startedAt: number, response: ClosingResponse): void {
    const parent = this.#propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    const attributes: Attributes = {
      [GEN_AI.operationName]: request.operation ?? OPERATION,
      [GEN_AI.requestModel]: request.model,
      [GEN_AI.requestStream]: request.stream,
      [SAIMA.requestId]: id,
    };
    if (request.race !== null) attributes[SAIMA.race] = request.race;
    const span = this.#tracer.startSpan(`${request.operation ?? OPERATION} ${request.model}`, { kind: SpanKind.SERVER, startTime: startedAt }, parent);
    // Set after the start rather than given to it: the SDK checks start attributes twice (for the sampler, then for
    // the span), set ones once, and the samplers here do not read them.
    if (span.isRecording()) span.setAttributes(attributes);
    this.#open.set(id, { span, context: trace.setSpan(parent, span), race: request.race, capture: request.capture, messages: request.capture ? request.messages : undefined, responseModel: null });
    // A request refused before it had facts (its budget, the store) still ends its span, with the status it got.
    response.once('close', () => this.#closeUnfinished(id, response.statusCode));
  }

  startShadow(id: string, servedId: string, race: string | null, contender: string): void {
    const served = this.#open.get(servedId);
    const links: Link[] = served ? [{ context: served.span.spanContext() }] : [];
    const attributes: Attributes = {
      [GEN_AI.operationName]: OPERATION,
      [GEN_AI.requestModel]: contender,
      [SAIMA.requestId]: id,
      [SAIMA.contender]: contender,
      [SAIMA.shadow]: true,
      [SAIMA.servedRequestId]: servedId,
    };
    if (race !== null) attributes[SAIMA.race] = race;
    // A trace of its own (it outlives the served request), kept whenever the served one is (LinkedSampler).
    const span = this.#tracer.startSpan(`${OPERATION} ${contender}`, { kind: SpanKind.INTERNAL, attributes, links, root: true });
    this.#open.set(id, { span, context: trace.setSpan(ROOT_CONTEXT, span), race, capture: false, messages: undefined, responseModel: null });
  }

  finish(facts: FinishedCall): void {
    const open = this.#open.get(facts.id);
    if (!open) return;
    this.#open.delete(facts.id);
    const { span } = open;
    if (!span.isRecording()) return span.end();
    const c = facts.contender;
    const attributes: Attributes = {
      [SAIMA.outcome]: facts.outcome,
      [SAIMA.attempts]: facts.attempts,
      'http.response.status_code': facts.status,
    };
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
      span.setStatus({ code: SpanStatusCode.ERROR, message: facts.errorCode ?? facts.outcome });
    }
    span.setAttributes(attributes);
    span.end();
  }

  abandon(id: string): void {
    const open = this.#open.get(id);
    if (!open) return;
    this.#open.delete(id);
    open.span.setAttribute(SAIMA.outcome, 'skipped');
    open.span.end();
  }

  #closeUnfinished(id: string, status: number): void {
    const open = this.#open.get(id);
    if (!open) return;
    this.#open.delete(id);
    open.span.setAttributes({ 'http.response.status_code': status, [SAIMA.outcome]: status < 400 ? 'ok' : 'refused' });
    if (status >= 400) {
      open.span.setAttribute('error.type', String(status));
      open.span.setStatus({ code: SpanStatusCode.ERROR });
    }
    open.span.end();
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
      [GEN_AI.operationName]: call.operation ?? OPERATION,
      [GEN_AI.providerName]: up.provider,
      [GEN_AI.requestModel]: c.model,
      [GEN_AI.requestStream]: call.stream,
      [SAIMA.contender]: c.name,
      [SAIMA.requestId]: call.requestId,
    };
    if (up.address !== null) {
      attributes['server.address'] = up.address;
      attributes['server.port'] = up.port!;
    }
    if (owner.race !== null) attributes[SAIMA.race] = owner.race;
    const span = this.#tracer.startSpan(`${call.operation ?? OPERATION} ${c.model}`, { kind: SpanKind.CLIENT }, owner.context);
    if (span.isRecording()) span.setAttributes(attributes);
    // The upstream sees this attempt's span as its parent (sampled flag included), whether or not it is recorded.
    const traceHeaders = traceContextHeaders(span.spanContext());
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

  #endAttempt(span: Span, owner: OpenSpan, attributes: Attributes, stream: boolean, startedAt: number, o: CallOutcome | null, err: unknown): void {
    const seconds = (performance.now() - startedAt) / 1000;
    const end: Attributes = {};
    let errorType: string | null = null;
    if (o === null) {
      const e = err as { code?: unknown; upstreamStatus?: unknown; message?: unknown; name?: unknown };
      errorType = typeof e?.upstreamStatus === 'number' ? String(e.upstreamStatus) : typeof e?.code === 'string' ? e.code : typeof e?.name === 'string' ? e.name : 'error';
      end[SAIMA.outcome] = 'error';
      span.setStatus({ code: SpanStatusCode.ERROR, message: typeof e?.message === 'string' ? sanitize(e.message).slice(0, 300) : errorType });
    } else {
      if (o.model) {
        end[GEN_AI.responseModel] = o.model;
        if (o.ok) owner.responseModel = o.model;
      }
      if (o.usage) {
        end[GEN_AI.inputTokens] = o.usage.promptTokens;
        end[GEN_AI.outputTokens] = o.usage.completionTokens;
      }
      if (o.finishReason !== null) end[GEN_AI.responseFinishReasons] = [o.finishReason];
      if (stream && o.ttftMs !== null) end[GEN_AI.responseTimeToFirstChunk] = o.ttftMs / 1000;
      if (!o.ok && o.error) {
        errorType = o.error.upstreamStatus !== null ? String(o.error.upstreamStatus) : o.error.code;
        end[SAIMA.outcome] = o.error.phase === 'mid_stream' ? 'cut' : 'error';
        span.setStatus({ code: SpanStatusCode.ERROR, message: sanitize(o.error.message).slice(0, 300) });
      } else end[SAIMA.outcome] = 'ok';
    }
    if (errorType !== null) end['error.type'] = errorType;
    const m = this.#points(attributes, owner.race, errorType, o?.model ?? null);
    this.#duration.record(seconds, m.base);
    if (o?.usage) {
      this.#tokens.record(o.usage.promptTokens, m.input);
      this.#tokens.record(o.usage.completionTokens, m.output);
    }
    if (stream && o?.ttftMs != null) this.#firstChunk.record(o.ttftMs / 1000, m.base);
    if (span.isRecording()) span.setAttributes(end);
    span.end();
  }

  /**
   * Metric attributes: the low-cardinality ones (the request id and the stream flag stay on the span), as objects
   * reused across attempts with the same values rather than built three times per attempt.
   */
  #points(span: Attributes, race: string | null, errorType: string | null, responseModel: string | null): PointAttributes {
    const key = `${String(span[GEN_AI.operationName])}\u0000${String(span[SAIMA.contender])}\u0000${race ?? ''}\u0000${errorType ?? ''}\u0000${responseModel ?? ''}`;
    let points = this.#pointAttributes.get(key);
    if (!points) {
      const base: Attributes = {
        [GEN_AI.operationName]: span[GEN_AI.operationName] ?? OPERATION,
        [GEN_AI.providerName]: span[GEN_AI.providerName],
        [GEN_AI.requestModel]: span[GEN_AI.requestModel],
        [SAIMA.contender]: span[SAIMA.contender],
      };
      if (span['server.address'] !== undefined) {
        base['server.address'] = span['server.address'];
        base['server.port'] = span['server.port'];
      }
      if (race !== null) base[SAIMA.race] = race;
      if (responseModel !== null) base[GEN_AI.responseModel] = responseModel;
      if (errorType !== null) base['error.type'] = errorType;
      points = { base: sortedKeys(base), input: sortedKeys({ ...base, [GEN_AI.tokenType]: 'input' }), output: sortedKeys({ ...base, [GEN_AI.tokenType]: 'output' }) };
      // Bounded: a model id an upstream invents per call must not grow this without end.
      if (this.#pointAttributes.size >= ATTRIBUTE_SETS) this.#pointAttributes.clear();
      this.#pointAttributes.set(key, points);
    }
    return points;
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
    const done = Promise.allSettled([this.#tracerProvider.shutdown(), this.#meterProvider?.shutdown()]);
    await Promise.race([done, deadline]);
    clearTimeout(timer);
  }
}

/**
 * The same attributes with their keys in sorted order. The metrics SDK identifies a point's attribute set by sorting
 * its keys on every `record`; keys already in order make that sort a single pass instead of a full one.
 */
function sortedKeys(attributes: Attributes): Attributes {
  return Object.fromEntries(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The W3C `traceparent` (and `tracestate`) naming `sc` as the parent, as the W3C propagator's `inject` writes them,
 * without the context object it needs; an invalid span context sends nothing, as there.
 */
function traceContextHeaders(sc: SpanContext): Record<string, string> {
  if (!trace.isSpanContextValid(sc)) return {};
  const headers: Record<string, string> = { traceparent: `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}` };
  const state = sc.traceState?.serialize();
  if (state) headers.tracestate = state;
  return headers;
}

/**
 * Samples a span whose link is sampled (a shadow call follows the request it shadows), else asks the given sampler.
 */
class LinkedSampler implements Sampler {
  constructor(readonly inner: Sampler) {}

  shouldSample(context: Context, traceId: string, name: string, kind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult {
    if (links.some((l) => (l.context.traceFlags & TraceFlags.SAMPLED) !== 0)) return { decision: SamplingDecision.RECORD_AND_SAMPLED };
    return this.inner.shouldSample(context, traceId, name, kind, attributes, links);
  }

  toString(): string {
    return `LinkedSampler{${this.inner.toString()}}`;
  }
}
