/**
 * Moonshot (Kimi) as a contender, configured as a user would (`preset: moonshot`, its base URL on a loopback replay),
 * answering in the Kimi API's documented wire format (test/fixtures/vendors/moonshot-*): a thinking model's
 * `reasoning_content`, cache hits as a top-level `usage.cached_tokens`, and a stream whose usage sits inside the
 * finishing choice (`choices[0].usage`), through every client protocol of the gateway and its official client.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import { loggedRow, startTestGateway } from '../support/gateway.js';
import { startVendorReplay } from '../support/vendor-replay.js';

type Json = Record<string, unknown>;

async function moonshotGateway(t: TestContext) {
  const kimi = await startVendorReplay({ basePath: '/v1', json: 'moonshot-completion-thinking.jsonc', stream: 'moonshot-stream-thinking.sse' });
  t.after(() => kimi.close());
  const gw = await startTestGateway(t, {
    contenders: {
      kimi: { preset: 'moonshot', base_url: kimi.url, api_key: 'sk-moonshot-test-0123456789', model: 'kimi-k2-thinking', price: { input: 4, cached_input: 1, output: 16, currency: 'CNY' }, retry: { max_retries: 0 } },
    },
    races: {},
  });
  const anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'unused-key', maxRetries: 0, timeout: 20_000 });
  return { ...gw, kimi, anthropic };
}

const rowOf = (dbFile: string, id: string | null) => loggedRow(dbFile, id!)! as Json;

const REASONING = '用户自我介绍叫李雷，问1+1等于多少。这是简单的算术，答案是2。';
const STREAMED_REASONING = '用户叫李雷，问1+1，答案是2。';
const STREAMED_TEXT = '你好，李雷！1+1等于2。';

test('chat completions, whole: reasoning_content and Moonshot\'s top-level cached_tokens pass through and are metered', async (t) => {
  const gw = await moonshotGateway(t);
  const { data, response } = await gw.client.chat.completions.create({ model: 'kimi', messages: [{ role: 'user', content: '你好，我叫李雷，1+1等于多少？' }] }).withResponse();
  assert.equal(data.id, 'cmpl-04ea926191a14749b7f2c7a48a68abc6');
  assert.equal((data.choices[0]!.message as { reasoning_content?: string }).reasoning_content, REASONING);
  assert.equal(data.choices[0]!.message.content, '你好，李雷！1+1等于2。');
  assert.equal((data.usage as unknown as Json).cached_tokens, 16);
  assert.equal(gw.kimi.requests.at(-1)!.path, '/v1/chat/completions');

  const row = rowOf(gw.dbFile, response.headers.get('x-saima-request-id'));
  assert.equal(row.prompt_tokens, 19);
  assert.equal(row.cached_tokens, 16);
  assert.equal(row.completion_tokens, 21);
  assert.equal(row.usage_estimated, 0);
  // (3 × 4 + 16 × 1 + 21 × 16) per million CNY.
  assert.equal(row.cost_nanos, 364_000);
});

test('chat completions, streamed: the usage inside the finishing choice (choices[0].usage) meters the row; the chunks reach the client unchanged', async (t) => {
  const gw = await moonshotGateway(t);
  const { data: stream, response } = await gw.client.chat.completions
    .create({ model: 'kimi', messages: [{ role: 'user', content: '你好，我叫李雷，1+1等于多少？' }], stream: true })
    .withResponse();
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const c of stream) chunks.push(c);
  const deltas = chunks.map((c) => c.choices[0]!.delta as { content?: string; reasoning_content?: string });
  assert.equal(deltas.map((d) => d.reasoning_content ?? '').join(''), STREAMED_REASONING);
  assert.equal(deltas.map((d) => d.content ?? '').join(''), STREAMED_TEXT);
  const last = chunks.at(-1)!;
  assert.equal(last.choices[0]!.finish_reason, 'stop');
  assert.deepEqual((last.choices[0] as unknown as Json).usage, { prompt_tokens: 19, completion_tokens: 13, total_tokens: 32, cached_tokens: 16 });
  assert.equal(last.usage, undefined, 'nothing at the top level: Moonshot puts it in the choice');

  const row = rowOf(gw.dbFile, response.headers.get('x-saima-request-id'));
  assert.equal(row.stream, 1);
  assert.equal(row.prompt_tokens, 19);
  assert.equal(row.cached_tokens, 16);
  assert.equal(row.completion_tokens, 13);
  assert.equal(row.usage_estimated, 0, 'metered from the vendor\'s usage, not estimated');
});

test('/v1/messages, whole: reasoning_content becomes a thinking block; cache reads outside input_tokens', async (t) => {
  const gw = await moonshotGateway(t);
  const { data, response } = await gw.anthropic.messages.create({ model: 'kimi', max_tokens: 1024, messages: [{ role: 'user', content: '你好，我叫李雷，1+1等于多少？' }] }).withResponse();
  assert.equal(data.id, 'msg_cmpl-04ea926191a14749b7f2c7a48a68abc6');
  assert.equal(data.model, 'kimi-k2-thinking');
  assert.deepEqual(data.content, [
    { type: 'thinking', thinking: REASONING, signature: '' },
    { type: 'text', text: '你好，李雷！1+1等于2。', citations: null },
  ]);
  assert.equal(data.stop_reason, 'end_turn');
  assert.equal(data.usage.input_tokens, 3);
  assert.equal(data.usage.cache_read_input_tokens, 16);
  assert.equal(data.usage.output_tokens, 21);
  assert.equal(rowOf(gw.dbFile, response.headers.get('x-saima-request-id')).protocol, 'messages');
});

test('/v1/messages thinking on and off reaches Moonshot as Anthropic\'s own thinking object, the one kimi-k2.5 reads', async (t) => {
  const gw = await moonshotGateway(t);
  await gw.anthropic.messages.create({ model: 'kimi', max_tokens: 1024, thinking: { type: 'enabled', budget_tokens: 512 }, messages: [{ role: 'user', content: '1+1？' }] });
  assert.deepEqual(gw.kimi.requests.at(-1)!.body.thinking, { type: 'enabled', budget_tokens: 512 });
  // Off is sent too: left out, the model would think (and bill for it) by default.
  const off = await gw.anthropic.messages.create({ model: 'kimi', max_tokens: 1024, thinking: { type: 'disabled' }, messages: [{ role: 'user', content: '1+1？' }] });
  assert.equal(off.stop_reason, 'end_turn');
  const sent = gw.kimi.requests.at(-1)!.body;
  assert.deepEqual(sent.thinking, { type: 'disabled' });
  assert.equal('enable_thinking' in sent, false);
});

test('/v1/messages, streamed: thinking and text blocks from Moonshot\'s chunks; message_delta carries the usage read from choices[0].usage', async (t) => {
  const gw = await moonshotGateway(t);
  const stream = gw.anthropic.messages.stream({ model: 'kimi', max_tokens: 1024, messages: [{ role: 'user', content: '你好，我叫李雷，1+1等于多少？' }] });
  let thinking = '';
  let text = '';
  stream.on('thinking', (d) => (thinking += d));
  stream.on('text', (d) => (text += d));
  const final = await stream.finalMessage();
  assert.equal(thinking, STREAMED_REASONING);
  assert.equal(text, STREAMED_TEXT);
  assert.deepEqual(final.content.map((b) => b.type), ['thinking', 'text']);
  assert.equal(final.stop_reason, 'end_turn');
  assert.equal(final.usage.input_tokens, 3);
  assert.equal(final.usage.cache_read_input_tokens, 16);
  assert.equal(final.usage.output_tokens, 13);
  const row = rowOf(gw.dbFile, (await stream.withResponse()).response.headers.get('x-saima-request-id'));
  assert.equal(row.protocol, 'messages');
  assert.equal(row.prompt_tokens, 19);
  assert.equal(row.usage_estimated, 0);
});

test('/v1/responses, whole and streamed: a reasoning item from reasoning_content, usage from the top level and from the choice', async (t) => {
  const gw = await moonshotGateway(t);
  const whole = await gw.client.responses.create({ model: 'kimi', input: '你好，我叫李雷，1+1等于多少？' });
  assert.deepEqual(whole.output.map((i) => i.type), ['reasoning', 'message']);
  assert.deepEqual((whole.output[0] as OpenAI.Responses.ResponseReasoningItem).summary, [{ type: 'summary_text', text: REASONING }]);
  assert.equal(whole.output_text, '你好，李雷！1+1等于2。');
  assert.deepEqual(whole.usage, { input_tokens: 19, input_tokens_details: { cached_tokens: 16 }, output_tokens: 21, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 40 });

  const stream = await gw.client.responses.create({ model: 'kimi', input: '你好，我叫李雷，1+1等于多少？', stream: true });
  const events: OpenAI.Responses.ResponseStreamEvent[] = [];
  for await (const e of stream) events.push(e);
  const done = events.at(-1) as OpenAI.Responses.ResponseCompletedEvent;
  assert.equal(done.type, 'response.completed');
  assert.deepEqual((done.response.output[0] as OpenAI.Responses.ResponseReasoningItem).summary, [{ type: 'summary_text', text: STREAMED_REASONING }]);
  assert.equal(done.response.output_text ?? events.filter((e): e is OpenAI.Responses.ResponseTextDeltaEvent => e.type === 'response.output_text.delta').map((e) => e.delta).join(''), STREAMED_TEXT);
  assert.deepEqual(done.response.usage, { input_tokens: 19, input_tokens_details: { cached_tokens: 16 }, output_tokens: 13, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 32 });
  const row = rowOf(gw.dbFile, done.response.id.replace(/^resp_/, ''));
  assert.equal(row.protocol, 'responses');
  assert.equal(row.cached_tokens, 16);
});

test('Moonshot\'s 429 (rate_limit_reached_error, no code or param) through /v1/messages comes back as Anthropic\'s rate_limit_error', async (t) => {
  const gw = await moonshotGateway(t);
  gw.kimi.next({ status: 429, fixture: 'moonshot-error-429.jsonc' });
  await assert.rejects(gw.anthropic.messages.create({ model: 'kimi', max_tokens: 16, messages: [{ role: 'user', content: 'Hi' }] }), (e: unknown) => {
    assert.ok(e instanceof Anthropic.RateLimitError, String(e));
    assert.equal(e.status, 429);
    const body = e.error as { type: string; error: { type: string; message: string } };
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'rate_limit_error');
    assert.match(body.error.message, /max RPM: 3/);
    return true;
  });
});

test('the newer stream form, usage both in the finishing choice and in a statistics chunk (choices: []): metered once, the statistics chunk only for a client that asked', async (t) => {
  const gw = await moonshotGateway(t);
  const ask = async (extra: Json) => {
    gw.kimi.next({ status: 200, fixture: 'moonshot-stream-usage-chunk.sse' });
    const { data: stream, response } = await gw.client.chat.completions
      .create({ model: 'kimi', messages: [{ role: 'user', content: 'Hello, my name is Li Lei. What is 1+1?' }], stream: true, ...extra } as OpenAI.ChatCompletionCreateParamsStreaming)
      .withResponse();
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const c of stream) chunks.push(c);
    return { chunks, row: rowOf(gw.dbFile, response.headers.get('x-saima-request-id')) };
  };
  const plain = await ask({});
  assert.ok(plain.chunks.every((c) => c.choices.length === 1), 'the statistics chunk the gateway asked for is hidden');
  assert.equal(plain.chunks.map((c) => c.choices[0]!.delta.content ?? '').join(''), 'Hello, Li Lei! 1+1 is 2.');
  assert.equal(plain.row.prompt_tokens, 19);
  assert.equal(plain.row.completion_tokens, 13, 'the same counts twice are one usage, not two');

  const asked = await ask({ stream_options: { include_usage: true } });
  assert.deepEqual(asked.chunks.at(-1)!.choices, []);
  assert.deepEqual(asked.chunks.at(-1)!.usage, { prompt_tokens: 19, completion_tokens: 13, total_tokens: 32 });

  gw.kimi.next({ status: 200, fixture: 'moonshot-stream-usage-chunk.sse' });
  const final = await gw.anthropic.messages.stream({ model: 'kimi', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] }).finalMessage();
  assert.deepEqual(final.content, [{ type: 'text', text: 'Hello, Li Lei! 1+1 is 2.', citations: null }]);
  assert.equal(final.usage.input_tokens, 19);
  assert.equal(final.usage.output_tokens, 13);
});

test('a thinking model\'s tool-call turn goes back to Moonshot with its reasoning_content, as Kimi requires, from Messages and Responses histories', async (t) => {
  // Kimi refuses a multi-step tool call whose assistant turn lost its reasoning_content ("Preserved Thinking").
  const gw = await moonshotGateway(t);
  await gw.anthropic.messages.create({
    model: 'kimi',
    max_tokens: 256,
    tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
    messages: [
      { role: 'user', content: '北京天气？' },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: '需要查天气。', signature: '' },
          { type: 'tool_use', id: 'get_weather:0', name: 'get_weather', input: { city: '北京' } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'get_weather:0', content: '晴，25°C' }] },
    ],
  });
  const fromMessages = (gw.kimi.requests.at(-1)!.body.messages as Json[])[1]!;
  assert.equal(fromMessages.role, 'assistant');
  assert.equal(fromMessages.reasoning_content, '需要查天气。');
  assert.equal(((fromMessages.tool_calls as Json[])[0]!.function as Json).name, 'get_weather');

  await gw.client.responses.create({
    model: 'kimi',
    input: [
      { role: 'user', content: '北京天气？' },
      { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: '需要查天气。' }] },
      { type: 'function_call', call_id: 'get_weather:0', name: 'get_weather', arguments: '{"city":"北京"}' },
      { type: 'function_call_output', call_id: 'get_weather:0', output: '晴，25°C' },
    ],
    tools: [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false }],
  });
  const sent = gw.kimi.requests.at(-1)!.body.messages as Json[];
  assert.equal(sent[1]!.role, 'assistant');
  assert.equal(sent[1]!.reasoning_content, '需要查天气。');
  assert.equal((sent[1]!.tool_calls as Json[])[0]!.id, 'get_weather:0');
  assert.deepEqual(sent[2], { role: 'tool', tool_call_id: 'get_weather:0', content: '晴，25°C' });
});
