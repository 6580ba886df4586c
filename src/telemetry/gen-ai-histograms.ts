/**
 * The GenAI client histograms, aggregated by the gateway and handed to the SDK's metric reader as a
 * `MetricProducer`, which exports them with its own (OTLP/HTTP, on its interval). The SDK's instruments identify a
 * point's attribute set on every `record` (sorting and serialising the attributes, then a hash-map lookup); measured
 * on the hot path, three records per attempt cost a tenth of a request. Here an attempt's attribute sets are found
 * once, by a key the gateway already builds, and each record is a bucket search and three additions. The
 * aggregation is the SDK's explicit-bucket histogram (inclusive upper bounds, sum, count, min, max), cumulative, as
 * the OTLP exporters' default temporality asks.
 */
import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import { hrTime, type InstrumentationScope } from '@opentelemetry/core';
import { AggregationTemporality, DataPointType, type CollectionResult, type MetricData, type MetricProducer } from '@opentelemetry/sdk-metrics';
import type { Resource } from '@opentelemetry/resources';
import { BUCKETS, METRIC } from './gen-ai.js';

/**
 * Distinct attribute sets kept (contenders × races × error types × reported models), the SDK's default cardinality
 * limit. Past it, new sets are counted in one overflow point, as the SDK does.
 */
const CARDINALITY_LIMIT = 2000;
const OVERFLOW: Attributes = { 'otel.metric.overflow': true };

/** One histogram point: cumulative since `startTime`. */
class Accumulation {
  readonly counts: number[];
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;

  constructor(
    readonly boundaries: readonly number[],
    readonly attributes: Attributes,
    readonly startTime: HrTime,
  ) {
    this.counts = new Array<number>(boundaries.length + 1).fill(0);
  }

  record(value: number): void {
    // As the SDK's histogram instrument: a negative value (a clock set back) is dropped, and so is NaN.
    if (!(value >= 0)) return;
    this.count++;
    this.sum += value;
    this.min = Math.min(value, this.min);
    this.max = Math.max(value, this.max);
    // The first bound at or above the value (bounds are inclusive upper bounds); past the last, the overflow bucket.
    const b = this.boundaries;
    let lo = 0;
    let hi = b.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (b[mid]! < value) lo = mid + 1;
      else hi = mid;
    }
    this.counts[lo]!++;
  }
}

/** The points of one attempt's attribute sets: its duration and first chunk, and its input and output tokens. */
export interface AttemptPoints {
  duration: Accumulation;
  firstChunk: Accumulation;
  inputTokens: Accumulation;
  outputTokens: Accumulation;
}

interface Instrument {
  name: string;
  description: string;
  unit: string;
  points: (p: AttemptPoints) => Accumulation;
}

const INSTRUMENTS: readonly Instrument[] = [
  { name: METRIC.operationDuration, description: 'GenAI operation duration.', unit: 's', points: (p) => p.duration },
  { name: METRIC.tokenUsage, description: 'Number of input and output tokens used.', unit: '{token}', points: (p) => p.inputTokens },
  { name: METRIC.tokenUsage, description: 'Number of input and output tokens used.', unit: '{token}', points: (p) => p.outputTokens },
  { name: METRIC.timeToFirstChunk, description: 'Time to receive the first chunk of a streamed answer.', unit: 's', points: (p) => p.firstChunk },
];

export class GenAiHistograms implements MetricProducer {
  readonly #points = new Map<string, AttemptPoints>();
  #overflow: AttemptPoints | null = null;

  constructor(
    readonly resource: Resource,
    readonly scope: InstrumentationScope,
  ) {}

  /**
   * The points of the attribute sets `key` names; `attributes` builds them the first time (base for duration and
   * first chunk; input and output carry `gen_ai.token.type`).
   */
  points(key: string, attributes: () => { base: Attributes; input: Attributes; output: Attributes }): AttemptPoints {
    let p = this.#points.get(key);
    if (p) return p;
    if (this.#points.size >= CARDINALITY_LIMIT) return (this.#overflow ??= pointsOf({ base: OVERFLOW, input: OVERFLOW, output: OVERFLOW }));
    p = pointsOf(attributes());
    this.#points.set(key, p);
    return p;
  }

  async collect(): Promise<CollectionResult> {
    const endTime = hrTime();
    const all = this.#overflow ? [...this.#points.values(), this.#overflow] : [...this.#points.values()];
    const metrics: MetricData[] = [];
    for (const name of [METRIC.operationDuration, METRIC.tokenUsage, METRIC.timeToFirstChunk]) {
      const instruments = INSTRUMENTS.filter((i) => i.name === name);
      const dataPoints = instruments.flatMap((i) =>
        all
          .map(i.points)
          .filter((a) => a.count > 0)
          .map((a) => ({
            attributes: a.attributes,
            startTime: a.startTime,
            endTime,
            value: { buckets: { boundaries: [...a.boundaries], counts: [...a.counts] }, sum: a.sum, count: a.count, min: a.min, max: a.max },
          })),
      );
      if (dataPoints.length === 0) continue;
      const { description, unit } = instruments[0]!;
      metrics.push({ descriptor: { name, description, unit, valueType: ValueType.DOUBLE }, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.HISTOGRAM, dataPoints });
    }
    return { resourceMetrics: { resource: this.resource, scopeMetrics: metrics.length > 0 ? [{ scope: this.scope, metrics }] : [] }, errors: [] };
  }
}

function pointsOf(sets: { base: Attributes; input: Attributes; output: Attributes }): AttemptPoints {
  const start = hrTime();
  return {
    duration: new Accumulation(BUCKETS.duration, sets.base, start),
    firstChunk: new Accumulation(BUCKETS.firstChunk, sets.base, start),
    inputTokens: new Accumulation(BUCKETS.tokens, sets.input, start),
    outputTokens: new Accumulation(BUCKETS.tokens, sets.output, start),
  };
}
