/**
 * A fake OpenAI-compatible upstream: a real node:http server on 127.0.0.1 (port 0) that answers
 * `POST /v1/chat/completions` like api.openai.com (and `POST /v1/responses`, `GET /v1/models`), for tests of the `openai` provider
 * and of the gateway behind it.
 *
 *   const up = await startFakeOpenAI({ answer: 'Hi!', reasoning: 'Greet back.', usage: { prompt_tokens: 9, completion_tokens: 3 } });
 *   t.after(() => up.close());
 *   // contender: { provider: 'openai', base_url: up.url, api_key: 'sk-…', model: 'x' }   (up.url ends in /v1)
 *   up.setFaults([{ kind: 'status', status: 429, retryAfter: '1' }, { kind: 'ok' }]);
 *   up.requests[0]?.body.stream_options; up.requests[0]?.headers.authorization; up.requests[0]?.sent (bytes written)
 *
 * - Non-stream requests get a `chat.completion` object. `stream: true` gets `chat.completion.chunk` events:
 *   a role chunk, `reasoning_content` deltas, `content` deltas (split at words), `tool_calls` deltas (name
 *   first, then arguments in 8-character pieces), a finish chunk, the usage, then `data: [DONE]`.
 * - Usage in a stream is sent only when `stream_options.include_usage` is asked, as `usageMode` says:
 *   `separate` (OpenAI: a last chunk with `"choices":[]`, and `"usage":null` on every other chunk),
 *   `last_chunk` (usage on the finish chunk, as DeepSeek does), or `never`. `usage: null` never reports it.
 * - `apiKey` makes the server answer 401 (OpenAI's body) to requests without `Bearer <apiKey>`.
 * - Every request is recorded in `requests` (headers, parsed body, and the response body bytes in `sent`),
 *   faulted ones included.
 * - `setFaults([...])` replaces a queue consumed one fault per chat request; an empty queue means `ok`:
 *   `ok` (optionally with its own answer fields), `status` (HTTP error with OpenAI's error body and an
 *   optional retry-after), `reset` (socket destroyed before headers), `hang` (no answer until `close()`),
 *   `cut` (stream: socket destroyed after `afterEvents` events, and on /v1/responses with `halfEvent` after the first
 *   half of the next one; non-stream: after half the body), `stall`
 *   (stream: silence after `afterEvents` events, socket open; non-stream: silence after half the body), `no_done` (stream: ends cleanly without
 *   `[DONE]`), `error_event` (stream: an OpenAI error event after `afterEvents` events, then the end),
 *   `replay` (a recorded body, e.g. `fixture('openai-stream-usage.sse')`, sent as is, in `splitEvery` slices if set).
 * - `POST /v1/responses` answers as OpenAI's Responses API does: a `response` object (one `message` item with an
 *   `output_text` part, `usage` with `input_tokens`/`output_tokens` and their details; `finishReason: 'length'` makes it
 *   `incomplete` at `max_output_tokens`), or with `stream: true` its events, each with the next `sequence_number`:
 *   `response.created`, `response.in_progress`, `response.output_item.added`, `response.content_part.added`,
 *   `response.output_text.delta` per word, `response.output_text.done`, `response.content_part.done`,
 *   `response.output_item.done`, `response.completed` (with usage). Stored responses (unless `store: false`) are
 *   continued by `previous_response_id` (unknown: OpenAI's 400), whose input is billed the stored conversation's
 *   tokens again. The `status`, `reset`, `hang`, `cut`, `stall` and `error_event` faults apply too.
 * - `eventDelayMs` paces events; `splitEvery` writes the stream in slices of that many bytes with a pause
 *   between them, so events (and UTF-8 characters) arrive split across reads.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildConfig } from '../../src/config/load.js';
import type { Contender } from '../../src/config/types.js';
import type { CallOutcome, UpstreamReply } from '../../src/providers/spec.js';
import { closeServer, readBody } from './loopback-server.js';

export interface FakeToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface FakeUsage {
  prompt_tokens: number;
  completion_tokens: number;
  reasoning_tokens?: number;
  cached_tokens?: number;
  /** DeepSeek's name for cache hits, sent beside prompt_tokens. */
  prompt_cache_hit_tokens?: number;
}

