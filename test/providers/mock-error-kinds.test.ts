/**
 * Each injected fault of the simulator fails the way the real one does through the `openai` adapter, so the
 * race layer's retries, fallbacks and cut handling can be exercised without a network.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MockAdapter } from '../../src/providers/mock/adapter.js';
import type { UpstreamCall } from '../../src/providers/spec.js';
import { UpstreamError } from '../../src/providers/upstream-error.js';
import { drainReply, linkedContender } from '../support/fake-openai-upstream.js';

function call(kind: string, stream: boolean, extra: Record<string, unknown> = {}): UpstreamCall {
  const contender = linkedContender({
    provider: 'mock',
    model: 'm',
    timeouts: { first_byte_ms: 150 },
    mock: { error_rate: 1, error_kinds: [kind], default_answer: 'one two three four five six seven eight', ...extra },
  });
  return { contender, body: { messages: [{ role: 'user', content: 'hi' }] }, stream, clientWantsUsage: false, captureText: true, requestId: 'r' };
}

async function rejection(c: UpstreamCall, signal = new AbortController().signal): Promise<UpstreamError> {
  const adapter = new MockAdapter();
  try {
    await adapter.send(c, signal);
  } catch (err) {
    assert.ok(err instanceof UpstreamError);
    return err;
  } finally {
    await adapter.close();
  }
  assert.fail('expected a rejection');
}

test('http_500, http_503 and http_429 reject like the real statuses', async () => {
  const e500 = await rejection(call('http_500', false));
  assert.deepEqual([e500.code, e500.upstreamStatus, e500.retryable, e500.phase], ['upstream_error', 500, true, 'headers']);
  const e503 = await rejection(call('http_503', true));
  assert.deepEqual([e503.code, e503.upstreamStatus, e503.retryable], ['upstream_error', 503, true]);
  const e429 = await rejection(call('http_429', false));
  assert.deepEqual([e429.code, e429.upstreamStatus, e429.retryable, e429.retryAfterMs], ['upstream_rate_limited', 429, true, 1000]);
});

test('reset is a retryable network error before headers, after the latency', async () => {
  const t0 = performance.now();
  const err = await rejection(call('reset', false, { latency_ms: 60 }));
  assert.ok(performance.now() - t0 >= 55);
  assert.deepEqual([err.code, err.phase, err.retryable, err.upstreamStatus], ['upstream_error', 'connect', true, null]);
});

test('hang answers nothing until first_byte_ms, then a retryable upstream_timeout', async () => {
  const t0 = performance.now();
  const err = await rejection(call('hang', true));
  const waited = performance.now() - t0;
  assert.ok(waited >= 145 && waited < 1000, `waited ${waited}`);
  assert.deepEqual([err.code, err.phase, err.retryable], ['upstream_timeout', 'first_byte', true]);
});

test('an abort ends a hang at once and leaves no timer behind', async () => {
  const c = call('hang', false);
  const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 20);
  const t0 = performance.now();
  const err = await rejection({ ...c, contender: { ...c.contender, timeouts: { ...c.contender.timeouts, firstByteMs: 60_000 } } }, ac.signal);
  assert.ok(performance.now() - t0 < 1000);
  assert.equal(err.retryable, false);
  assert.equal(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length, timersBefore);
});

test('cut on a stream: the first tokens, then one upstream_stream_cut event and no [DONE]', async () => {
  const adapter = new MockAdapter();
  const reply = await adapter.send(call('cut', true, { tokens_per_s: 400 }), new AbortController().signal);
  const { bytes, chunks, outcome } = await drainReply(reply);
  await adapter.close();
  const text = bytes.toString();
  assert.ok(chunks >= 2, 'content went out before the cut');
  assert.doesNotMatch(text, /\[DONE\]/);
  assert.match(text, /\n\ndata: \{"error":\{"message":"[^"]*","type":"api_error","param":null,"code":"upstream_stream_cut"\}\}\n\n$/);
  assert.equal(outcome.ok, false);
  assert.equal(outcome.error?.code, 'upstream_stream_cut');
  assert.equal(outcome.error?.phase, 'mid_stream');
  assert.ok(outcome.text && 'one two three four five six seven eight'.startsWith(outcome.text) && outcome.text.length < 30, `partial text ${outcome.text}`);
  assert.equal(outcome.usage, null, 'a cut stream loses its usage, as a real one does');
});

test('cut without streaming is a retryable failure before the client sees a byte', async () => {
  const err = await rejection(call('cut', false));
  assert.deepEqual([err.code, err.phase, err.retryable], ['upstream_error', 'first_byte', true]);
});

test('error_rate 0 never fails, whatever the kinds', async () => {
  const c = call('http_500', false, { error_rate: 0 });
  const adapter = new MockAdapter();
  for (let i = 0; i < 20; i++) assert.equal((await drainReply(await adapter.send(c, new AbortController().signal))).outcome.ok, true);
  await adapter.close();
});
