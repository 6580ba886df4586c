/**
 * A client that stops reading a stream must stop the upstream too: the gateway reads every upstream body through its
 * own queue (src/providers/upstream-dispatch.ts), which pauses the upstream socket once 64 kB wait, and writes to the
 * client only as fast as the client takes it, on every front door that streams (chat completions; the Responses API
 * and Anthropic Messages passed through; chat completions translated to Messages). Otherwise one slow (or hostile) reader makes the gateway hold whatever
 * the upstream can send. Here the upstream would send 64 MB as fast as its socket allows; the client reads nothing
 * for a while, and what the upstream got out in that time must stay near what the sockets' own buffers hold.
 */
import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { startTestGateway } from '../support/gateway.js';
import { closeServer, readBody } from '../support/loopback-server.js';

const TOTAL = 64 * 1024 * 1024;

interface Door {
  /** The contender's provider and any fields of its own. */
  contender: Record<string, unknown>;
  path: string;
  body: Record<string, unknown>;
  /** The upstream's events: `head` once, `event` until TOTAL bytes, `tail` once. */
  head: string;
  event: string;
  tail: string;
}

const sse = (type: string | null, data: unknown): string => `${type ? `event: ${type}\n` : ''}data: ${JSON.stringify(data)}\n\n`;

async function pausedClient(t: TestContext, door: Door): Promise<void> {
  let written = 0;
  let finished = false;
  const upstream = createServer(async (req, res) => {
    await readBody(req);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(door.head);
    while (written < TOTAL && !res.destroyed) {
      written += door.event.length;
      if (!res.write(door.event)) await new Promise((r) => res.once('drain', r).once('close', r));
    }
    if (!res.destroyed) {
      res.end(door.tail);
      finished = true;
    }
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  t.after(() => closeServer(upstream));
  const gw = await startTestGateway(t, {
    contenders: { m: { base_url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`, api_key: 'sk-upstream-test', model: 'm-1', price: { input: 1, output: 1, currency: 'CNY' }, timeouts: { first_byte_ms: 30_000, total_ms: 120_000 }, ...door.contender } },
  });

  const url = new URL(`${gw.url}${door.path}`);
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json' } }, resolve);
    req.on('error', reject);
    req.end(JSON.stringify(door.body));
  });
  assert.equal(res.statusCode, 200);
  res.pause();
  await new Promise((r) => setTimeout(r, 1500));
  const whilePaused = written;
  await new Promise((r) => setTimeout(r, 500));
  // Kernel socket buffers on two hops plus the gateway's queue: a few MB at most, far from the 64 MB on offer, and
  // no longer growing.
  assert.ok(whilePaused < 16 * 1024 * 1024, `the upstream wrote ${whilePaused} bytes to a client that read nothing`);
  assert.ok(written - whilePaused < 1024 * 1024, `the upstream kept writing while the client read nothing: ${whilePaused} → ${written}`);

  let received = 0;
  let tail = '';
  res.on('data', (c: Buffer) => {
    received += c.length;
    tail = (tail + c.toString('latin1')).slice(-4096);
  });
  res.resume();
  await new Promise((r) => res.on('end', r));
  assert.ok(finished, 'the upstream sent all of it once the client read again');
  assert.ok(received > TOTAL / 2, `the client received ${received} bytes`);
  assert.doesNotMatch(tail, /stream cut|upstream_stream_cut/, 'the stream ended whole');
}

const text = 'x'.repeat(4000);

test('a client that stops reading a stream pauses the upstream, and the rest still arrives once it reads again', async (t) => {
  const chunk = (delta: Record<string, unknown>, finish: string | null, usage?: unknown) => sse(null, { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm-1', choices: [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) });
  await pausedClient(t, {
    contender: { provider: 'openai' },
    path: '/v1/chat/completions',
    body: { model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] },
    head: '',
    event: chunk({ content: text }, null),
    tail: `${chunk({}, 'stop', { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 })}data: [DONE]\n\n`,
  });
});

test('the same on a Responses API stream passed through', async (t) => {
  const response = (status: string, extra: Record<string, unknown> = {}) => ({ id: 'resp_1', object: 'response', created_at: 1, model: 'm-1', status, output: [], ...extra });
  await pausedClient(t, {
    contender: { provider: 'openai', responses: true },
    path: '/v1/responses',
    body: { model: 'm', stream: true, input: 'hi' },
    head: sse('response.created', { type: 'response.created', sequence_number: 0, response: response('in_progress') }),
    event: sse('response.output_text.delta', { type: 'response.output_text.delta', sequence_number: 1, item_id: 'msg_1', output_index: 0, content_index: 0, delta: text }),
    tail: sse('response.completed', { type: 'response.completed', sequence_number: 2, response: response('completed', { usage: { input_tokens: 3, output_tokens: 5, total_tokens: 8 } }) }),
  });
});

const messageHead = sse('message_start', { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'm-1', content: [], stop_reason: null, usage: { input_tokens: 3, output_tokens: 1 } } }) + sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
const messageEvent = sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } });
const messageTail = sse('content_block_stop', { type: 'content_block_stop', index: 0 }) + sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 5 } }) + sse('message_stop', { type: 'message_stop' });

test('the same on an Anthropic Messages stream passed through', async (t) => {
  await pausedClient(t, {
    contender: { provider: 'anthropic' },
    path: '/v1/messages',
    body: { model: 'm', stream: true, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] },
    head: messageHead,
    event: messageEvent,
    tail: messageTail,
  });
});

test('the same on chat completions translated to an Anthropic Messages stream', async (t) => {
  await pausedClient(t, {
    contender: { provider: 'anthropic' },
    path: '/v1/chat/completions',
    body: { model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] },
    head: messageHead,
    event: messageEvent,
    tail: messageTail,
  });
});
