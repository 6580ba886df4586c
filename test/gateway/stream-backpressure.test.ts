/**
 * A client that stops reading a stream must stop the upstream too: the gateway reads the upstream's body through its
 * own queue (src/providers/upstream-dispatch.ts), which pauses the upstream socket once 64 kB wait, and writes to the
 * client only as fast as the client takes it. Otherwise one slow (or hostile) reader makes the gateway hold whatever
 * the upstream can send. Here the upstream would send 64 MB as fast as its socket allows; the client reads nothing
 * for a while, and what the upstream got out in that time must stay near what the sockets' own buffers hold.
 */
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { startTestGateway } from '../support/gateway.js';
import { closeServer, readBody } from '../support/loopback-server.js';

const TOTAL = 64 * 1024 * 1024;

test('a client that stops reading a stream pauses the upstream, and the rest still arrives once it reads again', async (t) => {
  let written = 0;
  let finished = false;
  const upstream = createServer(async (req, res) => {
    await readBody(req);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const event = `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm-1', choices: [{ index: 0, delta: { content: 'x'.repeat(4000) }, finish_reason: null }] })}\n\n`;
    while (written < TOTAL && !res.destroyed) {
      written += event.length;
      if (!res.write(event)) await new Promise((r) => res.once('drain', r).once('close', r));
    }
    if (!res.destroyed) {
      res.write(`data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm-1', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 } })}\n\ndata: [DONE]\n\n`);
      res.end();
      finished = true;
    }
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  t.after(() => closeServer(upstream));
  const gw = await startTestGateway(t, {
    contenders: { m: { provider: 'openai', base_url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`, api_key: 'sk-upstream-test', model: 'm-1', price: { input: 1, output: 1, currency: 'CNY' }, timeouts: { first_byte_ms: 30_000, total_ms: 120_000 } } },
  });

  const url = new URL(`${gw.url}/v1/chat/completions`);
  const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json' } }, resolve);
    req.on('error', reject);
    req.end(JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] }));
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
  res.on('data', (c: Buffer) => (received += c.length));
  res.resume();
  await new Promise((r) => res.on('end', r));
  assert.ok(finished, 'the upstream sent all of it once the client read again');
  assert.ok(received > TOTAL, `the client received ${received} bytes`);
});
