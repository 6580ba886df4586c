/**
 * The simulator's timing: `latency_ms` before the reply resolves (headers), `ttft_ms` before the first token,
 * then `tokens_per_s` for the rest. Bounds are loose enough for a shared machine, tight enough to fail if a
 * delay were skipped or doubled.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { MockAdapter } from '../../src/providers/mock/adapter.js';
import { drainReply, linkedContender } from '../support/fake-openai-upstream.js';

const ANSWER = 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty';

test('latency, TTFT and token rate are honoured on a stream', async () => {
  const contender = linkedContender({ provider: 'mock', model: 'm', mock: { latency_ms: 80, ttft_ms: 120, tokens_per_s: 50, default_answer: ANSWER } });
  const adapter = new MockAdapter();
  await drainReply(await adapter.send({ contender, body: { messages: [] }, stream: true, clientWantsUsage: false, captureText: false, requestId: 'warm' }, new AbortController().signal)); // loads the tokenizer
  const t0 = performance.now();
  const reply = await adapter.send({ contender, body: { messages: [] }, stream: true, clientWantsUsage: false, captureText: false, requestId: 'r' }, new AbortController().signal);
  const headersAt = performance.now() - t0;
  const arrivals: number[] = [];
  for await (const _chunk of reply.body) arrivals.push(performance.now() - t0);
  const outcome = await reply.outcome;
  await adapter.close();

  const tokens = encode(ANSWER).length;
  assert.ok(headersAt >= 75 && headersAt < 300, `headers after ${headersAt} ms`);
  assert.ok(arrivals[0]! >= 195 && arrivals[0]! < 450, `first token after ${arrivals[0]} ms`);
  assert.ok(Math.abs(outcome.ttftMs! - arrivals[0]!) < 20, 'the outcome reports the TTFT the consumer saw');
  const streaming = arrivals.at(-1)! - arrivals[0]!;
  const expected = ((tokens - 1) / 50) * 1000;
  assert.ok(streaming >= expected * 0.85 && streaming < expected * 1.6 + 50, `streamed ${tokens} tokens in ${streaming} ms, expected ~${expected}`);
  assert.ok(arrivals.length >= tokens / 2, `paced in many chunks (${arrivals.length})`);
});

test('tokens_per_s 0 sends the whole answer in one chunk; a non-stream reply waits for the whole generation', async () => {
  const fast = linkedContender({ provider: 'mock', model: 'm', mock: { default_answer: ANSWER } });
  const adapter = new MockAdapter();
  const { chunks } = await drainReply(await adapter.send({ contender: fast, body: { messages: [] }, stream: true, clientWantsUsage: false, captureText: false, requestId: 'r' }, new AbortController().signal));
  assert.equal(chunks, 1);
  const slow = linkedContender({ provider: 'mock', model: 'm', mock: { ttft_ms: 50, tokens_per_s: 100, default_answer: ANSWER } });
  const t0 = performance.now();
  await adapter.send({ contender: slow, body: { messages: [] }, stream: false, clientWantsUsage: false, captureText: false, requestId: 'r' }, new AbortController().signal);
  const took = performance.now() - t0;
  const expected = 50 + (encode(ANSWER).length / 100) * 1000;
  assert.ok(took >= expected * 0.9 && took < expected * 1.6 + 50, `non-stream took ${took} ms, expected ~${expected}`);
  await adapter.close();
});