export interface FakeAnswer {
  answer?: string;
  reasoning?: string;
  toolCalls?: FakeToolCall[];
  /** null: never report usage. Default: 10 prompt tokens and one completion token per delta. */
  usage?: FakeUsage | null;
  finishReason?: string;
  /** Defaults to the request's model. */
  model?: string;
}

export type FakeOpenAIFault =
  | ({ kind: 'ok' } & FakeAnswer)
  | { kind: 'status'; status: number; retryAfter?: string; message?: string; body?: string }
  | { kind: 'reset' }
  | { kind: 'hang' }
  | { kind: 'cut'; afterEvents: number; halfEvent?: boolean }
  | { kind: 'stall'; afterEvents: number }
  | { kind: 'no_done' }
  | { kind: 'error_event'; afterEvents: number; message?: string }
  | { kind: 'replay'; body: string | Buffer; status?: number; contentType?: string };

export interface FakeOpenAIOptions extends FakeAnswer {
  usageMode?: 'separate' | 'last_chunk' | 'never';
  eventDelayMs?: number;
  headersDelayMs?: number;
  /** Per request: how long to wait before the headers, from its parsed body (e.g. slower for some users). */
  headersDelayFor?: (body: Record<string, unknown>) => number;
  splitEvery?: number;
  apiKey?: string;
  faults?: FakeOpenAIFault[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  /** The response body bytes written so far. */
  sent: Buffer;
}

export interface FakeOpenAI {
  url: string;
  port: number;
  requests: RecordedRequest[];
  setFaults(faults: FakeOpenAIFault[]): void;
  close(): Promise<void>;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startFakeOpenAI(opts: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const requests: RecordedRequest[] = [];
  let faults: FakeOpenAIFault[] = [...(opts.faults ?? [])];
  let seq = 0;
  /** Responses API responses stored by id: the tokens each leaves in the conversation's context. */
  const conversations = new Map<string, number>();

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url ?? '/';
    const raw = await readBody(req);
    if (opts.apiKey !== undefined && req.headers.authorization !== `Bearer ${opts.apiKey}`) {
      return sendJson(res, 401, errorBody('Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'));
    }
    if (req.method === 'GET' && path === '/v1/models') {
      return sendJson(res, 200, { object: 'list', data: [{ id: opts.model ?? 'fake-model', object: 'model', created: 1700000000, owned_by: 'fake' }] });
    }
    if (req.method !== 'POST' || (path !== '/v1/chat/completions' && path !== '/v1/responses')) return sendJson(res, 404, errorBody(`Unknown request URL: ${req.method} ${path}.`, 'invalid_request_error', 'unknown_url'));
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return sendJson(res, 400, errorBody('We could not parse the JSON body of your request.', 'invalid_request_error', null));
    }
    const record: RecordedRequest = { method: req.method, path, headers: req.headers, body, sent: Buffer.alloc(0) };
    requests.push(record);
    const fault = faults.shift() ?? { kind: 'ok' };
    const write = (chunk: string | Buffer): Promise<void> => {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      record.sent = Buffer.concat([record.sent, buf]);
      return new Promise((resolve) => (res.destroyed ? resolve() : res.write(buf, () => resolve())));
    };
    if (opts.headersDelayMs) await pause(opts.headersDelayMs);
    const own = opts.headersDelayFor?.(body) ?? 0;
    if (own > 0) await pause(own);

    switch (fault.kind) {
      case 'reset':
        req.socket.destroy();
        return;
      case 'hang':
        return;
      case 'status': {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
        const text = fault.body ?? JSON.stringify(statusBody(fault.status, fault.message));
        res.writeHead(fault.status, headers);
        await write(text);
        res.end();
        return;
      }
      case 'replay': {
        res.writeHead(fault.status ?? 200, { 'content-type': fault.contentType ?? (body.stream === true ? 'text/event-stream' : 'application/json') });
        const all = Buffer.from(fault.body);
        const step = opts.splitEvery ?? all.length;
        for (let at = 0; at < all.length; at += step) {
          if (at > 0) await pause(opts.eventDelayMs ?? 5);
          await write(all.subarray(at, at + step));
        }
        res.end();
        return;
      }
    }

