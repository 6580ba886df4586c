/** The official `openai` client against a running gateway: answers, streams, reasoning, tools, typed errors. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';
import { startFakeOpenAI } from '../support/fake-openai-upstream.js';
import { mockContender, startTestGateway } from '../support/gateway.js';

test('non-stream completion through a race, with the three Saima headers', async (t) => {
  const { client } = await startTestGateway(t, {
    contenders: { m: mockContender('m-1', { default_answer: 'Paris is the capital of France.' }) },
    races: { assistant: { champion: 'm' } },
  });
  const { data, response } = await client.chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: 'Capital of France?' }] }).withResponse();
  assert.equal(data.object, 'chat.completion');
  assert.equal(data.choices[0]!.message.content, 'Paris is the capital of France.');
  assert.equal(data.choices[0]!.finish_reason, 'stop');
  assert.ok(data.usage!.prompt_tokens > 0 && data.usage!.completion_tokens > 0);
  assert.match(response.headers.get('x-saima-request-id')!, /^req_/);
  assert.equal(response.headers.get('x-saima-race'), 'assistant');
  assert.equal(response.headers.get('x-saima-contender'), 'm');
});

test('stream with content and reasoning_content; usage chunk only when asked', async (t) => {
  const { client } = await startTestGateway(t, {
    contenders: { m: mockContender('m-1', { default_answer: 'The answer is 42.', reasoning: 'Six times seven.', tokens_per_s: 500 }) },
    races: { assistant: { champion: 'm' } },
  });
  const stream = await client.chat.completions.create({ model: 'assistant', stream: true, messages: [{ role: 'user', content: 'q' }] });
  let content = '';
  let reasoning = '';
  let usageChunks = 0;
  for await (const chunk of stream) {
    if (chunk.usage) usageChunks++;
    const delta = chunk.choices[0]?.delta as { content?: string; reasoning_content?: string } | undefined;
    content += delta?.content ?? '';
    reasoning += delta?.reasoning_content ?? '';
  }
  assert.equal(content, 'The answer is 42.');
  assert.equal(reasoning, 'Six times seven.');
  assert.equal(usageChunks, 0, 'the client did not ask for usage');
  const withUsage = await client.chat.completions.create({ model: 'assistant', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'q' }] });
  let usage: OpenAI.CompletionUsage | null | undefined;
  for await (const chunk of withUsage) if (chunk.usage) usage = chunk.usage;
  assert.ok(usage && usage.completion_tokens > 0);
});

test('tool calls and reasoning pass through an OpenAI-compatible upstream, streamed and not', async (t) => {
  const up = await startFakeOpenAI({
    answer: '',
    reasoning: 'I should call the weather tool.',
    toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Hangzhou"}' }],
  });
  t.after(() => up.close());
  const { client } = await startTestGateway(t, {
    contenders: { ds: { provider: 'openai', base_url: up.url, api_key: 'sk-up-0000000000', model: 'deepseek-reasoner' } },
    races: { assistant: { champion: 'ds' } },
  });
  const tools: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
  const res = await client.chat.completions.create({ model: 'assistant', tools, messages: [{ role: 'user', content: 'Weather in Hangzhou?' }] });
  const call = res.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
  assert.equal(call.function.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Hangzhou' });
  const sent = up.requests.at(-1)!.body as Record<string, unknown>;
  assert.equal(sent.model, 'deepseek-reasoner', 'the race alias became the upstream model id');
  assert.deepEqual(sent.tools, tools, 'unknown-to-Saima fields pass through untouched');

  const stream = await client.chat.completions.create({ model: 'assistant', tools, stream: true, messages: [{ role: 'user', content: 'Weather?' }] });
  let args = '';
  let reasoning = '';
  for await (const chunk of stream) {
    const d = chunk.choices[0]?.delta as (OpenAI.ChatCompletionChunk.Choice.Delta & { reasoning_content?: string }) | undefined;
    args += d?.tool_calls?.[0]?.function?.arguments ?? '';
    reasoning += d?.reasoning_content ?? '';
  }
  assert.deepEqual(JSON.parse(args), { city: 'Hangzhou' });
  assert.equal(reasoning, 'I should call the weather tool.');
});

test('errors surface as the client\'s typed errors', async (t) => {
  const { client } = await startTestGateway(t, { contenders: { m: mockContender('m') }, races: { assistant: { champion: 'm' } } });
  await assert.rejects(client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }), (err: unknown) => {
    assert.ok(err instanceof OpenAI.NotFoundError);
    assert.equal((err.error as { code: string }).code, 'model_not_found');
    assert.equal((err.error as { param: string }).param, 'model');
    return true;
  });
  await assert.rejects(client.chat.completions.create({ model: 'assistant', messages: [] }), OpenAI.BadRequestError);
  await assert.rejects(
    client.chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: 'x' }], max_tokens: -5 }),
    (err: unknown) => err instanceof OpenAI.BadRequestError && (err.error as { param: string }).param === 'max_tokens',
  );
});

test('an upstream error maps to the right typed error: 429 stays a rate limit', async (t) => {
  const { client } = await startTestGateway(t, {
    contenders: { m: mockContender('m', { error_rate: 1, error_kinds: ['http_429'] }, { retry: { max_retries: 0 } }) },
  });
  await assert.rejects(client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }), OpenAI.RateLimitError);
});

test('GET /v1/models lists races and contenders', async (t) => {
  const { client } = await startTestGateway(t, {
    contenders: { m: mockContender('m'), n: mockContender('n') },
    races: { assistant: { champion: 'm', challengers: [{ contender: 'n', weight: 10 }] } },
  });
  const ids = [];
  for await (const model of client.models.list()) ids.push(model.id);
  assert.deepEqual(ids.sort(), ['assistant', 'm', 'n']);
});
