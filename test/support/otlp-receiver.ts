/**
 * A real OTLP/HTTP receiver on 127.0.0.1 (port 0), as an OpenTelemetry Collector's `otlphttp` receiver accepts it:
 * `POST /v1/traces` and `POST /v1/metrics` with the JSON encoding (`application/json`), answered 200 `{}`. It
 * decodes what arrives into plain spans and metric points for tests. `mode: 'hang'` accepts the connection and
 * never answers (a collector stuck behind a full queue); `deadCollectorUrl()` is a port nobody listens on.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type AttrValue = string | number | boolean | AttrValue[] | null;

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP's enum: 1 internal, 2 server, 3 client. */
  kind: number;
  attributes: Record<string, AttrValue>;
  statusCode: number;
  links: Array<{ traceId: string; spanId: string }>;
  events: Array<{ name: string; attributes: Record<string, AttrValue> }>;
  startNs: bigint;
  endNs: bigint;
  resource: Record<string, AttrValue>;
}

export interface ReceivedPoint {
  metric: string;
  unit: string;
  kind: string;
  attributes: Record<string, AttrValue>;
  count: number;
  sum: number;
  bucketCounts: number[];
  explicitBounds: number[];
}

export interface OtlpReceiver {
  /** The base endpoint (…/v1/traces and …/v1/metrics are under it). */
  url: string;
  spans(): ReceivedSpan[];
  points(): ReceivedPoint[];
  /** Every request body as received, for searches over everything exported. */
  raw(): string[];
  /** Requests (connections, for `hang`) that reached the receiver. */
  hits(): number;
  contentTypes(): string[];
  /** The headers of each export request. */
  headers(): Array<Record<string, string | string[] | undefined>>;
  close(): Promise<void>;
}

interface KeyValue {
  key: string;
  value: AnyValue;
}
interface AnyValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: AnyValue[] };
}

function value(v: AnyValue | undefined): AttrValue {
  if (!v) return null;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(value);
  return null;
}

function attrs(list: KeyValue[] | undefined): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const kv of list ?? []) out[kv.key] = value(kv.value);
  return out;
}

/** OTLP/JSON ids are hex strings; an exporter that sent base64 (the protobuf JSON mapping) would be decoded too. */
function hexId(id: unknown): string {
  if (typeof id !== 'string' || id === '') return '';
  return /^[0-9a-f]+$/i.test(id) ? id.toLowerCase() : Buffer.from(id, 'base64').toString('hex');
}

export async function startOtlpReceiver(opts: { mode?: 'accept' | 'hang' } = {}): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const points: ReceivedPoint[] = [];
  const raw: string[] = [];
  const types: string[] = [];
  const headers: Array<Record<string, string | string[] | undefined>> = [];
  const sockets = new Set<Socket>();
  let hits = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    hits++;
    if (opts.mode === 'hang') return; // never answered: the exporter must give up on its own
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      raw.push(text);
      types.push(String(req.headers['content-type']));
      headers.push(req.headers);
      try {
        const body = JSON.parse(text) as Record<string, unknown>;
        if (req.url === '/v1/traces') decodeTraces(body, spans);
        else if (req.url === '/v1/metrics') decodeMetrics(body, points);
      } catch {
        res.writeHead(400).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    spans: () => spans,
    points: () => points,
    raw: () => raw,
    hits: () => hits,
    contentTypes: () => types,
    headers: () => headers,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback URL whose port was free a moment ago and is closed now: connections are refused. */
export async function deadCollectorUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

function decodeTraces(body: Record<string, unknown>, out: ReceivedSpan[]): void {
  for (const rs of (body.resourceSpans as Array<Record<string, unknown>>) ?? []) {
    const resource = attrs((rs.resource as { attributes?: KeyValue[] } | undefined)?.attributes);
    for (const ss of (rs.scopeSpans as Array<Record<string, unknown>>) ?? []) {
      for (const s of (ss.spans as Array<Record<string, unknown>>) ?? []) {
        out.push({
          traceId: hexId(s.traceId),
          spanId: hexId(s.spanId),
          parentSpanId: hexId(s.parentSpanId),
          name: String(s.name),
          kind: Number(s.kind),
          attributes: attrs(s.attributes as KeyValue[]),
          statusCode: Number((s.status as { code?: number } | undefined)?.code ?? 0),
          links: ((s.links as Array<Record<string, unknown>>) ?? []).map((l) => ({ traceId: hexId(l.traceId), spanId: hexId(l.spanId) })),
          events: ((s.events as Array<Record<string, unknown>>) ?? []).map((e) => ({ name: String(e.name), attributes: attrs(e.attributes as KeyValue[]) })),
          startNs: BigInt(String(s.startTimeUnixNano ?? 0)),
          endNs: BigInt(String(s.endTimeUnixNano ?? 0)),
          resource,
        });
      }
    }
  }
}

function decodeMetrics(body: Record<string, unknown>, out: ReceivedPoint[]): void {
  for (const rm of (body.resourceMetrics as Array<Record<string, unknown>>) ?? []) {
    for (const sm of (rm.scopeMetrics as Array<Record<string, unknown>>) ?? []) {
      for (const m of (sm.metrics as Array<Record<string, unknown>>) ?? []) {
        for (const kind of ['histogram', 'sum', 'gauge'] as const) {
          const data = m[kind] as { dataPoints?: Array<Record<string, unknown>> } | undefined;
          for (const p of data?.dataPoints ?? []) {
            out.push({
              metric: String(m.name),
              unit: String(m.unit ?? ''),
              kind,
              attributes: attrs(p.attributes as KeyValue[]),
              count: Number(p.count ?? 0),
              sum: Number(p.sum ?? p.asDouble ?? p.asInt ?? 0),
              bucketCounts: ((p.bucketCounts as unknown[]) ?? []).map(Number),
              explicitBounds: ((p.explicitBounds as unknown[]) ?? []).map(Number),
            });
          }
        }
      }
    }
  }
}
