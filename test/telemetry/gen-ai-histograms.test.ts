/**
 * The gateway aggregates its GenAI histograms itself (gen-ai-histograms.ts). Fed the same values, its points must
 * equal those of the OpenTelemetry SDK's own explicit-bucket histogram: counts per bucket (bounds inclusive), sum,
 * count, min and max.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Histogram } from '@opentelemetry/api';
import { AggregationTemporality, DataPointType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import fc from 'fast-check';
import { BUCKETS, METRIC } from '../../src/telemetry/gen-ai.js';
import { GenAiHistograms } from '../../src/telemetry/gen-ai-histograms.js';

class CollectingReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const bounds = (b: number[]) => fc.oneof(fc.constantFrom(...b), fc.constantFrom(...b.map((x) => x * 1.0000001)), fc.double({ min: -1, max: b.at(-1)! * 2, noNaN: true }), fc.constant(0));

test("the gateway's histogram points equal the SDK's for the same values, bucket bounds included", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(bounds(BUCKETS.duration), { maxLength: 60 }), fc.array(fc.tuple(bounds(BUCKETS.tokens), bounds(BUCKETS.tokens)), { maxLength: 30 }), async (durations, tokens) => {
      const resource = resourceFromAttributes({ 'service.name': 'saima' });
      const ours = new GenAiHistograms(resource, { name: 'saima' });
      const reader = new CollectingReader();
      const meter = new MeterProvider({ resource, readers: [reader] }).getMeter('saima');
      const sdkDuration: Histogram = meter.createHistogram(METRIC.operationDuration, { advice: { explicitBucketBoundaries: BUCKETS.duration } });
      const sdkTokens: Histogram = meter.createHistogram(METRIC.tokenUsage, { advice: { explicitBucketBoundaries: BUCKETS.tokens } });
      const sets = { base: { c: 'x' }, input: { c: 'x', 'gen_ai.token.type': 'input' }, output: { c: 'x', 'gen_ai.token.type': 'output' } };
      const points = ours.points('x', () => sets);
      for (const d of durations) {
        points.duration.record(d);
        sdkDuration.record(d, sets.base);
      }
      for (const [i, o] of tokens) {
        points.inputTokens.record(i);
        points.outputTokens.record(o);
        sdkTokens.record(i, sets.input);
        sdkTokens.record(o, sets.output);
      }
      const mine = (await ours.collect()).resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
      const sdk = (await reader.collect()).resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
      const view = (metrics: typeof mine) =>
        metrics
          .filter((m) => m.dataPoints.length > 0)
          .map((m) => {
            assert.equal(m.dataPointType, DataPointType.HISTOGRAM);
            assert.equal(m.aggregationTemporality, AggregationTemporality.CUMULATIVE);
            return {
              name: m.descriptor.name,
              points: (m.dataPoints as Array<{ attributes: object; value: { buckets: { boundaries: number[]; counts: number[] }; sum?: number; count: number; min?: number; max?: number } }>)
                .map((p) => ({ attributes: p.attributes, boundaries: p.value.buckets.boundaries, counts: p.value.buckets.counts, sum: p.value.sum, count: p.value.count, min: p.value.min, max: p.value.max }))
                .sort((a, b) => JSON.stringify(a.attributes).localeCompare(JSON.stringify(b.attributes))),
            };
          })
          .sort((a, b) => a.name.localeCompare(b.name));
      assert.deepEqual(view(mine), view(sdk));
    }),
    { numRuns: 150 },
  );
});

test('past the cardinality limit, new attribute sets are counted in one overflow point', async () => {
  const ours = new GenAiHistograms(resourceFromAttributes({}), { name: 'saima' });
  for (let i = 0; i < 2100; i++) ours.points(`k${i}`, () => ({ base: { i }, input: { i }, output: { i } })).duration.record(0.5);
  const metrics = (await ours.collect()).resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
  const duration = metrics.find((m) => m.descriptor.name === METRIC.operationDuration)!;
  assert.equal(duration.dataPoints.length, 2001);
  const overflow = duration.dataPoints.find((p) => p.attributes['otel.metric.overflow'] === true);
  assert.equal((overflow?.value as { count: number }).count, 100);
});