    const answer: FakeAnswer = { ...opts, ...(fault.kind === 'ok' ? fault : {}) };
    if (path === '/v1/responses') return respondResponses(body, answer, fault, res, write);
    const id = `chatcmpl-fake${String(++seq).padStart(4, '0')}`;
    const model = answer.model ?? (typeof body.model === 'string' ? body.model : 'fake-model');
    if (body.stream !== true) {
      const text = JSON.stringify(completion(id, model, answer));
      if (fault.kind === 'cut' || fault.kind === 'stall') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
        await write(text.slice(0, Math.floor(text.length / 2)));
        if (fault.kind === 'cut') res.socket?.destroy();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      await write(text);
      res.end();
      return;
    }

    const wantsUsage = (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
    let events = streamEvents(id, model, answer, wantsUsage ? (opts.usageMode ?? 'separate') : 'never');
    const stopAfter = fault.kind === 'cut' || fault.kind === 'stall' || fault.kind === 'error_event' ? fault.afterEvents : null;
    if (stopAfter !== null) events = events.slice(0, stopAfter);
    if (fault.kind === 'error_event') events.push(`data: ${JSON.stringify(errorBody(fault.message ?? 'The server had an error while processing your request.', 'server_error', null))}\n\n`);
    if (fault.kind === 'ok') events.push('data: [DONE]\n\n');
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.flushHeaders(); // headers go out now, as a real SSE server sends them before the first token
    if (opts.splitEvery) {
      const all = Buffer.from(events.join(''));
      for (let at = 0; at < all.length; at += opts.splitEvery) {
        await write(all.subarray(at, at + opts.splitEvery));
        await pause(opts.eventDelayMs ?? 5);
      }
    } else {
      for (const event of events) {
        if (res.destroyed) return;
        await write(event);
        if (opts.eventDelayMs) await pause(opts.eventDelayMs);
      }
    }
    if (fault.kind === 'cut') res.socket?.destroy();
    else if (fault.kind !== 'stall') res.end();
  }

