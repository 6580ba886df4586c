/** The anthropic adapter sends Anthropic what an OpenAI request means: asserted on what the fake upstream received. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AnthropicAdapter } from '../../src/providers/anthropic/adapter.js';
import type { UpstreamCall } from '../../src/providers/spec.js';
import { SaimaError } from '../../src/errors.js';
import { fakeAnthropicContender, startFakeAnthropic } from '../support/fake-anthropic-upstream.js';

async function setup(t: import('node:test').TestContext, extra: Record<string, unknown> = {}) {
  const fake = await startFakeAnthropic();
  const adapter = new AnthropicAdapter();
  t.after(async () => {
    await adapter.close();
    await fake.close();
  });
  const contender = fakeAnthropicContender(fake.url, extra);
  const send = async (body: Record<string, unknown>) => {
    const call: UpstreamCall = { contender, body: { model: contender.model, ...body }, stream: body.stream === true, clientWantsUsage: false, captureText: false, requestId: 'req-1' };
    const reply = await adapter.send(call, new AbortController().signal);
    for await (const _ of reply.body);
    return reply;
  };
  return { fake, send };
}

test('conversation with system prompts, tool calls and tool results becomes alternating Messages turns', async (t) => {
  const { fake, send } = await setup(t, { headers: { 'anthropic-beta': 'test-beta' } });
  await send({
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
      { role: 'user', content: 'Weather in Paris and Lyon?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_2', type: 'function', function: { name: 'weather', arguments: '{"city":"Lyon"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '18°C' },
      { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '21°C' }] },
      { role: 'user', content: 'And tomorrow?' },
    ],
    tools: [
      { type: 'function', function: { name: 'weather', description: 'Current weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
      { type: 'function', function: { name: 'ping' } },
    ],
    tool_choice: 'required',
    parallel_tool_calls: false,
    temperature: 1.4,
    top_p: 0.9,
    stop: 'END',
    user: 'user-42',
    stream_options: { include_usage: true },
  });

  assert.equal(fake.requests.length, 1);
  const r = fake.requests[0]!;
  assert.equal(r.path, '/v1/messages');
  assert.equal(r.headers['x-api-key'], 'sk-ant-test-0123456789');
  assert.equal(r.headers['anthropic-version'], '2023-06-01');
  assert.equal(r.headers['anthropic-beta'], 'test-beta');
  assert.match(String(r.headers['content-type']), /application\/json/);
  assert.deepEqual(r.body, {
    model: 'claude-test',
    max_tokens: 4096,
    system: 'You are terse.\n\nAnswer in French.',
    messages: [
      { role: 'user', content: 'Weather in Paris and Lyon?' },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'call_1', name: 'weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'call_2', name: 'weather', input: { city: 'Lyon' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: '18°C' },
          { type: 'tool_result', tool_use_id: 'call_2', content: '21°C' },
          { type: 'text', text: 'And tomorrow?' },
        ],
      },
    ],
    temperature: 1,
    top_p: 0.9,
    stop_sequences: ['END'],
    tools: [
      { name: 'weather', description: 'Current weather', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
      { name: 'ping', input_schema: { type: 'object', properties: {} } },
    ],
    tool_choice: { type: 'any', disable_parallel_tool_use: true },
    metadata: { user_id: 'user-42' },
  });
});

test('max_tokens: the request wins, then the contender cap, then 4096; stream and images are translated', async (t) => {
  const { fake, send } = await setup(t, { max_output_tokens: 777 });
  await send({ messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: 55, max_tokens: 99 });
  await send({ messages: [{ role: 'user', content: 'hi' }], max_tokens: 99, stream: true, tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: { type: 'function', function: { name: 'f' } } });
  await send({
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in these?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'high' } },
        ],
      },
    ],
    tool_choice: 'none',
  });
  await send({ messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: '' }, { role: 'user', content: [{ type: 'text', text: 'b' }] }] });
  const [a, b, c, d] = fake.requests.map((r) => r.body);
  assert.deepEqual(d?.messages, [{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }], 'an empty message is dropped and its neighbours merged');
  assert.equal(a?.max_tokens, 55);
  assert.equal(a?.stream, undefined);
  assert.equal(b?.max_tokens, 99);
  assert.equal(b?.stream, true);
  assert.deepEqual(b?.tool_choice, { type: 'tool', name: 'f' });
  assert.equal(c?.max_tokens, 777);
  assert.equal(c?.tool_choice, undefined, 'no tool_choice without tools');
  assert.deepEqual(c?.messages, [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'What is in these?' },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
        { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
      ],
    },
  ]);
});

test('fields with no Anthropic meaning are refused before any upstream call', async (t) => {
  const { fake, send } = await setup(t);
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ n: 2 }, 'n'],
    [{ logprobs: true }, 'logprobs'],
    [{ response_format: { type: 'json_object' } }, 'response_format'],
    [{ tools: [{ type: 'custom', custom: { name: 'x' } }] }, 'tools[0]'],
    [{ messages: [{ role: 'function', name: 'f', content: 'x' }] }, 'messages[0].role'],
    [{ messages: [{ role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '[1' } }] }] }, 'messages[0].tool_calls[0].function.arguments'],
  ];
  for (const [extra, param] of cases) {
    await assert.rejects(
      send({ messages: [{ role: 'user', content: 'hi' }], ...extra }),
      (err: unknown) => err instanceof SaimaError && err.code === 'invalid_request' && err.param === param,
      `expected invalid_request on ${param}`,
    );
  }
  assert.equal(fake.requests.length, 0);
});
