/**
 * Usage is always requested upstream for metering; a client that did not ask for it must not see the extra
 * usage-only chunk, and must see every other byte unchanged, however the upstream's writes are split.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { OpenAIAdapter } from '../../src/providers/openai/adapter.js';
import type { UpstreamCall } from '../../src/providers/spec.js';
import { drainReply, fakeOpenAIContender, fixture, startFakeOpenAI, type FakeOpenAIOptions } from '../support/fake-openai-upstream.js';

async function setup(t: TestContext, opts: FakeOpenAIOptions) {
  const up = await startFakeOpenAI(opts);
  const adapter = new OpenAIAdapter();
  t.after(async () => {
    await adapter.close();
    await up.close();
  });
  const contender = fakeOpenAIContender(up.url);
  const call: UpstreamCall = {
    contender,
    body: { model: contender.model, stream: true, messages: [{ role: 'user', content: 'hi' }] },
    stream: true,
    clientWantsUsage: false,
    captureText: false,
    requestId: 'req_test',
  };
  return { up, adapter, call };
}

/** The upstream's bytes minus its usage-only event. */
function withoutUsageEvent(sent: Buffer): string {
  const events = sent.toString().split(/(?<=\r?\n\r?\n)/);
  const usage = events.filter((e) => e.startsWith('data: ') && e.includes('"choices":[]') && e.includes('"usage":{'));
  assert.equal(usage.length, 1, 'the upstream sent one usage chunk');
  return events.filter((e) => !usage.includes(e)).join('');
}

for (const splitEvery of [undefined, 5, 64]) {
  test(`the usage chunk is hidden and nothing else changes (${splitEvery ? `writes of ${splitEvery} bytes` : 'whole events'})`, async (t) => {
    const { up, adapter, call } = await setup(t, { answer: 'alpha beta gamma', usage: { prompt_tokens: 7, completion_tokens: 3 }, ...(splitEvery ? { splitEvery } : {}) });
    const { bytes, outcome } = await drainReply(await adapter.send(call, new AbortController().signal));
    assert.equal((up.requests[0]!.body.stream_options as { include_usage: boolean }).include_usage, true, 'requested upstream');
    assert.equal(bytes.toString(), withoutUsageEvent(up.requests[0]!.sent));
    assert.doesNotMatch(bytes.toString(), /"usage":\{/);
    assert.match(bytes.toString(), /data: \[DONE\]\n\n$/);
    assert.equal(outcome.usage?.promptTokens, 7, 'still metered from the hidden chunk');
    assert.equal(outcome.usage?.completionTokens, 3);
  });
}

test('a recorded OpenAI stream replays with only its usage chunk removed', async (t) => {
  const body = fixture('openai-stream-usage.sse');
  const { adapter, call } = await setup(t, { faults: [{ kind: 'replay', body }] });
  const { bytes, outcome } = await drainReply(await adapter.send(call, new AbortController().signal));
  assert.equal(bytes.toString(), withoutUsageEvent(Buffer.from(body)));
  assert.equal(outcome.usage?.promptTokens, 1311);
});

test('usage inside the finish chunk (DeepSeek style) is never removed: that chunk carries the finish reason', async (t) => {
  const { up, adapter, call } = await setup(t, { answer: 'x y', usageMode: 'last_chunk', usage: { prompt_tokens: 4, completion_tokens: 2, prompt_cache_hit_tokens: 3 } });
  const { bytes, outcome } = await drainReply(await adapter.send(call, new AbortController().signal));
  assert.ok(bytes.equals(up.requests[0]!.sent));
  assert.equal(outcome.finishReason, 'stop');
  assert.deepEqual(outcome.usage, { promptTokens: 4, completionTokens: 2, reasoningTokens: 0, cachedTokens: 3, estimated: false });
});

test('an upstream with CRLF line endings gets the same treatment', async (t) => {
  const body = fixture('openai-stream-usage.sse').replace(/\n/g, '\r\n');
  const { adapter, call } = await setup(t, { faults: [{ kind: 'replay', body }] });
  const { bytes, outcome } = await drainReply(await adapter.send(call, new AbortController().signal));
  assert.equal(bytes.toString(), withoutUsageEvent(Buffer.from(body)));
  assert.ok(bytes.toString().endsWith('data: [DONE]\r\n\r\n'));
  assert.equal(outcome.usage?.cachedTokens, 1152);
  assert.equal(outcome.ok, true);
});
