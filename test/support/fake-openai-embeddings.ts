/**
 * A loopback OpenAI-format embeddings upstream: `POST /v1/embeddings` answered in OpenAI's documented shape,
 * `{"object":"list","data":[{"object":"embedding","index":0,"embedding":[…]}],"model":…,"usage":{"prompt_tokens":N,
 * "total_tokens":N}}`, floats or (`encoding_format: "base64"`) little-endian float32s in base64. It honours
 * `dimensions`, bills one prompt token per whitespace-separated word of a text (and per id of a token array), and
 * records every request and the exact bytes it answered.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer } from './loopback-server.js';

export interface FakeEmbeddingsOptions {
  model?: string;
  /** Vector length when the request sets no `dimensions`. */
  dimensions?: number;
  /** Delay before the response headers. */
  headersDelayMs?: number;
  /**
   * One per request, before answering normally: a status to answer with, `truncated` (a 200 whose body stops half-way,
   * as a proxy cutting it would send) or `error-body` (a 200 carrying an OpenAI error object).
   */
  faults?: FakeEmbeddingsFault[];
  /** Leave `usage` out of the answers. */
  noUsage?: boolean;
  /** Write `usage` before `data` (as some compatible servers do). */
  usageFirst?: boolean;
}

export type FakeEmbeddingsFault = number | 'truncated' | 'error-body';

export interface FakeEmbeddings {
  url: string;
  requests: Array<{ body: Record<string, unknown>; headers: IncomingMessage['headers'] }>;
  /** The bytes of each answer sent, in order. */
  sent: Buffer[];
  setFaults(faults: FakeEmbeddingsFault[]): void;
  close(): Promise<void>;
}

/** The documented vector of an input: deterministic, distinct per input and index. */
export function fakeVector(input: string | number[], dims: number): number[] {
  const text = typeof input === 'string' ? input : input.join(',');
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return Array.from({ length: dims }, (_, i) => Math.fround(Math.sin(h + i) / 2));
}

export function fakeTokens(input: string | number[]): number {
  return typeof input === 'string' ? input.split(/\s+/).filter(Boolean).length : input.length;
}

function inputs(body: Record<string, unknown>): Array<string | number[]> {
  const input = body.input;
  if (typeof input === 'string') return [input];
  const list = input as unknown[];
  return typeof list[0] === 'number' ? [list as number[]] : (list as Array<string | number[]>);
}

export async function startFakeEmbeddings(opts: FakeEmbeddingsOptions = {}): Promise<FakeEmbeddings> {
  const requests: FakeEmbeddings['requests'] = [];
  const sent: Buffer[] = [];
  let faults = [...(opts.faults ?? [])];
  const server = createServer((req, res) => void handle(req, res).catch(() => res.destroy()));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.method !== 'POST' || req.url !== '/v1/embeddings') return send(res, 404, { error: { message: `Unknown request URL: ${req.method} ${req.url}.`, type: 'invalid_request_error', param: null, code: 'unknown_url' } });
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    requests.push({ body, headers: req.headers });
    if (opts.headersDelayMs) await new Promise((r) => setTimeout(r, opts.headersDelayMs));
    const fault = faults.shift();
    if (fault === 'error-body') return send(res, 200, { error: { message: 'simulated error in a 200', type: 'server_error', param: null, code: null } });
    if (typeof fault === 'number') return send(res, fault, { error: { message: `simulated ${fault}`, type: 'server_error', param: null, code: null } });
    const truncated = fault === 'truncated';
    const dims = typeof body.dimensions === 'number' ? body.dimensions : (opts.dimensions ?? 8);
    const base64 = body.encoding_format === 'base64';
    let tokens = 0;
    const data = inputs(body).map((input, index) => {
      tokens += fakeTokens(input);
      const v = fakeVector(input, dims);
      const embedding = base64 ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v;
      return { object: 'embedding', index, embedding };
    });
    const usage = { prompt_tokens: tokens, total_tokens: tokens };
    const answer = opts.noUsage
      ? { object: 'list', data, model: opts.model ?? 'text-embedding-3-small' }
      : opts.usageFirst
        ? { object: 'list', usage, model: opts.model ?? 'text-embedding-3-small', data }
        : { object: 'list', data, model: opts.model ?? 'text-embedding-3-small', usage };
    if (truncated) {
      const bytes = Buffer.from(JSON.stringify(answer));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(bytes.subarray(0, bytes.length >> 1));
      return;
    }
    return send(res, 200, answer);
  }

  function send(res: ServerResponse, status: number, body: unknown): void {
    const bytes = Buffer.from(JSON.stringify(body));
    if (status === 200) sent.push(bytes);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': bytes.length });
    res.end(bytes);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    sent,
    setFaults: (s) => void (faults = [...s]),
    close: () => closeServer(server),
  };
}
