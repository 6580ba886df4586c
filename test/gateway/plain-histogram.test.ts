/**
 * The gateway's per-request histograms are kept in plain numbers (`PlainHistogram`) rather than prom-client's
 * `Histogram`: a scrape must read exactly what prom-client's would print for the same observations, in both of the
 * registry's formats and as JSON.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Histogram, Registry } from 'prom-client';
import { PlainHistogram } from '../../src/gateway/plain-histogram.js';

const BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
/** The last is the first again (another object): one series, as in prom-client. */
const LABEL_SETS: Array<Record<'race' | 'contender' | 'protocol', string>> = [
  { race: 'r', contender: 'm', protocol: 'chat' },
  { race: 'r', contender: 'quote " and \\ and\nnewline', protocol: 'messages' },
  { race: '', contender: '模型', protocol: 'responses' },
  { race: 'r', contender: 'm', protocol: 'chat' },
];
const VALUE = fc.oneof(fc.constantFrom(...BOUNDS, 0, -1, 121, 1e9), fc.double({ min: -10, max: 200, noNaN: true, noDefaultInfinity: true }));

test('a scrape of PlainHistogram reads byte for byte what prom-client prints for the same observations (text, OpenMetrics, JSON)', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(fc.nat(LABEL_SETS.length - 1), VALUE), { maxLength: 60 }), async (observations) => {
      for (const contentType of [Registry.PROMETHEUS_CONTENT_TYPE, Registry.OPENMETRICS_CONTENT_TYPE]) {
        const theirs = new Registry<typeof contentType>();
        const ours = new Registry<typeof contentType>();
        theirs.setContentType(contentType);
        ours.setContentType(contentType);
        const reference = new Histogram<'race' | 'contender' | 'protocol'>({ name: 'h_seconds', help: 'A histogram', labelNames: ['race', 'contender', 'protocol'], buckets: BOUNDS, registers: [theirs as unknown as Registry] });
        const plain = new PlainHistogram<'race' | 'contender' | 'protocol'>('h_seconds', 'A histogram', BOUNDS, ours as unknown as Registry);
        const children = LABEL_SETS.map((l) => reference.labels(l));
        const series = LABEL_SETS.map((l) => plain.series(l));
        for (const [i, v] of observations) {
          children[i]!.observe(v);
          series[i]!.observe(v);
        }
        assert.equal(await ours.metrics(), await theirs.metrics());
        assert.equal(JSON.stringify(await ours.getMetricsAsJSON()), JSON.stringify(await theirs.getMetricsAsJSON()));
        ours.resetMetrics();
        theirs.resetMetrics();
        assert.equal(await ours.metrics(), await theirs.metrics());
      }
    }),
    { numRuns: 200 },
  );
});

test('a value that is not a finite number is not counted and does not poison the sum', async () => {
  const registry = new Registry();
  const plain = new PlainHistogram<'k'>('h_seconds', 'A histogram', BOUNDS, registry);
  const s = plain.series({ k: 'v' });
  s.observe(0.2);
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) s.observe(bad);
  const text = await registry.metrics();
  assert.match(text, /^h_seconds_sum\{k="v"\} 0\.2$/m);
  assert.match(text, /^h_seconds_count\{k="v"\} 1$/m);
});