  /**
   * OpenAI's Responses API: a `response` object, or with `stream: true` its event sequence. Stored responses (`store`
   * unless false) can be continued by `previous_response_id` (an unknown one is OpenAI's 400); the input a
   * continuation is billed grows by the stored conversation's tokens, as OpenAI bills it.
   */
  async function respondResponses(body: Record<string, unknown>, answer: FakeAnswer, fault: FakeOpenAIFault, res: ServerResponse, write: (chunk: string) => Promise<void>): Promise<void> {
    const previous = body.previous_response_id;
    let carried = 0;
    if (typeof previous === 'string') {
      const known = conversations.get(previous);
      if (known === undefined) {
        res.writeHead(400, { 'content-type': 'application/json' });
        await write(JSON.stringify({ error: { message: `Previous response with id '${previous}' not found.`, type: 'invalid_request_error', param: 'previous_response_id', code: 'previous_response_not_found' } }));
        res.end();
        return;
      }
      carried = known;
    }
    const id = `resp_fake${String(++seq).padStart(4, '0')}${'0'.repeat(40)}`;
    const text = answer.answer ?? DEFAULT_ANSWER;
    const deltas = words(text);
    const inputTokens = (answer.usage?.prompt_tokens ?? 10) + carried;
    const outputTokens = answer.usage?.completion_tokens ?? deltas.length;
    const cap = typeof body.max_output_tokens === 'number' ? body.max_output_tokens : null;
    const incomplete = answer.finishReason === 'length';
    const usage = answer.usage === null ? null : {
      input_tokens: inputTokens,
      input_tokens_details: { cached_tokens: answer.usage?.cached_tokens ?? 0 },
      output_tokens: outputTokens,
      output_tokens_details: { reasoning_tokens: answer.usage?.reasoning_tokens ?? 0 },
      total_tokens: inputTokens + outputTokens,
    };
    const msgId = `msg_${id.slice(5)}`;
    const part = (t: string) => ({ type: 'output_text', annotations: [], logprobs: [], text: t });
    const item = (status: string, content: unknown[]) => ({ id: msgId, type: 'message', status, content, role: 'assistant' });
    const object = (status: string, output: unknown[], u: unknown) => ({
      id,
      object: 'response',
      created_at: 1700000000,
      status,
      background: false,
      error: null,
      incomplete_details: status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
      instructions: body.instructions ?? null,
      max_output_tokens: cap,
      model: answer.model ?? (typeof body.model === 'string' ? body.model : 'fake-model'),
      output,
      parallel_tool_calls: true,
      previous_response_id: previous ?? null,
      reasoning: { effort: null, summary: null },
      store: body.store !== false,
      temperature: 1,
      text: { format: { type: 'text' } },
      tool_choice: 'auto',
      tools: [],
      top_p: 1,
      truncation: 'disabled',
      usage: u,
      user: null,
      metadata: body.metadata ?? {},
    });
    const status = incomplete ? 'incomplete' : 'completed';
    const done = object(status, [item(status, [part(text)])], usage);
    if (body.store !== false) conversations.set(id, inputTokens + outputTokens);
    if (body.stream !== true) {
      res.writeHead(200, { 'content-type': 'application/json' });
      await write(JSON.stringify(done));
      res.end();
      return;
    }
    type Ev = [string, Record<string, unknown>];
    const ev = (type: string, data: Record<string, unknown>): Ev => [type, data];
    const at = { item_id: msgId, output_index: 0, content_index: 0 };
    const events = [
      ev('response.created', { response: object('in_progress', [], null) }),
      ev('response.in_progress', { response: object('in_progress', [], null) }),
      ev('response.output_item.added', { output_index: 0, item: item('in_progress', []) }),
      ev('response.content_part.added', { ...at, part: part('') }),
      ...deltas.map((d) => ev('response.output_text.delta', { ...at, delta: d, logprobs: [] })),
      ev('response.output_text.done', { ...at, text, logprobs: [] }),
      ev('response.content_part.done', { ...at, part: part(text) }),
      ev('response.output_item.done', { output_index: 0, item: item(status, [part(text)]) }),
      ev(incomplete ? 'response.incomplete' : 'response.completed', { response: done }),
    ];
    const stopAfter = fault.kind === 'cut' || fault.kind === 'stall' || fault.kind === 'error_event' ? fault.afterEvents : null;
    const chosen = stopAfter === null ? events : events.slice(0, stopAfter);
    if (fault.kind === 'error_event') chosen.push(ev('error', { code: 'server_error', message: fault.message ?? 'The server had an error while processing your request.', param: null }));
    const sent = chosen.map(([type, data], n) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: n, ...data })}\n\n`);
    // A connection lost between TCP segments, not between events: half of the next event is on the wire.
    if (fault.kind === 'cut' && fault.halfEvent && stopAfter !== null && stopAfter < events.length) {
      const [type, data] = events[stopAfter]!;
      const next = `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: stopAfter, ...data })}\n\n`;
      sent.push(next.slice(0, Math.floor(next.length / 2)));
    }
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.flushHeaders();
    for (const e of sent) {
      if (res.destroyed) return;
      await write(e);
      if (opts.eventDelayMs) await pause(opts.eventDelayMs);
    }
    if (fault.kind === 'cut') res.socket?.destroy();
    else if (fault.kind !== 'stall') res.end();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    setFaults(next) {
      faults = [...next];
    },
    close: () => closeServer(server),
  };
}


function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function errorBody(message: string, type: string, code: string | null) {
  return { error: { message, type, param: null, code } };
}

function statusBody(status: number, message?: string) {
  if (status === 429) return errorBody(message ?? 'Rate limit reached for requests. Please try again in 1s.', 'requests', 'rate_limit_exceeded');
  if (status >= 500) return errorBody(message ?? 'The server had an error while processing your request. Sorry about that!', 'server_error', null);
  return errorBody(message ?? `Request failed with status ${status}.`, 'invalid_request_error', null);
}

const words = (text: string): string[] => text.match(/\S+\s*|\s+/g) ?? [];
const pieces = (text: string, size: number): string[] => Array.from({ length: Math.ceil(text.length / size) }, (_, i) => text.slice(i * size, i * size + size));

function usageObject(a: FakeAnswer): Record<string, unknown> | null {
  if (a.usage === null) return null;
  const reasoningDeltas = words(a.reasoning ?? '').length;
  const u = a.usage ?? { prompt_tokens: 10, completion_tokens: words(a.answer ?? DEFAULT_ANSWER).length + reasoningDeltas, reasoning_tokens: reasoningDeltas };
  return {
    prompt_tokens: u.prompt_tokens,
    completion_tokens: u.completion_tokens,
    total_tokens: u.prompt_tokens + u.completion_tokens,
    ...(u.prompt_cache_hit_tokens !== undefined ? { prompt_cache_hit_tokens: u.prompt_cache_hit_tokens, prompt_cache_miss_tokens: u.prompt_tokens - u.prompt_cache_hit_tokens } : {}),
    // DeepSeek-style usage (prompt_cache_hit_tokens) comes without OpenAI's details unless both are given.
    ...(u.prompt_cache_hit_tokens === undefined || u.cached_tokens !== undefined ? { prompt_tokens_details: { cached_tokens: u.cached_tokens ?? 0 } } : {}),
    completion_tokens_details: { reasoning_tokens: u.reasoning_tokens ?? 0 },
  };
}

const DEFAULT_ANSWER = 'Hello from the fake OpenAI upstream.';

function finishOf(a: FakeAnswer): string {
  return a.finishReason ?? (a.toolCalls?.length ? 'tool_calls' : 'stop');
}

function completion(id: string, model: string, a: FakeAnswer) {
  const content = a.answer ?? (a.toolCalls?.length ? null : DEFAULT_ANSWER);
  const message: Record<string, unknown> = { role: 'assistant', content: content === '' && a.toolCalls?.length ? null : content };
  if (a.reasoning !== undefined) message.reasoning_content = a.reasoning;
  if (a.toolCalls?.length) message.tool_calls = a.toolCalls.map((t) => ({ id: t.id, type: 'function', function: { name: t.name, arguments: t.arguments } }));
  message.refusal = null;
  const usage = usageObject(a);
  return {
    id,
    object: 'chat.completion',
    created: 1700000000,
    model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishOf(a) }],
    ...(usage ? { usage } : {}),
    system_fingerprint: 'fp_fake',
  };
}

function streamEvents(id: string, model: string, a: FakeAnswer, usageMode: 'separate' | 'last_chunk' | 'never'): string[] {
  const usage = usageMode === 'never' ? null : usageObject(a);
  const nullUsage = usageMode === 'separate' && usage !== null;
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1700000000, model, system_fingerprint: 'fp_fake', choices, ...(nullUsage ? { usage: null } : {}), ...extra })}\n\n`;
  const delta = (d: Record<string, unknown>, finish: string | null = null) => ({ index: 0, delta: d, logprobs: null, finish_reason: finish });
  const out = [chunk([delta({ role: 'assistant', content: '' })])];
  for (const p of words(a.reasoning ?? '')) out.push(chunk([delta({ content: null, reasoning_content: p })]));
  for (const p of words(a.answer ?? (a.toolCalls?.length ? '' : DEFAULT_ANSWER))) out.push(chunk([delta({ content: p })]));
  (a.toolCalls ?? []).forEach((t, index) => {
    out.push(chunk([delta({ tool_calls: [{ index, id: t.id, type: 'function', function: { name: t.name, arguments: '' } }] })]));
    for (const p of pieces(t.arguments, 8)) out.push(chunk([delta({ tool_calls: [{ index, function: { arguments: p } }] })]));
  });
  out.push(chunk([delta({}, finishOf(a))], usageMode === 'last_chunk' && usage ? { usage } : {}));
  if (usageMode === 'separate' && usage) out.push(chunk([], { usage }));
  return out;
}

/** A recorded body from `test/fixtures/`. */
export function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
}

/** A linked contender from one config entry, e.g. `{ provider: 'openai', base_url: up.url, model: 'x' }`. */
export function linkedContender(def: Record<string, unknown>): Contender {
  const contender = buildConfig({ contenders: { c: def }, races: {} }, {}).contenders.get('c');
  if (!contender) throw new Error('contender not linked');
  return contender;
}

/** An `openai` contender pointed at a fake upstream. */
export function fakeOpenAIContender(url: string, extra: Record<string, unknown> = {}): Contender {
  return linkedContender({ provider: 'openai', model: 'fake-model', base_url: url, api_key: 'sk-fake-upstream-0123456789', ...extra });
}

/** Reads a reply's body to the end and waits for its outcome. */
export async function drainReply(reply: UpstreamReply): Promise<{ bytes: Buffer; chunks: number; outcome: CallOutcome }> {
  const parts: Buffer[] = [];
  for await (const chunk of reply.body) parts.push(Buffer.from(chunk));
  return { bytes: Buffer.concat(parts), chunks: parts.length, outcome: await reply.outcome };
}
