/**
 * A finished span as the OpenTelemetry SDK's exporters read it (`ReadableSpan`), built by the gateway itself. The
 * SDK's own `Span` is made for any instrumentation: it checks every attribute as it is set, keeps high-resolution
 * times as arrays, copies attribute objects and goes through a context, a tracer and a sampler per span. Measured on
 * the gateway's hot path, that machinery cost more than the rest of tracing together. Here a span is one object whose
 * attributes the gateway writes directly (their values are its own strings, numbers and string arrays), with its
 * times as `performance.now()` readings, turned into wall-clock times only when the exporter reads them.
 */
import { SpanKind, TraceFlags, type Attributes, type HrTime, type Link, type SpanContext, type SpanStatus, SpanStatusCode, type TraceState } from '@opentelemetry/api';
import { millisToHrTime, type InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';

const NO_EVENTS: TimedEvent[] = [];
const NO_LINKS: Link[] = [];
const UNSET: SpanStatus = { code: SpanStatusCode.UNSET };

/** What every span of one gateway shares. */
export interface SpanSource {
  resource: Resource;
  instrumentationScope: InstrumentationScope;
}

export class SpanRecord implements ReadableSpan {
  readonly resource: Resource;
  readonly instrumentationScope: InstrumentationScope;
  readonly events: TimedEvent[] = NO_EVENTS;
  readonly droppedAttributesCount = 0;
  readonly droppedEventsCount = 0;
  readonly droppedLinksCount = 0;
  status: SpanStatus = UNSET;
  /** `performance.now()` at the end; -1 while open. */
  endedAt = -1;
  /**
   * Wall-clock minus monotonic time when the span started, as the SDK's spans take it: both ends are placed on the
   * wall clock by this one offset, so a span's duration is monotonic even if the wall clock is set meanwhile.
   */
  readonly #epochOffset = Date.now() - performance.now();

  constructor(
    source: SpanSource,
    readonly name: string,
    readonly kind: SpanKind,
    readonly traceId: string,
    readonly spanId: string,
    readonly traceState: TraceState | undefined,
    readonly parentSpanContext: SpanContext | undefined,
    /** `performance.now()` at the start. */
    readonly startedAt: number,
    readonly attributes: Attributes,
    readonly links: Link[] = NO_LINKS,
  ) {
    this.resource = source.resource;
    this.instrumentationScope = source.instrumentationScope;
  }

  /** Only sampled spans are recorded, so a record's context is always sampled. */
  spanContext(): SpanContext {
    return { traceId: this.traceId, spanId: this.spanId, traceFlags: TraceFlags.SAMPLED, traceState: this.traceState };
  }

  end(at: number = performance.now()): void {
    if (this.endedAt < 0) this.endedAt = at;
  }

  get ended(): boolean {
    return this.endedAt >= 0;
  }

  get startTime(): HrTime {
    return millisToHrTime(this.startedAt + this.#epochOffset);
  }

  get endTime(): HrTime {
    return millisToHrTime((this.ended ? this.endedAt : this.startedAt) + this.#epochOffset);
  }

  get duration(): HrTime {
    return millisToHrTime(Math.max(0, (this.ended ? this.endedAt : this.startedAt) - this.startedAt));
  }
}
