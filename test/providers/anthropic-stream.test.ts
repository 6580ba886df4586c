/** A streamed Messages answer comes back as OpenAI `chat.completion.chunk` events ending in `[DONE]`. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { createParser } from 'eventsource-parser';
import type OpenAI from 'openai';
import { AnthropicAdapter } from '../../src/providers/anthropic/adapter.js';
import type { UpstreamCall } from '../../src/providers/spec.js';
import { fakeAnthropicContender, startFakeAnthropic, type FakeAnthropic, type FakeAnthropicAnswer } from '../support/fake-anthropic-upstream.js';

type Chunk = OpenAI.ChatCompletionChunk & { choices: Array<OpenAI.ChatCompletionChunk.Choice & { delta: { reasoning_content?: string } }> };

async function setup(t: TestContext, answer?: FakeAnthropicAnswer): Promise<{ fake: FakeAnthropic; stream: (wantUsage: boolean) => Promise<{ data: string[]; outcome: import('../../src/providers/spec.js').CallOutcome }> }> {
  const fake = await startFakeAnthropic(answer ? { answer, chunkChars: 5 } : {});
  const adapter = new AnthropicAdapter();
  t.after(async () => {
    await adapter.close();
    await fake.close();
  });
  const contender = fakeAnthropicContender(fake.url);
  const stream = async (clientWantsUsage: boolean) => {
    const call: UpstreamCall = { contender, body: { model: 'claude-test', messages: [{ role: 'user', content: 'hi' }], stream: true }, stream: true, clientWantsUsage, captureText: true, requestId: 'r' };
    const reply = await adapter.send(call, new AbortController().signal);
    assert.equal(reply.contentType, 'text/event-stream');
    const data: string[] = [];
    const parser = createParser({ onEvent: (e) => data.push(e.data) });
    const decoder = new TextDecoder();
    for await (const c of reply.body) parser.feed(decoder.decode(c, { stream: true }));
    return { data, outcome: await reply.outcome };
  };
  return { fake, stream };
}

function chunks(data: string[]): Chunk[] {
  assert.equal(data.at(-1), '[DONE]', 'the stream ends with [DONE]');
  return data.slice(0, -1).map((d) => JSON.parse(d) as Chunk);
}

function joined(cs: Chunk[], pick: (d: Chunk['choices'][number]['delta']) => string | null | undefined): string {
  return cs.map((c) => (c.choices[0] ? (pick(c.choices[0].delta) ?? '') : '')).join('');
}

test('text and thinking deltas become content and reasoning_content; the usage chunk follows include_usage', async (t) => {
  const { stream } = await setup(t, { thinking: 'Short greeting needed.', text: 'Hello, how can I help you today?', usage: { input_tokens: 20, output_tokens: 11, cache_read_input_tokens: 4 } });
  for (const wantUsage of [true, false]) {
    const { data, outcome } = await stream(wantUsage);
    const cs = chunks(data);
    assert.ok(cs.every((c) => c.object === 'chat.completion.chunk' && c.model === 'claude-test' && c.id === cs[0]?.id));
    assert.deepEqual(cs[0]?.choices[0]?.delta, { role: 'assistant', content: '' });
    assert.equal(joined(cs, (d) => d.reasoning_content), 'Short greeting needed.');
    assert.equal(joined(cs, (d) => d.content), 'Hello, how can I help you today?');
    assert.ok(cs.filter((c) => c.choices[0]?.delta.content).length > 1, 'text arrives in several deltas');
    const finish = cs.filter((c) => c.choices[0]?.finish_reason);
    assert.equal(finish.length, 1);
    assert.equal(finish[0]?.choices[0]?.finish_reason, 'stop');
    const usage = cs.filter((c) => c.choices.length === 0);
    if (wantUsage) {
      assert.equal(usage.length, 1);
      assert.deepEqual(usage[0]?.usage, { prompt_tokens: 24, completion_tokens: 11, total_tokens: 35, prompt_tokens_details: { cached_tokens: 4 }, completion_tokens_details: { reasoning_tokens: 0 } });
      assert.equal(cs.at(-1), usage[0], 'the usage chunk is the last before [DONE]');
    } else {
      assert.equal(usage.length, 0, 'no usage chunk for a client that did not ask');
    }
    assert.equal(outcome.ok, true);
    assert.deepEqual(outcome.usage, { promptTokens: 24, completionTokens: 11, reasoningTokens: 0, cachedTokens: 4, estimated: false });
    assert.equal(outcome.finishReason, 'stop');
    assert.equal(outcome.text, 'Hello, how can I help you today?');
    assert.ok(outcome.ttftMs !== null && outcome.ttftMs > 0);
  }
});

test('tool_use blocks become indexed tool_calls deltas with streamed arguments', async (t) => {
  const { stream } = await setup(t, {
    toolUses: [
      { id: 'toolu_A', name: 'weather', input: { city: 'Paris', unit: 'celsius' } },
      { id: 'toolu_B', name: 'now', input: {} },
    ],
  });
  const cs = chunks((await stream(false)).data);
  const calls = cs.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
  assert.deepEqual(
    calls.filter((c) => c.id).map((c) => [c.index, c.id, c.type, c.function?.name]),
    [
      [0, 'toolu_A', 'function', 'weather'],
      [1, 'toolu_B', 'function', 'now'],
    ],
  );
  const args = (i: number) => calls.filter((c) => c.index === i).map((c) => c.function?.arguments ?? '').join('');
  assert.deepEqual(JSON.parse(args(0)), { city: 'Paris', unit: 'celsius' });
  assert.ok(calls.filter((c) => c.index === 0 && !c.id).length > 1, 'arguments arrive in several deltas');
  assert.deepEqual(JSON.parse(args(1)), {});
  assert.equal(cs.find((c) => c.choices[0]?.finish_reason)?.choices[0]?.finish_reason, 'tool_calls');
});

test('a stream in the fixture format (cumulative message_delta usage, signature deltas) translates', async (t) => {
  const { fake, stream } = await setup(t);
  fake.setFaults([{ kind: 'replay', body: readFileSync(new URL('../fixtures/anthropic-stream-thinking-tools.sse', import.meta.url), 'utf8') }]);
  const { data, outcome } = await stream(true);
  const cs = chunks(data);
  assert.equal(cs[0]?.id, 'msg_01FixtureThinkTools');
  assert.equal(cs[0]?.model, 'claude-sonnet-4-5-20250929');
  assert.equal(joined(cs, (d) => d.reasoning_content), 'The user wants the time in Tokyo. I should call both tools.');
  assert.equal(joined(cs, (d) => d.content), 'Checking the clock — 東京.');
  const calls = cs.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
  assert.deepEqual(JSON.parse(calls.filter((c) => c.index === 0).map((c) => c.function?.arguments).join('')), { city: 'Tokyo' });
  assert.equal(calls.filter((c) => c.index === 1).map((c) => c.function?.arguments).join(''), '{}');
  assert.deepEqual(cs.at(-1)?.usage, { prompt_tokens: 2560, completion_tokens: 87, total_tokens: 2647, prompt_tokens_details: { cached_tokens: 2048 }, completion_tokens_details: { reasoning_tokens: 0 } });
  assert.equal(outcome.finishReason, 'tool_calls');
  assert.equal(outcome.text, 'Checking the clock — 東京.');
});
