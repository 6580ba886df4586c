/**
 * The gateway writes OTLP/HTTP JSON itself, straight from its span records, and batches the bytes (span-json.ts,
 * span-batches.ts). Whatever the spans hold, a batch must be exactly what the OpenTelemetry SDK's own
 * `JsonTraceSerializer` writes for the same spans; and batches follow the SDK batch processor's rules.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SpanKind, SpanStatusCode, TraceFlags, type Attributes, type Link, type SpanContext } from '@opentelemetry/api';
import { ExportResultCode, TraceState } from '@opentelemetry/core';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import fc from 'fast-check';
import { SpanBatches, type EncodedSpans } from '../../src/telemetry/span-batches.js';
import { SpanRecord, type SpanSource } from '../../src/telemetry/span-record.js';

const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
// Text that JSON must escape: quotes, backslashes, control characters, lone surrogates, CJK, emoji.
const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ minLength: 190, maxLength: 220 }), fc.constantFrom('', 'chat assistant', '"quoted" \\ back\nslash', '\u0000\u001f\u2028', '\ud800 lone', '赛马 🐎'));
const number = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -0, 2 ** 53, 1e21, 0.1, Number.MAX_SAFE_INTEGER + 2));
const value = fc.oneof(text, number, fc.boolean(), fc.array(text, { maxLength: 3 }), fc.array(number, { maxLength: 3 }), fc.array(fc.boolean(), { maxLength: 2 }));
const attributes = fc.dictionary(fc.oneof(text, fc.constantFrom('gen_ai.operation.name', 'saima.request_id', 'http.response.status_code')), value, { maxKeys: 16 }) as fc.Arbitrary<Attributes>;
const traceState = fc.option(fc.constantFrom('vendor=a', 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE', ''), { nil: undefined });
const context = fc.record({ traceId: hex(32), spanId: hex(16), traceFlags: fc.constantFrom(TraceFlags.NONE, TraceFlags.SAMPLED), isRemote: fc.option(fc.boolean(), { nil: undefined }), state: traceState });
const toContext = (c: { traceId: string; spanId: string; traceFlags: number; isRemote: boolean | undefined; state: string | undefined }): SpanContext => ({
  traceId: c.traceId,
  spanId: c.spanId,
  traceFlags: c.traceFlags,
  ...(c.isRemote !== undefined ? { isRemote: c.isRemote } : {}),
  ...(c.state !== undefined ? { traceState: new TraceState(c.state) } : {}),
});

const span = fc.record({
  name: text,
  kind: fc.constantFrom(SpanKind.INTERNAL, SpanKind.SERVER, SpanKind.CLIENT),
  traceId: hex(32),
  spanId: hex(16),
  state: traceState,
  parent: fc.option(context, { nil: undefined }),
  start: fc.double({ min: 0, max: 1e9, noNaN: true }),
  length: fc.option(fc.double({ min: 0, max: 1e6, noNaN: true }), { nil: undefined }),
  attributes,
  links: fc.array(fc.record({ context, attributes: fc.option(attributes, { nil: undefined }) }), { maxLength: 2 }),
  status: fc.option(fc.record({ code: fc.constantFrom(SpanStatusCode.OK, SpanStatusCode.ERROR), message: fc.option(text, { nil: undefined }) }), { nil: undefined }),
});

type SpanSpec = typeof span extends fc.Arbitrary<infer T> ? T : never;

function record(source: SpanSource, s: SpanSpec): SpanRecord {
  const links: Link[] = s.links.map((l) => ({ context: toContext(l.context), ...(l.attributes ? { attributes: l.attributes } : {}) }));
  const r = new SpanRecord(source, s.name, s.kind, s.traceId, s.spanId, s.state !== undefined ? new TraceState(s.state) : undefined, s.parent ? toContext(s.parent) : undefined, s.start, { ...s.attributes }, links);
  if (s.status) r.status = s.status.message === undefined ? { code: s.status.code } : { code: s.status.code, message: s.status.message };
  if (s.length !== undefined) r.end(s.start + s.length);
  return r;
}

/** Every batch the gateway would send for these spans (all of one source), as text. */
async function batched(source: SpanSource, spans: SpanRecord[]): Promise<string[]> {
  const sent: EncodedSpans[] = [];
  const batches = new SpanBatches(source, (batch, done) => {
    sent.push(batch);
    done({ code: ExportResultCode.SUCCESS });
  });
  for (const s of spans) batches.add(s);
  await batches.flush();
  return sent.map((b) => Buffer.from(b.bytes).toString('utf8'));
}

