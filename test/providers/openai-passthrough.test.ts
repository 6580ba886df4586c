/**
 * The `openai` adapter hands the upstream's bytes to the client unchanged, streamed or not; the only bytes it
 * removes are the usage chunk it requested for a client that did not ask for usage (see openai-usage-hiding).
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { OpenAIAdapter } from '../../src/providers/openai/adapter.js';
import type { UpstreamCall } from '../../src/providers/spec.js';
import { drainReply, fakeOpenAIContender, startFakeOpenAI, type FakeOpenAIOptions } from '../support/fake-openai-upstream.js';

async function setup(t: TestContext, opts: FakeOpenAIOptions) {
  const up = await startFakeOpenAI(opts);
  const adapter = new OpenAIAdapter();
  t.after(async () => {
    await adapter.close();
    await up.close();
  });
  return { up, adapter, contender: fakeOpenAIContender(up.url) };
}

function call(contender: UpstreamCall['contender'], stream: boolean, extra: Partial<UpstreamCall> = {}, body: Record<string, unknown> = {}): UpstreamCall {
  return {
    contender,
    body: { model: contender.model, messages: [{ role: 'user', content: 'Say hello' }], ...(stream ? { stream: true } : {}), ...body },
    stream,
    clientWantsUsage: false,
    captureText: false,
    requestId: 'req_test',
    ...extra,
  };
}

test('a non-streamed completion reaches the client byte for byte, reasoning and tool calls included', async (t) => {
  const { up, adapter, contender } = await setup(t, {
    answer: 'Héllo — 你好!',
    reasoning: 'Greet back.',
    toolCalls: [{ id: 'call_1', name: 'wave', arguments: '{"hand":"left"}' }],
  });
  const reply = await adapter.send(call(contender, false), new AbortController().signal);
  assert.equal(reply.status, 200);
  assert.equal(reply.contentType, 'application/json');
  const { bytes, outcome } = await drainReply(reply);
  assert.ok(up.requests[0]!.sent.length > 100);
  assert.ok(bytes.equals(up.requests[0]!.sent), 'identical bytes');
  assert.equal(outcome.ok, true);
  assert.equal(outcome.finishReason, 'tool_calls');
});

test('a stream whose client asked for usage reaches it byte for byte, usage chunk included', async (t) => {
  const { up, adapter, contender } = await setup(t, { answer: 'one two three', reasoning: 'think', eventDelayMs: 2 });
  const reply = await adapter.send(call(contender, true, { clientWantsUsage: true }, { stream_options: { include_usage: true } }), new AbortController().signal);
  assert.equal(reply.contentType, 'text/event-stream');
  const { bytes, chunks, outcome } = await drainReply(reply);
  const sent = up.requests[0]!.sent;
  assert.match(sent.toString(), /"choices":\[\],"usage":\{/);
  assert.ok(bytes.equals(sent), 'identical bytes');
  assert.ok(chunks > 1, 'forwarded as it arrived, not buffered whole');
  assert.equal(outcome.ok, true);
  assert.equal(outcome.usage?.completionTokens, 4);
});

test('events and UTF-8 characters split across reads still arrive unchanged', async (t) => {
  const { up, adapter, contender } = await setup(t, { answer: 'Grüße aus 杭州 🎉 und mehr', splitEvery: 7, eventDelayMs: 1 });
  const reply = await adapter.send(call(contender, true, { clientWantsUsage: true, captureText: true }, { stream_options: { include_usage: true } }), new AbortController().signal);
  const { bytes, chunks, outcome } = await drainReply(reply);
  assert.ok(bytes.equals(up.requests[0]!.sent));
  assert.ok(chunks > 3);
  assert.equal(outcome.text, 'Grüße aus 杭州 🎉 und mehr', 'the side parser decodes split characters');
});
