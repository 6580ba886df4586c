/**
 * A fake upstream that answers instantly, so a benchmark measures the proxy, not the model. It speaks four APIs, the
 * three that generate answering the same 18 words with usage:
 * - OpenAI chat completions, `POST /v1/chat/completions`: a chat.completion, or with `stream: true` 20 SSE chunk
 *   events (role, 18 one-word deltas, finish), a usage chunk when `stream_options.include_usage` is set, and
 *   `data: [DONE]`.
 * - Anthropic's Messages API, `POST /v1/messages`: a `message` object, or with `stream: true` `message_start`,
 *   `content_block_start`, 18 `content_block_delta` text deltas, `content_block_stop`, `message_delta` (stop reason,
 *   output usage) and `message_stop`, each with its `event:` line.
 * - OpenAI's Responses API, `POST /v1/responses`: a `response` object, or with `stream: true` `response.created`,
 *   `response.in_progress`, `response.output_item.added`, `response.content_part.added`, 18
 *   `response.output_text.delta`, `response.output_text.done`, `response.content_part.done`,
 *   `response.output_item.done` and `response.completed` (with usage), numbered by `sequence_number` from 0.
 * - OpenAI embeddings, `POST /v1/embeddings`: one 256-dimension vector, as floats or (`encoding_format: "base64"`,
 *   the official SDKs' default) little-endian float32s in base64, with usage.
 * All bytes are built once at start. Each event is its own write, as a real server's tokens are, so a proxy sees
 * several chunks; `--event-gap-ms` spaces them out to hold many streams open.
 *
 * Run as its own process: `zero-delay-upstream.js --port N [--event-gap-ms 0]`; prints `READY <port>`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';

const CREATED = 1_700_000_000;
const WORDS = 'Hello there, this is a zero delay upstream answering a benchmark request with just eighteen short plain words.'.split(' ');

function chunk(delta: object, finish: string | null): Buffer {
  const event = { id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: CREATED, model: 'bench-model', choices: [{ index: 0, delta, finish_reason: finish }] };
  return Buffer.from(`data: ${JSON.stringify(event)}\n\n`);
}

const usage = { prompt_tokens: 12, completion_tokens: WORDS.length, total_tokens: 12 + WORDS.length };
const EVENTS: Buffer[] = [
  chunk({ role: 'assistant', content: '' }, null),
  ...WORDS.map((w, i) => chunk({ content: i === 0 ? w : ` ${w}` }, null)),
  chunk({}, 'stop'),
];
const USAGE_EVENT = Buffer.from(
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: CREATED, model: 'bench-model', choices: [], usage })}\n\n`,
);
const DONE = Buffer.from('data: [DONE]\n\n');
const CHAT_EVENTS = [...EVENTS, DONE];
const CHAT_EVENTS_USAGE = [...EVENTS, USAGE_EVENT, DONE];
const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };

/** A JSON answer with its headers, built once. */
function json(body: object, headers: Record<string, string> = {}): { bytes: Buffer; headers: Record<string, string> } {
  const bytes = Buffer.from(JSON.stringify(body));
  return { bytes, headers: { 'content-type': 'application/json', 'content-length': String(bytes.length), ...headers } };
}

/** One named SSE event, as Anthropic's and the Responses API send them: `event:` then `data:`. */
const named = (type: string, data: object): Buffer => Buffer.from(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);

const TEXT = WORDS.join(' ');
const DELTAS = WORDS.map((w, i) => (i === 0 ? w : ` ${w}`));