async function same(source: SpanSource, spans: SpanRecord[]): Promise<void> {
  assert.deepEqual(await batched(source, spans), [Buffer.from(JsonTraceSerializer.serializeRequest(spans)!).toString('utf8')]);
}

// First in this file: the encoder keeps values' text for at most 512 keys, which the property test below fills.
test('an attribute whose values look alike across spans (1 and "1", true and "true", 0 and -0) is written as each span holds it', async () => {
  const source: SpanSource = { resource: resourceFromAttributes({ 'service.name': 'saima' }), instrumentationScope: { name: 'saima' } };
  const values = [1, '1', true, 'true', 0, -0, '0', 1.5, '1.5', '', 'x'.repeat(201), 'x'.repeat(201)];
  const spans = values.map((v, i) => {
    const r = new SpanRecord(source, 'chat m', SpanKind.SERVER, 'a'.repeat(32), (i + 1).toString(16).padStart(16, '0'), undefined, undefined, 10, { 'saima.value': v, [`k${i % 3}`]: v });
    r.end(20);
    return r;
  });
  // Twice: the second time every value's text comes from what the first one kept.
  await same(source, spans);
  await same(source, spans);
});

test("span records serialise to exactly the SDK's OTLP JSON, whatever their names, attributes, contexts, links and status", async () => {
  const source: SpanSource = { resource: defaultResource().merge(resourceFromAttributes({ 'service.name': 'saima' })), instrumentationScope: { name: 'saima' } };
  await fc.assert(
    fc.asyncProperty(fc.array(span, { minLength: 1, maxLength: 6 }), (specs) => same(source, specs.map((s) => record(source, s)))),
    { numRuns: 400 },
  );
});

test('a resource with a schema URL and a versioned scope serialise as the SDK does; nothing is sent for no spans', async () => {
  const one: SpanSource = { resource: resourceFromAttributes({ 'service.name': 'a', n: 1, list: ['x', 'y'] }, { schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' }), instrumentationScope: { name: 'saima', version: '1.2.3', schemaUrl: 'https://example.test/scope' } };
  const a = new SpanRecord(one, 'chat m', SpanKind.SERVER, 'a'.repeat(32), 'b'.repeat(16), undefined, undefined, 10, { k: 'v' });
  a.end(20);
  const b = new SpanRecord(one, 'chat m', SpanKind.CLIENT, 'a'.repeat(32), 'd'.repeat(16), undefined, a.spanContext(), 11, {});
  b.end(19);
  await same(one, [a, b]);
  assert.deepEqual(await batched(one, []), []);
});

test('batches leave at 512 spans, one export at a time; past 2,048 waiting spans new ones are dropped, and exporting resumes when the collector answers', async () => {
  const source: SpanSource = { resource: resourceFromAttributes({ 'service.name': 'saima' }), instrumentationScope: { name: 'saima' } };
  const spanAt = (i: number): SpanRecord => {
    const r = new SpanRecord(source, `chat ${i}`, SpanKind.SERVER, 'a'.repeat(32), i.toString(16).padStart(16, '0'), undefined, undefined, i, { i });
    r.end(i + 1);
    return r;
  };
  const sent: Array<{ batch: EncodedSpans; done: () => void }> = [];
  const batches = new SpanBatches(source, (batch, done) => sent.push({ batch, done: () => done({ code: ExportResultCode.SUCCESS }) }));
  for (let i = 1; i <= 3000; i++) batches.add(spanAt(i));
  // One export in flight (the collector has not answered); the rest wait, up to 2,048 spans in all.
  assert.equal(sent.length, 1);
  assert.equal(sent[0]!.batch.count, 512);
  const flushed = batches.flush();
  let answered = 0;
  while (answered < sent.length) sent[answered++]!.done();
  await flushed;
  assert.deepEqual(sent.map((s) => s.batch.count), [512, 512, 512, 512], 'spans past the 2,048 waiting were dropped');
  const ids = sent.flatMap((s) => (JSON.parse(Buffer.from(s.batch.bytes).toString('utf8')) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ name: string }> }> }> }).resourceSpans[0]!.scopeSpans[0]!.spans.map((x) => x.name));
  assert.equal(ids[0], 'chat 1');
  assert.equal(ids.at(-1), 'chat 2048', 'the first 2,048 spans were kept, in order');
  // Once the collector answers, new spans are taken again.
  batches.add(spanAt(5000));
  const last = batches.flush();
  assert.equal(sent.length, 5);
  assert.equal(sent[4]!.batch.count, 1);
  sent[4]!.done();
  await last;
});

