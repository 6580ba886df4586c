/**
 * A fake OpenAI upstream that answers instantly, so a benchmark measures the proxy, not the model.
 * POST /v1/chat/completions returns a fixed chat.completion (with usage), or with `stream: true` 20 SSE
 * chunk events (role, 18 one-word deltas, finish), a usage chunk when `stream_options.include_usage` is set,
 * and `data: [DONE]`. All bytes are built once at start. Each event is its own write, as a real server's
 * tokens are, so a proxy sees several chunks; `--event-gap-ms` spaces them out to hold many streams open.
 *
 * Run as its own process: `zero-delay-upstream.js --port N [--event-gap-ms 0]`; prints `READY <port>`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';

const CREATED = 1_700_000_000;
const WORDS = 'Hello there, this is a zero delay upstream answering a benchmark request with eighteen short words.'.split(' ');

function chunk(delta: object, finish: string | null): Buffer {
  const event = { id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: CREATED, model: 'bench-model', choices: [{ index: 0, delta, finish_reason: finish }] };
  return Buffer.from(`data: ${JSON.stringify(event)}\n\n`);
}

const usage = { prompt_tokens: 12, completion_tokens: WORDS.length, total_tokens: 12 + WORDS.length };
const COMPLETION = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-bench', object: 'chat.completion', created: CREATED, model: 'bench-model',
    choices: [{ index: 0, message: { role: 'assistant', content: WORDS.join(' ') }, finish_reason: 'stop' }],
    usage,
  }),
);
const EVENTS: Buffer[] = [
  chunk({ role: 'assistant', content: '' }, null),
  ...WORDS.map((w, i) => chunk({ content: i === 0 ? w : ` ${w}` }, null)),
  chunk({}, 'stop'),
];
const USAGE_EVENT = Buffer.from(
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: CREATED, model: 'bench-model', choices: [], usage })}\n\n`,
);
const DONE = Buffer.from('data: [DONE]\n\n');
const JSON_HEADERS = { 'content-type': 'application/json', 'content-length': String(COMPLETION.length) };
const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };

function stream(res: ServerResponse, withUsage: boolean, gapMs: number): void {
  const events = withUsage ? [...EVENTS, USAGE_EVENT, DONE] : [...EVENTS, DONE];
  res.writeHead(200, SSE_HEADERS);
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

function handle(req: IncomingMessage, res: ServerResponse, gapMs: number): void {
  if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
    res.writeHead(req.url === '/health' ? 200 : 404).end();
    return;
  }
  const parts: Buffer[] = [];
  req.on('data', (c: Buffer) => parts.push(c));
  req.on('end', () => {
    let body: { stream?: unknown; stream_options?: { include_usage?: unknown } };
    try {
      body = JSON.parse(Buffer.concat(parts).toString('utf8')) as typeof body;
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"bad json","type":"invalid_request_error"}}');
      return;
    }
    if (body.stream === true) stream(res, body.stream_options?.include_usage === true, gapMs);
    else res.writeHead(200, JSON_HEADERS).end(COMPLETION);
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