// Anthropic's Messages API (version 2023-06-01).
const ANTHROPIC_HEADERS = { 'request-id': 'req_bench' };
const anthropicUsage = { input_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: WORDS.length };
const message = (content: object[], stop: string | null, u: object) => ({ id: 'msg_bench', type: 'message', role: 'assistant', model: 'bench-model', content, stop_reason: stop, stop_sequence: null, usage: u });
const MESSAGE = json(message([{ type: 'text', text: TEXT }], 'end_turn', anthropicUsage), ANTHROPIC_HEADERS);
const MESSAGE_EVENTS: Buffer[] = [
  named('message_start', { message: message([], null, { ...anthropicUsage, output_tokens: 1 }) }),
  named('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
  ...DELTAS.map((text) => named('content_block_delta', { index: 0, delta: { type: 'text_delta', text } })),
  named('content_block_stop', { index: 0 }),
  named('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: WORDS.length } }),
  named('message_stop', {}),
];

// OpenAI's Responses API. The id is fixed: the benchmark's clients send `store: false`, so none is continued.
const RESPONSE_ID = 'resp_bench0000000000000000000000000000000000000000';
const ITEM_ID = 'msg_bench0000000000000000000000000000000000000000';
const responsesUsage = { input_tokens: 12, input_tokens_details: { cached_tokens: 0 }, output_tokens: WORDS.length, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 12 + WORDS.length };
const part = (text: string) => ({ type: 'output_text', annotations: [], logprobs: [], text });
const item = (status: string, content: object[]) => ({ id: ITEM_ID, type: 'message', status, content, role: 'assistant' });
const response = (status: string, output: object[], u: object | null) => ({
  id: RESPONSE_ID, object: 'response', created_at: CREATED, status, background: false, error: null, incomplete_details: null,
  instructions: null, max_output_tokens: null, model: 'bench-model', output, parallel_tool_calls: true, previous_response_id: null,
  reasoning: { effort: null, summary: null }, store: false, temperature: 1, text: { format: { type: 'text' } }, tool_choice: 'auto',
  tools: [], top_p: 1, truncation: 'disabled', usage: u, user: null, metadata: {},
});
const COMPLETED = response('completed', [item('completed', [part(TEXT)])], responsesUsage);
const RESPONSE = json(COMPLETED);
const at = { item_id: ITEM_ID, output_index: 0, content_index: 0 };
const RESPONSE_EVENTS: Buffer[] = [
  ['response.created', { response: response('in_progress', [], null) }],
  ['response.in_progress', { response: response('in_progress', [], null) }],
  ['response.output_item.added', { output_index: 0, item: item('in_progress', []) }],
  ['response.content_part.added', { ...at, part: part('') }],
  ...DELTAS.map((delta) => ['response.output_text.delta', { ...at, delta, logprobs: [] }]),
  ['response.output_text.done', { ...at, text: TEXT, logprobs: [] }],
  ['response.content_part.done', { ...at, part: part(TEXT) }],
  ['response.output_item.done', { output_index: 0, item: item('completed', [part(TEXT)]) }],
  ['response.completed', { response: COMPLETED }],
].map(([type, data], n) => named(type as string, { sequence_number: n, ...(data as object) }));

// OpenAI's embeddings API: one fixed vector (of about unit length), in both of its encodings.
const DIMS = 256;
const VECTOR = Float32Array.from({ length: DIMS }, (_, i) => Math.sin(i + 1) / Math.sqrt(DIMS / 2));
const embeddings = (embedding: number[] | string) => json({
  object: 'list', data: [{ object: 'embedding', index: 0, embedding }], model: 'bench-model', usage: { prompt_tokens: 6, total_tokens: 6 },
});
const EMBEDDING_FLOATS = embeddings(Array.from(VECTOR));
const EMBEDDING_BASE64 = embeddings(Buffer.from(VECTOR.buffer).toString('base64'));

const CHAT = json({
  id: 'chatcmpl-bench', object: 'chat.completion', created: CREATED, model: 'bench-model',
  choices: [{ index: 0, message: { role: 'assistant', content: TEXT }, finish_reason: 'stop' }],
  usage,
});

function stream(res: ServerResponse, events: readonly Buffer[], headers: Record<string, string>, gapMs: number): void {
  res.writeHead(200, { ...SSE_HEADERS, ...headers });
  if (gapMs <= 0) {
    for (const e of events) res.write(e);
    res.end();
    return;
  }
  let i = 0;
  const next = (): void => {
    if (res.destroyed) return;
    res.write(events[i++]);
    if (i < events.length) setTimeout(next, gapMs);
    else res.end();
  };
  next();
}

type Wire = 'chat' | 'messages' | 'responses' | 'embeddings';
const wireOf = (url: string): Wire | undefined =>
  url.endsWith('/chat/completions') ? 'chat' : url === '/v1/messages' ? 'messages' : url === '/v1/responses' ? 'responses' : url === '/v1/embeddings' ? 'embeddings' : undefined;
type Body = { stream?: unknown; stream_options?: { include_usage?: unknown }; encoding_format?: unknown };

function answer(res: ServerResponse, wire: Wire, body: Body, gapMs: number): void {
  if (wire === 'embeddings') {
    const one = body.encoding_format === 'base64' ? EMBEDDING_BASE64 : EMBEDDING_FLOATS;
    res.writeHead(200, one.headers).end(one.bytes);
    return;
  }
  const one = wire === 'chat' ? CHAT : wire === 'messages' ? MESSAGE : RESPONSE;
  if (body.stream !== true) {
    res.writeHead(200, one.headers).end(one.bytes);
    return;
  }
  if (wire === 'messages') stream(res, MESSAGE_EVENTS, ANTHROPIC_HEADERS, gapMs);
  else if (wire === 'responses') stream(res, RESPONSE_EVENTS, {}, gapMs);
  else stream(res, body.stream_options?.include_usage === true ? CHAT_EVENTS_USAGE : CHAT_EVENTS, {}, gapMs);
}

function handle(req: IncomingMessage, res: ServerResponse, gapMs: number): void {
  const wire = req.method === 'POST' ? wireOf(req.url ?? '') : undefined;
  if (!wire) {
    res.writeHead(req.url === '/health' ? 200 : 404).end();
    return;
  }
  const parts: Buffer[] = [];
  req.on('data', (c: Buffer) => parts.push(c));
  req.on('end', () => {
    let body: Body;
    try {
      body = JSON.parse(Buffer.concat(parts).toString('utf8')) as typeof body;
    } catch {
      if (wire === 'messages') res.writeHead(400, { 'content-type': 'application/json' }).end('{"type":"error","error":{"type":"invalid_request_error","message":"bad json"}}');
      else res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"bad json","type":"invalid_request_error"}}');
      return;
    }
    answer(res, wire, body, gapMs);
  });
}

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, 'event-gap-ms': { type: 'string', default: '0' } } });
const gapMs = Number(values['event-gap-ms']);
const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => handle(req, res, gapMs));
server.listen(Number(values.port), '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`READY ${typeof addr === 'object' && addr ? addr.port : values.port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