test('an exporter that throws loses its batch, not every later one', async () => {
  const source: SpanSource = { resource: resourceFromAttributes({ 'service.name': 'saima' }), instrumentationScope: { name: 'saima' } };
  let calls = 0;
  const counts: number[] = [];
  const batches = new SpanBatches(source, (batch, done) => {
    if (calls++ === 0) throw new Error('exporter broke');
    counts.push(batch.count);
    done({ code: ExportResultCode.SUCCESS });
  });
  const spanAt = (i: number): SpanRecord => {
    const r = new SpanRecord(source, 'chat m', SpanKind.SERVER, 'a'.repeat(32), i.toString(16).padStart(16, '0'), undefined, undefined, i, {});
    r.end(i + 1);
    return r;
  };
  batches.add(spanAt(1));
  await batches.flush();
  batches.add(spanAt(2));
  batches.add(spanAt(3));
  await batches.flush();
  assert.deepEqual(counts, [2]);
});

test('spans that carry captured prompts are batched by bytes too: a batch leaves at 4 MB, and at most 64 MB wait', async () => {
  const source: SpanSource = { resource: resourceFromAttributes({ 'service.name': 'saima' }), instrumentationScope: { name: 'saima' } };
  const prompt = 'x'.repeat(1024 * 1024);
  const sent: Array<{ batch: EncodedSpans; done: () => void }> = [];
  const batches = new SpanBatches(source, (batch, done) => sent.push({ batch, done: () => done({ code: ExportResultCode.SUCCESS }) }));
  for (let i = 1; i <= 100; i++) {
    const r = new SpanRecord(source, 'chat m', SpanKind.SERVER, 'a'.repeat(32), i.toString(16).padStart(16, '0'), undefined, undefined, i, { 'gen_ai.input.messages': prompt });
    r.end(i + 1);
    batches.add(r);
  }
  assert.equal(sent.length, 1, 'one export in flight');
  assert.ok(sent[0]!.batch.count <= 4 && sent[0]!.batch.bytes.length <= 5 * 1024 * 1024, `first batch ${sent[0]!.batch.count} spans, ${sent[0]!.batch.bytes.length} bytes`);
  const flushed = batches.flush();
  let answered = 0;
  while (answered < sent.length) sent[answered++]!.done();
  await flushed;
  const spans = sent.reduce((n, s) => n + s.batch.count, 0);
  assert.ok(spans >= 60 && spans <= 66, `${spans} spans of 1 MB kept while the collector had not answered`);
});
