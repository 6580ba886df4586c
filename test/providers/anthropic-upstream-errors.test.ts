/**
 * Failures before anything reaches the client reject (or throw from the body iterator) as UpstreamError,
 * with Anthropic's statuses and in-stream errors mapped to the gateway's retry and fallback policy.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { AnthropicAdapter } from '../../src/providers/anthropic/adapter.js';
import type { UpstreamCall, UpstreamReply } from '../../src/providers/spec.js';
import { UpstreamError } from '../../src/providers/upstream-error.js';
import { fakeAnthropicContender, startFakeAnthropic, type FakeAnthropicFault } from '../support/fake-anthropic-upstream.js';

async function setup(t: TestContext) {
  // A pause between events, so they reach the adapter in separate reads as a real stream does.
  const fake = await startFakeAnthropic({ answer: { text: 'a fine answer' }, eventDelayMs: 5 });
  const adapter = new AnthropicAdapter();
  t.after(async () => {
    await adapter.close();
    await fake.close();
  });
  const contender = fakeAnthropicContender(fake.url, { timeouts: { first_byte_ms: 300 } });
  /** One attempt as the race layer makes it: send, then read the first body chunk. */
  const attempt = async (fault: FakeAnthropicFault, stream: boolean): Promise<{ reply: UpstreamReply; first: Uint8Array | undefined }> => {
    fake.setFaults([fault]);
    const call: UpstreamCall = { contender, body: { model: 'claude-test', messages: [{ role: 'user', content: 'hi' }] }, stream, clientWantsUsage: false, captureText: false, requestId: 'r' };
    const reply = await adapter.send(call, new AbortController().signal);
    const head = await reply.body[Symbol.asyncIterator]().next();
    return { reply, first: head.done ? undefined : head.value };
  };
  return { fake, attempt };
}

function upstreamError(check: (e: UpstreamError) => void) {
  return (err: unknown) => {
    assert.ok(err instanceof UpstreamError, `expected UpstreamError, got ${String(err)}`);
    check(err);
    return true;
  };
}

test('HTTP statuses: 529 and 429 are retryable with retry-after, 400 is the client’s, 401 falls back', async (t) => {
  const { attempt } = await setup(t);
  await assert.rejects(attempt({ kind: 'status', status: 529, retryAfter: '2', message: 'Overloaded' }, true), upstreamError((e) => {
    assert.equal(e.code, 'upstream_error');
    assert.equal(e.upstreamStatus, 529);
    assert.equal(e.retryable, true);
    assert.equal(e.fallbackable, true);
    assert.equal(e.retryAfterMs, 2000);
    assert.equal(e.phase, 'headers');
    assert.match(e.message, /Overloaded/);
  }));
  await assert.rejects(attempt({ kind: 'status', status: 429, retryAfter: '1' }, false), upstreamError((e) => {
    assert.equal(e.code, 'upstream_rate_limited');
    assert.equal(e.retryable, true);
    assert.equal(e.retryAfterMs, 1000);
  }));
  await assert.rejects(attempt({ kind: 'status', status: 400, message: 'messages: roles must alternate' }, false), upstreamError((e) => {
    assert.equal(e.code, 'upstream_bad_request');
    assert.equal(e.retryable, false);
    assert.equal(e.fallbackable, false);
    assert.match(e.message, /roles must alternate/);
  }));
  await assert.rejects(attempt({ kind: 'status', status: 401 }, false), upstreamError((e) => {
    assert.equal(e.retryable, false);
    assert.equal(e.fallbackable, true);
  }));
});

test('network failures before headers and before the first byte are retryable', async (t) => {
  const { attempt } = await setup(t);
  await assert.rejects(attempt({ kind: 'reset' }, true), upstreamError((e) => {
    assert.equal(e.retryable, true);
    assert.equal(e.phase, 'connect');
  }));
  await assert.rejects(attempt({ kind: 'hang' }, true), upstreamError((e) => {
    assert.equal(e.code, 'upstream_timeout');
    assert.equal(e.retryable, true);
  }));
  // A non-streaming body cut half-way: nothing was sent to the client yet.
  await assert.rejects(attempt({ kind: 'cut', afterEvents: 0 }, false), upstreamError((e) => {
    assert.equal(e.phase, 'first_byte');
    assert.equal(e.retryable, true);
  }));
});

test('a stream that fails before its first delta throws a first_byte error from the body, and the outcome says so', async (t) => {
  const { attempt } = await setup(t);
  for (const fault of [
    { kind: 'error_event', afterEvents: 2, errorType: 'overloaded_error', message: 'Overloaded' },
    { kind: 'cut', afterEvents: 3 }, // message_start, ping, content_block_start: no delta yet
  ] satisfies FakeAnthropicFault[]) {
    let reply: UpstreamReply | undefined;
    const call = attempt(fault, true).then((r) => {
      reply = r.reply;
      return r;
    });
    await assert.rejects(call, upstreamError((e) => {
      assert.equal(e.phase, 'first_byte', fault.kind);
      assert.equal(e.retryable, true, fault.kind);
      if (fault.kind === 'error_event') assert.match(e.message, /overloaded_error: Overloaded/);
    }));
    assert.equal(reply, undefined);
  }
  // The outcome of such an attempt settles too (the race layer may still await it).
  const fake2 = await startFakeAnthropic();
  t.after(() => fake2.close());
  fake2.setFaults([{ kind: 'error_event', afterEvents: 1 }]);
  const adapter = new AnthropicAdapter();
  t.after(() => adapter.close());
  const contender = fakeAnthropicContender(fake2.url);
  const reply = await adapter.send({ contender, body: { model: 'm', messages: [{ role: 'user', content: 'x' }] }, stream: true, clientWantsUsage: false, captureText: false, requestId: 'r' }, new AbortController().signal);
  await assert.rejects(reply.body[Symbol.asyncIterator]().next(), UpstreamError);
  const outcome = await reply.outcome;
  assert.equal(outcome.ok, false);
  assert.equal(outcome.error?.phase, 'first_byte');
});

test('an invalid_request_error event is not retried and not fallen back from', async (t) => {
  const { attempt } = await setup(t);
  await assert.rejects(attempt({ kind: 'error_event', afterEvents: 1, errorType: 'invalid_request_error', message: 'prompt is too long' }, true), upstreamError((e) => {
    assert.equal(e.code, 'upstream_bad_request');
    assert.equal(e.retryable, false);
    assert.equal(e.fallbackable, false);
  }));
});
