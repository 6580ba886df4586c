/**
 * What the side parser learns from an OpenAI-protocol reply: usage with reasoning and cached tokens (in the
 * places different vendors put them), finish reason, TTFT, and the answer text when captured or when usage is
 * missing (so the gateway can estimate it).
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
  const make = (stream: boolean, extra: Partial<UpstreamCall> = {}): UpstreamCall => ({
    contender,
    body: { model: contender.model, messages: [{ role: 'user', content: 'hi' }], ...(stream ? { stream: true } : {}) },
    stream,
    clientWantsUsage: false,
    captureText: false,
    requestId: 'req_test',
    ...extra,
  });
  return { up, adapter, make };
}

const signal = () => new AbortController().signal;

test('a recorded OpenAI stream yields its usage, reasoning and cached tokens, finish reason, TTFT and text', async (t) => {
  const { adapter, make } = await setup(t, { faults: [{ kind: 'replay', body: fixture('openai-stream-usage.sse') }] });
  const { outcome } = await drainReply(await adapter.send(make(true, { captureText: true, clientWantsUsage: true }), signal()));
  assert.deepEqual(outcome.usage, { promptTokens: 1311, completionTokens: 212, reasoningTokens: 192, cachedTokens: 1152, estimated: false });
  assert.equal(outcome.finishReason, 'stop');
  assert.equal(outcome.text, 'The capital of France is Paris — «Paris» in French too. 🇫🇷');
  assert.ok(outcome.ttftMs !== null && outcome.ttftMs >= 0 && outcome.ttftMs < 5000, `ttft ${outcome.ttftMs}`);
  assert.equal(outcome.ok, true);
});

for (const stream of [false, true]) {
  test(`usage with reasoning and cached tokens is read, text only when captured (${stream ? 'stream' : 'non-stream'})`, async (t) => {
    const { adapter, make } = await setup(t, { answer: 'ok then', usage: { prompt_tokens: 1000, completion_tokens: 500, reasoning_tokens: 200, cached_tokens: 400 } });
    const plain = await drainReply(await adapter.send(make(stream), signal()));
    assert.deepEqual(plain.outcome.usage, { promptTokens: 1000, completionTokens: 500, reasoningTokens: 200, cachedTokens: 400, estimated: false });
    assert.equal(plain.outcome.finishReason, 'stop');
    assert.equal(plain.outcome.text, null, 'not captured, and usage is known');
    const captured = await drainReply(await adapter.send(make(stream, { captureText: true }), signal()));
    assert.equal(captured.outcome.text, 'ok then');
  });

  test(`DeepSeek's prompt_cache_hit_tokens count as cached tokens (${stream ? 'stream' : 'non-stream'})`, async (t) => {
    const { adapter, make } = await setup(t, { usageMode: 'last_chunk', usage: { prompt_tokens: 90, completion_tokens: 5, prompt_cache_hit_tokens: 64 } });
    const { outcome } = await drainReply(await adapter.send(make(stream), signal()));
    assert.equal(outcome.usage?.cachedTokens, 64);
    assert.equal(outcome.usage?.promptTokens, 90);
  });

  test(`an upstream without usage leaves usage null and keeps the text for the estimate (${stream ? 'stream' : 'non-stream'})`, async (t) => {
    const { adapter, make } = await setup(t, { answer: 'five words are in here', usage: null });
    const { outcome } = await drainReply(await adapter.send(make(stream), signal()));
    assert.equal(outcome.usage, null);
    assert.equal(outcome.text, 'five words are in here');
    assert.equal(outcome.ok, true);
  });
}

test('a finish reason other than stop is reported (length, tool_calls)', async (t) => {
  const { adapter, make } = await setup(t, { faults: [{ kind: 'ok', finishReason: 'length' }, { kind: 'ok', answer: '', toolCalls: [{ id: 'c1', name: 'f', arguments: '{}' }] }] });
  assert.equal((await drainReply(await adapter.send(make(true), signal()))).outcome.finishReason, 'length');
  assert.equal((await drainReply(await adapter.send(make(false), signal()))).outcome.finishReason, 'tool_calls');
});
