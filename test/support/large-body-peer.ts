/**
 * A separate process that plays both ends of a gateway under large bodies: an OpenAI-compatible upstream (answers
 * every chat call with one token and bills body bytes / 4) and a client that posts bodies of megabytes. Kept out
 * of the gateway's process so that the event loop measured there is the gateway's alone.
 *
 *   node --import tsx test/support/large-body-peer.ts
 *   → prints {"upstream":"http://127.0.0.1:PORT"}
 *   ← reads lines {"gateway":"http://…","kind":"many-messages","stream":false,"model":"r"}
 *   → prints {"status":200,"forwarded":true,...} per line: whether the upstream received the client's fields
 *     unchanged (messages, tools, unknown parameters) and the cap the gateway sent
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';

export const BODY_KINDS = ['long-strings', 'many-messages', 'many-tools', 'many-unknown-params', 'base64-image'] as const;
export type BodyKind = (typeof BODY_KINDS)[number];

const TARGET = 3_900_000;

/** A body of about 3.9 MB (under the 4 MiB default limit), of a shape that is slow to parse or walk. */
export function largeBody(kind: BodyKind, model: string, stream: boolean): Record<string, unknown> {
  const base = { model, max_tokens: 1, stream };
  switch (kind) {
    case 'long-strings':
      // Unbroken runs of one letter, CJK and base64: what a byte-pair encoder fed whole is slowest on.
      return { ...base, messages: [{ role: 'user', content: ['a'.repeat(1_600_000), '我们的模型在比赛中胜出了'.repeat(40_000), Buffer.from('x'.repeat(700_000)).toString('base64')].join(' ') }] };
    case 'many-messages':
      return { ...base, messages: Array.from({ length: Math.floor(TARGET / 36) }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `m${i}` })) };
    case 'many-tools':
      return {
        ...base,
        messages: [{ role: 'user', content: 'pick a tool' }],
        tools: Array.from({ length: Math.floor(TARGET / 117) }, (_, i) => ({ type: 'function', function: { name: `f${i}`, parameters: { type: 'object', properties: { a: { type: 'string' } } } } })),
      };
    case 'many-unknown-params':
      return { ...base, messages: [{ role: 'user', content: 'hi' }], ...Object.fromEntries(Array.from({ length: Math.floor(TARGET / 16) }, (_, i) => [`x_${i}`, i])) };
    case 'base64-image':
      return {
        ...base,
        messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${Buffer.alloc(2_900_000, 7).toString('base64')}` } }] }],
      };
  }
}

/** A digest of everything but the fields a gateway may rewrite (model, caps, stream options). */
export function digest(body: Record<string, unknown>): string {
  const rest = Object.fromEntries(Object.entries(body).filter(([k]) => !['model', 'max_tokens', 'max_completion_tokens', 'stream', 'stream_options'].includes(k)).sort(([a], [b]) => (a < b ? -1 : 1)));
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex');
}

async function main(): Promise<void> {
  let last: { digest: string; maxTokens: unknown } | null = null;
  const upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      last = { digest: digest(body), maxTokens: body.max_tokens ?? body.max_completion_tokens };
      const usage = { prompt_tokens: Math.ceil(raw.length / 4), completion_tokens: 1, total_tokens: Math.ceil(raw.length / 4) + 1 };
      const message = { role: 'assistant', content: 'x' };
      if (body.stream === true) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const chunk = (delta: unknown, extra: Record<string, unknown> = {}) => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: body.model, choices: delta === null ? [] : [{ index: 0, delta, finish_reason: null }], ...extra })}\n\n`;
        res.end(chunk(message) + chunk(null, { usage }) + 'data: [DONE]\n\n');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: body.model, choices: [{ index: 0, message, finish_reason: 'length' }], usage }));
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  process.stdout.write(`${JSON.stringify({ upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}` })}\n`);
  for await (const line of createInterface({ input: process.stdin })) {
    const cmd = JSON.parse(line) as { gateway: string; kind: BodyKind; stream: boolean; model: string };
    const body = largeBody(cmd.kind, cmd.model, cmd.stream);
    const bytes = Buffer.from(JSON.stringify(body));
    last = null;
    const res = await fetch(`${cmd.gateway}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bytes });
    const text = await res.text();
    const seen = last as { digest: string; maxTokens: unknown } | null;
    process.stdout.write(`${JSON.stringify({ status: res.status, bytes: bytes.length, forwarded: seen?.digest === digest(body), cap: seen?.maxTokens ?? null, answer: text.slice(0, 300) })}\n`);
  }
  upstream.close();
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) void main();

export interface PeerResult {
  status: number;
  bytes: number;
  forwarded: boolean;
  cap: unknown;
  answer: string;
}

export interface LargeBodyPeer {
  upstream: string;
  send(cmd: { gateway: string; kind: BodyKind; stream: boolean; model: string }): Promise<PeerResult>;
  close(): Promise<void>;
}

/** Starts the peer as a child process (tsx), waiting for its upstream to listen. */
export async function startLargeBodyPeer(): Promise<LargeBodyPeer> {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown>> => {
    const r = await lines.next();
    if (r.done) throw new Error('large-body peer exited');
    return JSON.parse(r.value) as Record<string, unknown>;
  };
  const { upstream } = (await next()) as { upstream: string };
  return {
    upstream,
    async send(cmd) {
      child.stdin!.write(`${JSON.stringify(cmd)}\n`);
      return (await next()) as unknown as PeerResult;
    },
    async close() {
      child.stdin!.end();
      await new Promise((r) => child.once('exit', r));
    },
  };
}
