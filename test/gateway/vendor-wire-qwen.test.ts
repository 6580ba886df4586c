/**
 * Qwen as a contender, configured as a user would (`preset: qwen`, its base URL on a loopback replay), answering in
 * DashScope's documented OpenAI-compatible wire format (test/fixtures/vendors/qwen-*): every client protocol of the
 * gateway through its official client, against Qwen's own bytes rather than Saima's idea of them.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import { loggedRow, startTestGateway } from '../support/gateway.js';
import { startVendorReplay } from '../support/vendor-replay.js';

type Json = Record<string, unknown>;

async function qwenGateway(t: TestContext) {
  const qwen = await startVendorReplay({ basePath: '/compatible-mode/v1', json: 'qwen-completion.jsonc', stream: 'qwen-stream-thinking.sse' });
  t.after(() => qwen.close());
  const gw = await startTestGateway(t, {
    contenders: {
      qwen: { preset: 'qwen', base_url: qwen.url, api_key: 'sk-dashscope-test-0123456789', model: 'qwen-plus', price: { input: 2, cached_input: 0.5, output: 8, currency: 'CNY' }, retry: { max_retries: 0 } },
    },
    races: {},
  });
  const anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'unused-key', maxRetries: 0, timeout: 20_000 });
  return { ...gw, qwen, anthropic };
}

const rowOf = (dbFile: string, id: string | null) => loggedRow(dbFile, id!)! as Json;

test('chat completions, whole: Qwen\'s answer passes through unchanged, its cached prompt tokens metered and priced', async (t) => {
  const gw = await qwenGateway(t);
  const { data, response } = await gw.client.chat.completions
    .create({ model: 'qwen', messages: [{ role: 'developer', content: 'Be brief.' }, { role: 'user', content: '你是谁？' }] })
    .withResponse();
  assert.equal(data.id, 'chatcmpl-6ada9ed2-7f33-9de2-8bb0-78bd4035025a');
  assert.equal(data.object, 'chat.completion');
  assert.equal(data.system_fingerprint, null);
  assert.equal(data.choices[0]!.message.content, '我是阿里云开发的一款超大规模语言模型，我叫通义千问。');
  assert.equal(data.usage?.prompt_tokens_details?.cached_tokens, 2048);

  const sent = gw.qwen.requests.at(-1)!;
  assert.equal(sent.path, '/compatible-mode/v1/chat/completions');
  assert.equal(sent.headers.authorization, 'Bearer sk-dashscope-test-0123456789');
  assert.equal(sent.body.model, 'qwen-plus');
  // The preset's quirk: DashScope knows no `developer` role.
  assert.deepEqual((sent.body.messages as Json[])[0], { role: 'system', content: 'Be brief.' });

  const row = rowOf(gw.dbFile, response.headers.get('x-saima-request-id'));
  assert.equal(row.prompt_tokens, 3019);
  assert.equal(row.cached_tokens, 2048);
  assert.equal(row.completion_tokens, 104);
  assert.equal(row.usage_estimated, 0);
  // (971 × 2 + 2048 × 0.5 + 104 × 8) per million CNY.
  assert.equal(row.cost_nanos, 3_798_000);
});

test('chat completions, streamed: reasoning_content and text pass through; the usage chunk (choices: []) meters the row and reaches only a client that asked', async (t) => {
  const gw = await qwenGateway(t);
  const params = { model: 'qwen', messages: [{ role: 'user' as const, content: '你是谁？' }], stream: true as const, enable_thinking: true };
  const { data: stream, response } = await gw.client.chat.completions.create(params as OpenAI.ChatCompletionCreateParamsStreaming).withResponse();
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const c of stream) chunks.push(c);
  const deltas = chunks.flatMap((c) => c.choices.map((ch) => ch.delta as { content?: string | null; reasoning_content?: string | null }));
  assert.equal(deltas.map((d) => d.reasoning_content ?? '').join(''), '嗯，用户问“你是谁”，我应该简单介绍自己。');
  assert.equal(deltas.map((d) => d.content ?? '').join(''), '你好！我是通义千问，阿里云研发的超大规模语言模型。');
  assert.ok(chunks.every((c) => c.choices.length === 1), 'the usage-only chunk the gateway asked for is hidden from this client');
  assert.equal(chunks.at(-1)!.choices[0]!.finish_reason, 'stop');

  const sent = gw.qwen.requests.at(-1)!.body;
  assert.equal(sent.enable_thinking, true, 'a DashScope parameter passes through');
  assert.deepEqual(sent.stream_options, { include_usage: true });
  const row = rowOf(gw.dbFile, response.headers.get('x-saima-request-id'));
  assert.equal(row.stream, 1);
  assert.equal(row.prompt_tokens, 10);
  assert.equal(row.completion_tokens, 36);
  assert.equal(row.usage_estimated, 0);

  const asked = await gw.client.chat.completions.create({ ...params, stream_options: { include_usage: true } } as OpenAI.ChatCompletionCreateParamsStreaming);
  const all: OpenAI.ChatCompletionChunk[] = [];
  for await (const c of asked) all.push(c);
  assert.deepEqual(all.at(-1)!.choices, []);
  assert.deepEqual(all.at(-1)!.usage, { prompt_tokens: 10, completion_tokens: 36, total_tokens: 46 });
});

test('/v1/messages, whole: text, stop reason and usage (cache reads outside input_tokens) translated from Qwen\'s answer', async (t) => {
  const gw = await qwenGateway(t);
  const { data, response } = await gw.anthropic.messages.create({ model: 'qwen', max_tokens: 256, messages: [{ role: 'user', content: '你是谁？' }] }).withResponse();
  assert.equal(data.id, 'msg_chatcmpl-6ada9ed2-7f33-9de2-8bb0-78bd4035025a');
  assert.equal(data.model, 'qwen-plus');
  assert.deepEqual(data.content, [{ type: 'text', text: '我是阿里云开发的一款超大规模语言模型，我叫通义千问。', citations: null }]);
  assert.equal(data.stop_reason, 'end_turn');
  assert.equal(data.usage.input_tokens, 971);
  assert.equal(data.usage.cache_read_input_tokens, 2048);
  assert.equal(data.usage.output_tokens, 104);
  const row = rowOf(gw.dbFile, response.headers.get('x-saima-request-id'));
  assert.equal(row.protocol, 'messages');
  assert.equal(row.prompt_tokens, 3019);
  assert.equal(row.cached_tokens, 2048);
});

test('/v1/messages, streamed: Qwen\'s reasoning_content becomes a thinking block, its text a text block; the usage chunk closes the message', async (t) => {
  const gw = await qwenGateway(t);
  const stream = gw.anthropic.messages.stream({ model: 'qwen', max_tokens: 1024, messages: [{ role: 'user', content: '你是谁？' }] });
  const types: string[] = [];
  stream.on('streamEvent', (e) => types.push(e.type));
  const final = await stream.finalMessage();
  assert.equal(final.id, 'msg_chatcmpl-e2edaf2c-8aaf-9e54-90e2-b21dd5045503');
  assert.deepEqual(final.content.map((b) => b.type), ['thinking', 'text']);
  assert.equal((final.content[0] as Anthropic.ThinkingBlock).thinking, '嗯，用户问“你是谁”，我应该简单介绍自己。');
  assert.equal((final.content[1] as Anthropic.TextBlock).text, '你好！我是通义千问，阿里云研发的超大规模语言模型。');
  assert.equal(final.stop_reason, 'end_turn');
  assert.equal(final.usage.input_tokens, 10);
  assert.equal(final.usage.output_tokens, 36);
  assert.deepEqual(types.slice(-2), ['message_delta', 'message_stop']);
  const row = rowOf(gw.dbFile, (await stream.withResponse()).response.headers.get('x-saima-request-id'));
  assert.equal(row.protocol, 'messages');
  assert.equal(row.completion_tokens, 36);
  assert.equal(row.usage_estimated, 0);
});

test('/v1/responses: Qwen\'s answer as a message item, its thinking stream as a reasoning item, usage from each placement', async (t) => {
  const gw = await qwenGateway(t);
  const whole = await gw.client.responses.create({ model: 'qwen', input: '你是谁？' });
  assert.equal(whole.status, 'completed');
  assert.equal(whole.output_text, '我是阿里云开发的一款超大规模语言模型，我叫通义千问。');
  assert.deepEqual(whole.usage, { input_tokens: 3019, input_tokens_details: { cached_tokens: 2048 }, output_tokens: 104, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 3123 });

  const stream = await gw.client.responses.create({ model: 'qwen', input: '你是谁？', stream: true });
  const events: OpenAI.Responses.ResponseStreamEvent[] = [];
  for await (const e of stream) events.push(e);
  const done = events.at(-1) as OpenAI.Responses.ResponseCompletedEvent;
  assert.equal(done.type, 'response.completed');
  assert.deepEqual(done.response.output.map((i) => i.type), ['reasoning', 'message']);
  assert.deepEqual((done.response.output[0] as OpenAI.Responses.ResponseReasoningItem).summary, [{ type: 'summary_text', text: '嗯，用户问“你是谁”，我应该简单介绍自己。' }]);
  assert.equal(events.filter((e): e is OpenAI.Responses.ResponseTextDeltaEvent => e.type === 'response.output_text.delta').map((e) => e.delta).join(''), '你好！我是通义千问，阿里云研发的超大规模语言模型。');
  assert.deepEqual(done.response.usage, { input_tokens: 10, input_tokens_details: { cached_tokens: 0 }, output_tokens: 36, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 46 });
  const row = rowOf(gw.dbFile, done.response.id.replace(/^resp_/, ''));
  assert.equal(row.protocol, 'responses');
  assert.equal(row.prompt_tokens, 10);
  assert.equal(row.completion_tokens, 36);
});

test('/v1/messages thinking on and off reaches Qwen as DashScope\'s enable_thinking (and thinking_budget), never as Anthropic\'s object', async (t) => {
  const gw = await qwenGateway(t);
  // On: streamed, as Qwen's thinking models want it; the budget goes in DashScope's own field.
  const on = gw.anthropic.messages.stream({ model: 'qwen', max_tokens: 1024, thinking: { type: 'enabled', budget_tokens: 512 }, messages: [{ role: 'user', content: '你是谁？' }] });
  const final = await on.finalMessage();
  assert.deepEqual(final.content.map((b) => b.type), ['thinking', 'text']);
  let sent = gw.qwen.requests.at(-1)!.body;
  assert.equal(sent.enable_thinking, true);
  assert.equal(sent.thinking_budget, 512);
  assert.equal('thinking' in sent, false, 'Anthropic\'s object is not DashScope\'s switch');

  // Off: a non-streamed call, which open-source Qwen3 models refuse unless told enable_thinking: false.
  const off = await gw.anthropic.messages.create({ model: 'qwen', max_tokens: 256, thinking: { type: 'disabled' }, messages: [{ role: 'user', content: '你是谁？' }] });
  assert.equal(off.content[0]!.type, 'text');
  sent = gw.qwen.requests.at(-1)!.body;
  assert.equal(sent.enable_thinking, false);
  assert.equal('thinking_budget' in sent, false);
  assert.equal('thinking' in sent, false);

  // DashScope's switch is on or off: another kind of thinking is refused, named, before Qwen is called.
  const before = gw.qwen.requests.length;
  const adaptive = { type: 'adaptive' } as unknown as Anthropic.ThinkingConfigParam;
  await assert.rejects(gw.anthropic.messages.create({ model: 'qwen', max_tokens: 256, thinking: adaptive, messages: [{ role: 'user', content: '你是谁？' }] }), (e: unknown) => {
    assert.ok(e instanceof Anthropic.BadRequestError, String(e));
    assert.match((e.error as { error: { message: string } }).error.message, /^thinking: .*'adaptive'.*'qwen'.*enable_thinking/);
    return true;
  });
  assert.equal(gw.qwen.requests.length, before);

  // No thinking asked: no switch sent, the model's own default stands.
  await gw.anthropic.messages.create({ model: 'qwen', max_tokens: 256, messages: [{ role: 'user', content: '你是谁？' }] });
  sent = gw.qwen.requests.at(-1)!.body;
  assert.equal('enable_thinking' in sent, false);
  assert.equal('thinking' in sent, false);
});

test('Qwen\'s error bodies through /v1/messages: its 400 and 429 come back in Anthropic\'s shape with their status and Qwen\'s message', async (t) => {
  const gw = await qwenGateway(t);
  gw.qwen.next({ status: 400, fixture: 'qwen-error-400.jsonc' });
  await assert.rejects(
    gw.anthropic.messages.create({ model: 'qwen', max_tokens: 256, thinking: { type: 'enabled', budget_tokens: 128 }, messages: [{ role: 'user', content: 'Hi' }] }),
    (e: unknown) => {
      assert.ok(e instanceof Anthropic.BadRequestError, String(e));
      assert.equal(e.status, 400);
      const body = e.error as { type: string; error: { type: string; message: string } };
      assert.equal(body.type, 'error');
      assert.equal(body.error.type, 'invalid_request_error');
      assert.match(body.error.message, /parameter\.enable_thinking must be set to false for non-streaming calls/);
      return true;
    },
  );

  gw.qwen.next({ status: 429, fixture: 'qwen-error-429.jsonc' });
  await assert.rejects(gw.anthropic.messages.create({ model: 'qwen', max_tokens: 16, messages: [{ role: 'user', content: 'Hi' }] }), (e: unknown) => {
    assert.ok(e instanceof Anthropic.RateLimitError, String(e));
    assert.equal(e.status, 429);
    const body = e.error as { type: string; error: { type: string; message: string } };
    assert.equal(body.error.type, 'rate_limit_error');
    assert.match(body.error.message, /exceeded your current request limit/);
    return true;
  });
  // The stream's first event is the same error, before any message_start.
  gw.qwen.next({ status: 429, fixture: 'qwen-error-429.jsonc' });
  const res = await fetch(`${gw.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'qwen', max_tokens: 16, stream: true, messages: [{ role: 'user', content: 'Hi' }] }) });
  assert.equal(res.status, 429);
  assert.equal(((await res.json()) as { error: { type: string } }).error.type, 'rate_limit_error');
});

test('Qwen\'s streamed parallel tool calls (continuations with an empty id, a closing fragment with null arguments) become tool_use blocks and function_call items', async (t) => {
  const gw = await qwenGateway(t);
  const tools = [{ name: 'get_current_weather', description: 'Weather of a place', input_schema: { type: 'object' as const, properties: { location: { type: 'string' }, unit: { type: 'string' } }, required: ['location'] } }];
  gw.qwen.next({ status: 200, fixture: 'qwen-stream-tool-calls.sse' });
  const stream = gw.anthropic.messages.stream({ model: 'qwen', max_tokens: 256, tools, messages: [{ role: 'user', content: '杭州和上海的天气？' }] });
  const final = await stream.finalMessage();
  assert.deepEqual(final.content, [
    { type: 'tool_use', id: 'call_30817ba5d0b349ed88ddcc', name: 'get_current_weather', input: { location: '浙江省杭州市', unit: 'celsius' } },
    { type: 'tool_use', id: 'call_566994452aec418d930430', name: 'get_current_weather', input: { location: '上海市', unit: 'celsius' } },
  ]);
  assert.equal(final.stop_reason, 'tool_use');
  assert.equal(final.usage.input_tokens, 263);
  assert.equal(final.usage.output_tokens, 48);
  assert.equal((gw.qwen.requests.at(-1)!.body.tools as Json[])[0]!.type, 'function');

  gw.qwen.next({ status: 200, fixture: 'qwen-stream-tool-calls.sse' });
  const events = await gw.client.responses.create({
    model: 'qwen',
    input: '杭州和上海的天气？',
    tools: [{ type: 'function', name: 'get_current_weather', parameters: tools[0]!.input_schema, strict: false }],
    stream: true,
  });
  let done: OpenAI.Responses.ResponseCompletedEvent | undefined;
  for await (const e of events) if (e.type === 'response.completed') done = e;
  const calls = done!.response.output.filter((i): i is OpenAI.Responses.ResponseFunctionToolCall => i.type === 'function_call');
  assert.deepEqual(
    calls.map((c) => [c.call_id, c.name, JSON.parse(c.arguments)]),
    [
      ['call_30817ba5d0b349ed88ddcc', 'get_current_weather', { location: '浙江省杭州市', unit: 'celsius' }],
      ['call_566994452aec418d930430', 'get_current_weather', { location: '上海市', unit: 'celsius' }],
    ],
  );
});
