/**
 * The OTLP/HTTP JSON encoding of the gateway's spans, written straight from its span records: byte for byte what
 * the SDK's `JsonTraceSerializer` writes for the same spans (test/telemetry/span-json.test.ts holds it to that). The
 * SDK's serializer first turns every span into an object tree (about fifty objects a span: each attribute becomes a
 * key-value object around a value object), then stringifies the tree; measured on the gateway's hot path, that was
 * the largest share of what tracing cost. Here each span is written as text once, when it ends (span-batches.ts).
 */
import type { Attributes, HrTime, Link, SpanContext } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';

/** OTLP span flags: the W3C trace flags, and whether the parent is known to be remote (and is). */
const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

const keyPrefixes = new Map<string, string>();

/** `{"key":"…","value":` for an attribute key, escaped once per distinct key. */
function keyPrefix(key: string): string {
  let p = keyPrefixes.get(key);
  if (p === undefined) {
    p = `{"key":${JSON.stringify(key)},"value":`;
    // Keys are the gateway's own names; a bound all the same, should a caller ever pass others.
    if (keyPrefixes.size < 512) keyPrefixes.set(key, p);
  }
  return p;
}

/** The SDK transformer's `toAnyValue`, as JSON text. */
function anyValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return `{"stringValue":${JSON.stringify(value)}}`;
    case 'number':
      return Number.isInteger(value) ? `{"intValue":${JSON.stringify(value)}}` : `{"doubleValue":${JSON.stringify(value)}}`;
    case 'boolean':
      return value ? '{"boolValue":true}' : '{"boolValue":false}';
  }
  if (value instanceof Uint8Array) return `{"bytesValue":${JSON.stringify(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'))}}`;
  if (Array.isArray(value)) return `{"arrayValue":{"values":[${value.map(anyValue).join(',')}]}}`;
  if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>;
    return `{"kvlistValue":{"values":[${Object.keys(o).map((k) => `${keyPrefix(k)}${anyValue(o[k])}}`).join(',')}]}}`;
  }
  return '{}';
}

/** Per key, the written text of the scalar values seen, up to this many: most of a span's attributes repeat. */
const VALUES_PER_KEY = 64;
const fragments = new Map<string, Map<unknown, string>>();

/** `{"key":…,"value":…}` for one attribute. */
function keyValue(key: string, value: unknown): string {
  // Arrays, and long text (captured prompts and answers), are written each time rather than kept.
  if (typeof value === 'object' || (typeof value === 'string' && value.length > 200)) return `${keyPrefix(key)}${anyValue(value)}}`;
  let values = fragments.get(key);
  if (values === undefined) {
    values = new Map();
    if (fragments.size < 512) fragments.set(key, values);
  }
  // A Map tells 0 from -0 by SameValueZero only; both are written "0", so sharing their text is exact.
  let text = values.get(value);
  if (text === undefined) {
    text = `${keyPrefix(key)}${anyValue(value)}}`;
    if (values.size < VALUES_PER_KEY) values.set(value, text);
  }
  return text;
}

function attributes(a: Attributes): string {
  let out = '';
  for (const key of Object.keys(a)) out += out === '' ? keyValue(key, a[key]) : `,${keyValue(key, a[key])}`;
  return out;
}

/** The SDK's JSON time: nanoseconds since the epoch, as a decimal string. */
function nanos(t: HrTime): string {
  return (BigInt(Math.trunc(t[0])) * 1_000_000_000n + BigInt(Math.trunc(t[1]))).toString();
}

function flags(sc: SpanContext, parentIsRemote: boolean | undefined): number {
  return (sc.traceFlags & 0xff) | HAS_IS_REMOTE | (parentIsRemote ? IS_REMOTE : 0);
}

/** `,"traceState":"…"` when the context has a trace state (even an empty one, as the SDK writes it). */
function traceState(sc: SpanContext): string {
  const s = sc.traceState?.serialize();
  return s === undefined ? '' : `,"traceState":${JSON.stringify(s)}`;
}

function link(l: Link): string {
  const sc = l.context;
  return `{"attributes":[${l.attributes ? attributes(l.attributes) : ''}],"spanId":${JSON.stringify(sc.spanId)},"traceId":${JSON.stringify(sc.traceId)}${traceState(sc)},"droppedAttributesCount":${l.droppedAttributesCount || 0},"flags":${flags(sc, sc.isRemote)}}`;
}

/** One span's JSON. Spans without events (the gateway records none), of a scope without attributes. */
export function spanText(s: ReadableSpan): string {
  const sc = s.spanContext();
  // Ids are hex by construction (span-ids.ts, or the W3C propagator's check of an incoming one): no escaping.
  const parent = s.parentSpanContext?.spanId ? `,"parentSpanId":"${s.parentSpanContext.spanId}"` : '';
  const status = s.status.message === undefined ? `{"code":${s.status.code}}` : `{"code":${s.status.code},"message":${JSON.stringify(s.status.message)}}`;
  return (
    `{"traceId":"${sc.traceId}","spanId":"${sc.spanId}"${parent}${traceState(sc)},"name":${JSON.stringify(s.name)},"kind":${s.kind == null ? 0 : s.kind + 1}` +
    `,"startTimeUnixNano":"${nanos(s.startTime)}","endTimeUnixNano":"${nanos(s.endTime)}","attributes":[${attributes(s.attributes)}],"droppedAttributesCount":${s.droppedAttributesCount}` +
    `,"events":[],"droppedEventsCount":${s.droppedEventsCount},"status":${status},"links":[${s.links.map(link).join(',')}],"droppedLinksCount":${s.droppedLinksCount},"flags":${flags(sc, s.parentSpanContext?.isRemote)}}`
  );
}

/** The request around spans of one resource and instrumentation scope: its text before the spans and after them. */
export function envelopeOf(source: { resource: ReadableSpan['resource']; instrumentationScope: ReadableSpan['instrumentationScope'] }): { open: string; close: string } {
  const r = source.resource;
  const scope = source.instrumentationScope;
  const resource = `{"attributes":[${attributes(r.attributes)}],"droppedAttributesCount":0${r.schemaUrl ? `,"schemaUrl":${JSON.stringify(r.schemaUrl)}` : ''}}`;
  const scopeJson = `{"name":${JSON.stringify(scope.name)}${scope.version !== undefined ? `,"version":${JSON.stringify(scope.version)}` : ''}}`;
  return {
    open: `{"resourceSpans":[{"resource":${resource},"scopeSpans":[{"scope":${scopeJson},"spans":[`,
    close: `]${scope.schemaUrl !== undefined ? `,"schemaUrl":${JSON.stringify(scope.schemaUrl)}` : ''}}]${r.schemaUrl ? `,"schemaUrl":${JSON.stringify(r.schemaUrl)}` : ''}}]}`,
  };
}
