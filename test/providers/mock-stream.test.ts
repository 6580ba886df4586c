/**
 * The mock simulator speaks OpenAI's wire format exactly: a chat.completion object, or chat.completion.chunk
 * events (role, reasoning_content, content, finish, usage only when asked) ending with `data: [DONE]`, with
 * usage counted by the o200k tokenizer and answers picked by regex on the last user message.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createParser } from 'eventsource-parser';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { MockAdapter } from '../../src/providers/mock/adapter.js';
import type { UpstreamCall } from '../../src/providers/spec.js';
import { drainReply, linkedContender } from '../support/fake-openai-upstream.js';

const contender = linkedContender({
  provider: 'mock',
  model: 'sim-1',
  mock: {
    reasoning: 'Think about France.',
    answers: [{ match: 'capital of (France|Frankreich)', answer: 'Paris — 巴黎.' }, { match: '^ping$', answer: 'pong' }],
    default_answer: 'I do not know.',
  },
});

function call(content: string, stream: boolean, extra: Partial<UpstreamCall> = {}): UpstreamCall {
  return {
    contender,
    body: { model: 'sim-1', messages: [{ role: 'system', content: 'Be exact.' }, { role: 'user', content }], ...(stream ? { stream: true } : {}) },
    stream,
    clientWantsUsage: false,
    captureText: false,
    requestId: 'req_1',
    ...extra,
  };
}

interface Chunk {
  object: string;
  model: string;
  choices: Array<{ index: number; delta: { role?: string; content?: string; reasoning_content?: string }; finish_reason: string | null }>;
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number; completion_tokens_details: { reasoning_tokens: number } } | null;
}

async function events(c: UpstreamCall) {
  const adapter = new MockAdapter();
  const { bytes, outcome } = await drainReply(await adapter.send(c, new AbortController().signal));
  await adapter.close();
  const data: string[] = [];
  createParser({ onEvent: (e) => data.push(e.data) }).feed(bytes.toString());
  return { data, outcome };
}

test('a non-streamed answer is a chat.completion with reasoning, usage from the tokenizer, and the matched answer', async () => {
  const adapter = new MockAdapter();
  const reply = await adapter.send(call('What is the capital of France?', false, { captureText: true }), new AbortController().signal);
  const { bytes, outcome } = await drainReply(reply);
  const body = JSON.parse(bytes.toString()) as {
    object: string;
    model: string;
    choices: Array<{ message: { role: string; content: string; reasoning_content: string }; finish_reason: string }>;
    usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number; completion_tokens_details: { reasoning_tokens: number } };
  };
  assert.equal(reply.contentType, 'application/json');
  assert.equal(body.object, 'chat.completion');
  assert.equal(body.model, 'sim-1');
  assert.equal(body.choices[0]!.message.role, 'assistant');
  assert.equal(body.choices[0]!.message.content, 'Paris — 巴黎.');
  assert.equal(body.choices[0]!.message.reasoning_content, 'Think about France.');
  assert.equal(body.choices[0]!.finish_reason, 'stop');
  const reasoning = encode('Think about France.').length;
  assert.equal(body.usage.completion_tokens, reasoning + encode('Paris — 巴黎.').length);
  assert.equal(body.usage.completion_tokens_details.reasoning_tokens, reasoning);
  // Cookbook chat count: 3 per message + role + content, 3 for the reply.
  assert.equal(body.usage.prompt_tokens, 3 + 2 * 3 + encode('system').length + encode('Be exact.').length + encode('user').length + encode('What is the capital of France?').length);
  assert.equal(body.usage.total_tokens, body.usage.prompt_tokens + body.usage.completion_tokens);
  assert.deepEqual(outcome.usage, { promptTokens: body.usage.prompt_tokens, completionTokens: body.usage.completion_tokens, reasoningTokens: reasoning, cachedTokens: 0, estimated: false });
  assert.equal(outcome.text, 'Paris — 巴黎.');
  await adapter.close();
});

test('a stream sends role, reasoning_content, then content deltas, a finish chunk and [DONE]; no usage unless asked', async () => {
  const { data, outcome } = await events(call('ping', true));
  assert.equal(data.at(-1), '[DONE]');
  const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Chunk);
  assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === 'sim-1' && c.usage === undefined));
  assert.equal(chunks[0]!.choices[0]!.delta.role, 'assistant');
  const kinds = chunks.map((c) => (c.choices[0]!.delta.reasoning_content !== undefined ? 'r' : c.choices[0]!.delta.content ? 'c' : '-')).join('');
  assert.match(kinds, /^-r+c+-$/, `reasoning before content: ${kinds}`);
  assert.equal(chunks.map((c) => c.choices[0]!.delta.reasoning_content ?? '').join(''), 'Think about France.');
  assert.equal(chunks.map((c) => c.choices[0]!.delta.content ?? '').join(''), 'pong');
  assert.equal(chunks.at(-1)!.choices[0]!.finish_reason, 'stop');
  assert.equal(outcome.finishReason, 'stop');
  assert.equal(outcome.text, null, 'not captured and usage known');
  assert.ok(outcome.usage && outcome.usage.completionTokens > 0);
});

test('a client that asks include_usage gets null usage on each chunk and a last usage chunk with empty choices', async () => {
  const { data, outcome } = await events(call('anything', true, { clientWantsUsage: true }));
  const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Chunk);
  const last = chunks.at(-1)!;
  assert.deepEqual(last.choices, []);
  assert.equal(last.usage?.completion_tokens, outcome.usage?.completionTokens);
  assert.equal(last.usage?.prompt_tokens, outcome.usage?.promptTokens);
  assert.ok(chunks.slice(0, -1).every((c) => c.usage === null));
  assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''), 'I do not know.', 'no match: the default answer');
});

test('report_usage: false sends no usage and keeps the text for the estimate', async () => {
  const silent = linkedContender({ provider: 'mock', model: 's', mock: { report_usage: false, default_answer: 'one two' } });
  const adapter = new MockAdapter();
  for (const stream of [false, true]) {
    const { bytes, outcome } = await drainReply(await adapter.send({ ...call('x', stream, { clientWantsUsage: stream }), contender: silent }, new AbortController().signal));
    assert.doesNotMatch(bytes.toString(), /"usage":\{/);
    assert.equal(outcome.usage, null);
    assert.equal(outcome.text, 'one two');
  }
  await adapter.close();
});
