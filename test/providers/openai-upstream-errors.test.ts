/**
 * Failures before the client sees a byte reject `send()` (or the first read of the body) with an
 * UpstreamError that says whether the race layer may retry or fall back: 429 with its retry-after, 5xx,
 * resets and first-byte timeouts are retryable; a 400 is the client's own and goes nowhere else.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { OpenAIAdapter } from '../../src/providers/openai/adapter.js';
import type { UpstreamCall } from '../../src/providers/spec.js';
import { UpstreamError } from '../../src/providers/upstream-error.js';
import { fakeOpenAIContender, startFakeOpenAI, type FakeOpenAIFault } from '../support/fake-openai-upstream.js';

async function failure(t: TestContext, fault: FakeOpenAIFault, stream = false, extra: Record<string, unknown> = {}): Promise<UpstreamError> {
  const up = await startFakeOpenAI({ faults: [fault] });
  const adapter = new OpenAIAdapter();
  t.after(async () => {
    await adapter.close();
    await up.close();
  });
  const contender = fakeOpenAIContender(up.url, { timeouts: { first_byte_ms: 300, total_ms: 1500 }, ...extra });
  const call: UpstreamCall = { contender, body: { model: 'm', messages: [{ role: 'user', content: 'hi' }], stream }, stream, clientWantsUsage: false, captureText: false, requestId: 'r' };
  try {
    const reply = await adapter.send(call, new AbortController().signal);
    // A stream resolves at headers; its failure must come from the first read, as a thrown error.
    const it = reply.body[Symbol.asyncIterator]();
    await it.next();
    const outcome = await reply.outcome;
    assert.equal(outcome.ok, false, 'the outcome reports the failure too');
  } catch (err) {
    assert.ok(err instanceof UpstreamError, `an UpstreamError, got ${String(err)}`);
    assert.equal(up.requests.length, 1);
    return err;
  }
  assert.fail('expected a failure');
}

test('429 with retry-after is a retryable rate limit carrying the wait', async (t) => {
  const err = await failure(t, { kind: 'status', status: 429, retryAfter: '2' });
  assert.equal(err.code, 'upstream_rate_limited');
  assert.equal(err.retryable, true);
  assert.equal(err.retryAfterMs, 2000);
  assert.equal(err.upstreamStatus, 429);
  assert.match(err.message, /Rate limit reached/);
});

test('500 is retryable', async (t) => {
  const err = await failure(t, { kind: 'status', status: 500 });
  assert.equal(err.code, 'upstream_error');
  assert.equal(err.retryable, true);
  assert.equal(err.fallbackable, true);
  assert.equal(err.upstreamStatus, 500);
});

test('400 is neither retryable nor fallbackable', async (t) => {
  const err = await failure(t, { kind: 'status', status: 400, message: 'Invalid value for temperature' });
  assert.equal(err.code, 'upstream_bad_request');
  assert.equal(err.retryable, false);
  assert.equal(err.fallbackable, false);
  assert.match(err.message, /temperature/);
});

test('a connection reset before headers is retryable', async (t) => {
  const err = await failure(t, { kind: 'reset' });
  assert.equal(err.code, 'upstream_error');
  assert.equal(err.retryable, true);
  assert.equal(err.upstreamStatus, null);
});

for (const stream of [false, true]) {
  // A non-streaming server answers only when the whole completion is ready, so its limit is total_ms.
  test(`an upstream that hangs past its limit is a retryable upstream_timeout (${stream ? 'stream' : 'non-stream'}: first_byte_ms)`, async (t) => {
    const t0 = performance.now();
    const err = await failure(t, { kind: 'hang' }, stream);
    const waited = performance.now() - t0;
    assert.equal(err.code, 'upstream_timeout');
    assert.equal(err.phase, 'first_byte');
    assert.equal(err.retryable, true);
    // first_byte_ms bounds the wait for headers whether the call streams or not (total_ms is 1500 here).
    const limit = 300;
    // undici's timers are coarse (a few hundred ms) above one second.
    assert.ok(waited >= limit * 0.7 && waited < limit + 2500, `waited ${waited} ms`);
  });
}

test('a 200 with invalid JSON is a retryable first-byte failure: the client has seen nothing yet', async (t) => {
  const err = await failure(t, { kind: 'replay', body: '<html>502 Bad Gateway</html>', contentType: 'text/html' });
  assert.equal(err.code, 'upstream_error');
  assert.equal(err.phase, 'first_byte');
  assert.equal(err.retryable, true);
});

test('a non-streamed body cut half-way is a retryable first-byte failure', async (t) => {
  const err = await failure(t, { kind: 'cut', afterEvents: 0 });
  assert.equal(err.phase, 'first_byte');
  assert.equal(err.retryable, true);
});

test('a stream that sends headers then stalls before any event times out at first byte, retryable', async (t) => {
  const err = await failure(t, { kind: 'stall', afterEvents: 0 }, true);
  assert.equal(err.code, 'upstream_timeout');
  assert.match(err.message, /stalled for 300 ms/, 'the body timeout, not the headers timeout');
  assert.equal(err.phase, 'first_byte');
  assert.equal(err.retryable, true);
});

test('a stream whose first event is an OpenAI error event fails before the client sees it', async (t) => {
  const err = await failure(t, { kind: 'error_event', afterEvents: 0, message: 'model overloaded' }, true);
  assert.equal(err.phase, 'first_byte');
  assert.match(err.message, /model overloaded/);
});
