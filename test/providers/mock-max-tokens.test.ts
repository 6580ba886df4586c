/**
 * The simulator honours `max_tokens` / `max_completion_tokens`: the output stops at the limit with
 * `finish_reason: "length"`, reasoning tokens counting first as with OpenAI's reasoning models.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode, encode } from 'gpt-tokenizer/encoding/o200k_base';
import { MockAdapter } from '../../src/providers/mock/adapter.js';
import type { UpstreamCall } from '../../src/providers/spec.js';
import { drainReply, linkedContender } from '../support/fake-openai-upstream.js';

const ANSWER = 'The quick brown fox jumps over the lazy dog again and again.';

function call(mock: Record<string, unknown>, body: Record<string, unknown>, stream: boolean): UpstreamCall {
  const contender = linkedContender({ provider: 'mock', model: 'm', mock: { default_answer: ANSWER, ...mock } });
  return { contender, body: { model: 'm', messages: [{ role: 'user', content: 'go' }], ...body }, stream, clientWantsUsage: stream, captureText: true, requestId: 'r' };
}

for (const stream of [false, true]) {
  test(`max_tokens truncates the answer to that many tokens with finish_reason length (${stream ? 'stream' : 'non-stream'})`, async () => {
    const adapter = new MockAdapter();
    const { bytes, outcome } = await drainReply(await adapter.send(call({}, { max_tokens: 4 }, stream), new AbortController().signal));
    await adapter.close();
    assert.equal(outcome.finishReason, 'length');
    assert.equal(outcome.usage?.completionTokens, 4);
    assert.equal(outcome.text, decode(encode(ANSWER).slice(0, 4)));
    assert.match(bytes.toString(), /"finish_reason":"length"/);
  });
}

test('max_completion_tokens counts reasoning first: a tight limit leaves no answer', async () => {
  const reasoning = 'Let me think about this carefully.';
  const limit = encode(reasoning).length;
  const adapter = new MockAdapter();
  const { bytes, outcome } = await drainReply(await adapter.send(call({ reasoning }, { max_completion_tokens: limit }, false), new AbortController().signal));
  await adapter.close();
  const body = JSON.parse(bytes.toString()) as { choices: Array<{ message: { content: string; reasoning_content: string } }> };
  assert.equal(body.choices[0]!.message.reasoning_content, reasoning);
  assert.equal(body.choices[0]!.message.content, '');
  assert.equal(outcome.usage?.reasoningTokens, limit);
  assert.equal(outcome.finishReason, 'length');
});

test('a limit above the answer length changes nothing', async () => {
  const adapter = new MockAdapter();
  const { outcome } = await drainReply(await adapter.send(call({}, { max_tokens: 1000 }, true), new AbortController().signal));
  await adapter.close();
  assert.equal(outcome.finishReason, 'stop');
  assert.equal(outcome.text, ANSWER);
  assert.equal(outcome.usage?.completionTokens, encode(ANSWER).length);
});
