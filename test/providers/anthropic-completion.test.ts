/** A non-streaming Messages answer comes back as an OpenAI `chat.completion`, with usage counted OpenAI's way. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type OpenAI from 'openai';
import { AnthropicAdapter } from '../../src/providers/anthropic/adapter.js';
import type { UpstreamCall } from '../../src/providers/spec.js';
import { fakeAnthropicContender, startFakeAnthropic, type FakeAnthropicAnswer } from '../support/fake-anthropic-upstream.js';

async function complete(t: import('node:test').TestContext, answer: FakeAnthropicAnswer, captureText = true) {
  const fake = await startFakeAnthropic({ answer });
  const adapter = new AnthropicAdapter();
  t.after(async () => {
    await adapter.close();
    await fake.close();
  });
  const contender = fakeAnthropicContender(fake.url);
  const call: UpstreamCall = { contender, body: { model: 'claude-test', messages: [{ role: 'user', content: 'hi' }] }, stream: false, clientWantsUsage: false, captureText, requestId: 'r' };
  const reply = await adapter.send(call, new AbortController().signal);
  const chunks: Buffer[] = [];
  for await (const c of reply.body) chunks.push(Buffer.from(c));
  return { reply, completion: JSON.parse(Buffer.concat(chunks).toString('utf8')) as OpenAI.ChatCompletion, outcome: await reply.outcome };
}

test('text, thinking and tool calls translate to one chat.completion with cache-aware usage', async (t) => {
  const { reply, completion, outcome } = await complete(t, {
    thinking: 'The user wants weather.',
    text: 'Let me check.',
    toolUses: [{ id: 'toolu_01', name: 'weather', input: { city: 'Paris', days: 2 } }],
    usage: { input_tokens: 10, output_tokens: 30, cache_read_input_tokens: 100, cache_creation_input_tokens: 5 },
  });
  assert.equal(reply.status, 200);
  assert.equal(reply.contentType, 'application/json');
  assert.equal(completion.object, 'chat.completion');
  assert.equal(completion.model, 'claude-test');
  assert.match(completion.id, /^msg_fake_/);
  assert.equal(typeof completion.created, 'number');
  const choice = completion.choices[0]!;
  assert.equal(choice.finish_reason, 'tool_calls');
  assert.equal(choice.message.role, 'assistant');
  assert.equal(choice.message.content, 'Let me check.');
  assert.equal((choice.message as unknown as { reasoning_content: string }).reasoning_content, 'The user wants weather.');
  assert.deepEqual(choice.message.tool_calls, [{ id: 'toolu_01', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris","days":2}' } }]);
  assert.deepEqual(completion.usage, {
    prompt_tokens: 115,
    completion_tokens: 30,
    total_tokens: 145,
    prompt_tokens_details: { cached_tokens: 100 },
    completion_tokens_details: { reasoning_tokens: 0 },
  });
  assert.equal(outcome.ok, true);
  assert.deepEqual(outcome.usage, { promptTokens: 115, completionTokens: 30, reasoningTokens: 0, cachedTokens: 100, estimated: false });
  assert.equal(outcome.finishReason, 'tool_calls');
  assert.equal(outcome.text, 'Let me check.');
  assert.ok(outcome.ttftMs !== null && outcome.ttftMs >= 0);
});

test('stop reasons map to OpenAI finish reasons; text is kept only when asked', async (t) => {
  const table: Array<[string, string]> = [
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['refusal', 'content_filter'],
  ];
  for (const [stopReason, expected] of table) {
    const { completion, outcome } = await complete(t, { text: 'x', stopReason }, false);
    assert.equal(completion.choices[0]?.finish_reason, expected, stopReason);
    assert.equal(outcome.finishReason, expected);
    assert.equal(outcome.text, null);
  }
  const { completion } = await complete(t, { toolUses: [{ name: 'noop', input: {} }] });
  assert.equal(completion.choices[0]?.message.content, null, 'a tool-only answer has null content, as OpenAI sends it');
  assert.equal(completion.choices[0]?.message.tool_calls?.[0]?.type === 'function' && completion.choices[0].message.tool_calls[0].function.arguments, '{}');
});
