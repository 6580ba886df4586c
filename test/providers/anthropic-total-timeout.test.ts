/**
 * `timeouts.total_ms` holds for Anthropic calls as for every other (configuration.md): an answer still arriving when
 * the call runs out of time is ended there and the error names the limit, streamed (a cut after the first byte) or
 * whole (a failure before it, no retry). Here the stall limit is far longer, so only total_ms can end the calls.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createParser } from 'eventsource-parser';
import { AnthropicAdapter } from '../../src/providers/anthropic/adapter.js';
import type { UpstreamCall } from '../../src/providers/spec.js';
import { UpstreamError } from '../../src/providers/upstream-error.js';
import { fakeAnthropicContender, startFakeAnthropic } from '../support/fake-anthropic-upstream.js';
import { closeServer, readBody } from '../support/loopback-server.js';

const TIMEOUTS = { first_byte_ms: 5_000, total_ms: 300 };
const LIMIT = /no complete answer within 300 ms \(timeouts\.total_ms\)/;

test('a stream still trickling at total_ms is cut there, and the cut names the limit', async (t) => {
  // 4 characters every 40 ms: 1.6 s of text, far past total_ms, each event well within the stall limit.
  const fake = await startFakeAnthropic({ answer: { text: 'x'.repeat(160) }, chunkChars: 4, eventDelayMs: 40 });
  const adapter = new AnthropicAdapter();
  t.after(async () => {
    await adapter.close();
    await fake.close();
  });
  const call: UpstreamCall = { contender: fakeAnthropicContender(fake.url, { timeouts: TIMEOUTS }), body: { model: 'claude-test', messages: [{ role: 'user', content: 'hi' }] }, stream: true, clientWantsUsage: false, captureText: true, requestId: 'r' };
  const started = performance.now();
  const reply = await adapter.send(call, new AbortController().signal);
  const events: string[] = [];
  const parser = createParser({ onEvent: (e) => events.push(e.data) });
  for await (const c of reply.body) parser.feed(Buffer.from(c).toString('utf8'));
  const ms = performance.now() - started;
  const outcome = await reply.outcome;
  assert.ok(ms < 1_000, `ended at total_ms, not with the answer: ${Math.round(ms)} ms`);
  assert.equal(outcome.error?.code, 'upstream_stream_cut');
  assert.match(outcome.error?.message ?? '', LIMIT);
  const last = JSON.parse(events.at(-1)!) as { error?: { code: string; message: string } };
  assert.equal(last.error?.code, 'upstream_stream_cut');
  assert.match(last.error?.message ?? '', LIMIT);
});

test('a whole answer still arriving at total_ms fails there as upstream_timeout naming the limit', async (t) => {
  // Headers and the start of the body, then nothing: only the stall limit (5 s) or total_ms can end it.
  const upstream = createServer(async (req, res) => {
    await readBody(req);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"id":"msg_1","type":"message","role":"assistant",');
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const adapter = new AnthropicAdapter();
  t.after(async () => {
    await adapter.close();
    upstream.closeAllConnections();
    await closeServer(upstream);
  });
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const call: UpstreamCall = { contender: fakeAnthropicContender(url, { timeouts: TIMEOUTS }), body: { model: 'claude-test', messages: [{ role: 'user', content: 'hi' }] }, stream: false, clientWantsUsage: false, captureText: false, requestId: 'r' };
  const started = performance.now();
  const err = await adapter.send(call, new AbortController().signal).then(
    async (reply) => {
      for await (const _ of reply.body);
      return null;
    },
    (e: unknown) => e,
  );
  const ms = performance.now() - started;
  assert.ok(err instanceof UpstreamError, `failed with an UpstreamError: ${String(err)}`);
  assert.equal(err.code, 'upstream_timeout');
  assert.match(err.message, LIMIT);
  assert.equal(err.retryable, false);
  assert.ok(ms < 1_000, `ended at total_ms, not at the stall limit: ${Math.round(ms)} ms`);
});
