/**
 * The Anthropic Messages API front door, through the official `@anthropic-ai/sdk` client, against a race whose
 * contenders are an OpenAI-compatible upstream speaking DeepSeek's wire format (reasoning_content) and an Anthropic
 * upstream: translated both ways for the first, passed through for the second.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import Database from 'better-sqlite3';
import { fakeTokenCount, startFakeAnthropic } from '../support/fake-anthropic-upstream.js';
import { startFakeOpenAI } from '../support/fake-openai-upstream.js';
import { startTestGateway, TEST_ADMIN_KEY, loggedRow } from '../support/gateway.js';

type Json = Record<string, unknown>;

async function raceGateway(t: import('node:test').TestContext, extra: Json = {}, deepseekOpts: Parameters<typeof startFakeOpenAI>[0] = {}) {
  const deepseek = await startFakeOpenAI({ model: 'deepseek-chat', ...deepseekOpts });
  const claude = await startFakeAnthropic({ answer: { text: 'Hello from Claude.', thinking: 'Say hello.', usage: { input_tokens: 20, output_tokens: 6, cache_read_input_tokens: 8, thinking_tokens: 2 } } });
  t.after(() => deepseek.close());
  t.after(() => claude.close());
  const gw = await startTestGateway(t, {
    contenders: {
      deepseek: { provider: 'openai', base_url: deepseek.url, api_key: 'sk-deepseek-test-0123456789', model: 'deepseek-chat', price: { input: 2, cached_input: 0.5, output: 3, currency: 'CNY' }, retry: { max_retries: 0 } },
      claude: { provider: 'anthropic', base_url: claude.url, api_key: 'sk-ant-test-0123456789', model: 'claude-test', price: { input: 3, cached_input: 0.3, output: 15, currency: 'USD' }, retry: { max_retries: 0 } },
    },
    races: { assistant: { champion: 'deepseek', challengers: [{ contender: 'claude', weight: 50 }] } },
    ...extra,
  });
  const client = new Anthropic({ baseURL: gw.url, apiKey: gw.key ?? 'unused-key', maxRetries: 0, timeout: 20_000 });
  return { ...gw, deepseek, claude, anthropic: client };
}

const rowOf = (dbFile: string, id: string) => loggedRow(dbFile, id)! as Json;

test('messages.create to an OpenAI-compatible contender: system blocks, thinking, usage and stop reason translated; the row says messages', async (t) => {
  const gw = await raceGateway(t, {}, { reasoning: 'The user greets me.', answer: 'Hi there!', usage: { prompt_tokens: 30, completion_tokens: 7, cached_tokens: 10, reasoning_tokens: 4 } });
  // Sampling parameters are gone from this SDK's types (newer models take none), but older clients still send them.
  const params = {
    model: 'deepseek',
    max_tokens: 300,
    system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }, { type: 'text', text: 'Answer in English.' }],
    messages: [{ role: 'user', content: 'Hello' }],
    temperature: 0.2,
    stop_sequences: ['END'],
    metadata: { user_id: 'alice' },
    output_config: { effort: 'low' },
  } as unknown as Anthropic.MessageCreateParamsNonStreaming;
  const { data, response } = await gw.anthropic.messages.create(params).withResponse();
  assert.equal(response.headers.get('x-saima-contender'), 'deepseek');
  assert.equal(data.type, 'message');
  assert.equal(data.role, 'assistant');
  assert.equal(data.model, 'deepseek-chat');
  assert.match(data.id, /^msg_/);
  assert.deepEqual(data.content.map((b) => b.type), ['thinking', 'text']);
  assert.equal((data.content[0] as Anthropic.ThinkingBlock).thinking, 'The user greets me.');
  assert.equal((data.content[1] as Anthropic.TextBlock).text, 'Hi there!');
  assert.equal(data.stop_reason, 'end_turn');
  // Anthropic counts cache reads outside input_tokens.
  assert.equal(data.usage.input_tokens, 20);
  assert.equal(data.usage.cache_read_input_tokens, 10);
  assert.equal(data.usage.output_tokens, 7);
  assert.equal(data.usage.output_tokens_details?.thinking_tokens, 4);

  const sent = gw.deepseek.requests.at(-1)!.body;
  assert.deepEqual(sent.messages, [{ role: 'system', content: 'Be brief.\n\nAnswer in English.' }, { role: 'user', content: 'Hello' }]);
  assert.equal(sent.max_tokens, 300);
  assert.equal(sent.temperature, 0.2);
  assert.deepEqual(sent.stop, ['END']);
  assert.equal(sent.user, 'alice');
  assert.equal(sent.reasoning_effort, 'low');

  const row = rowOf(gw.dbFile, response.headers.get('x-saima-request-id')!);
  assert.equal(row.protocol, 'messages');
  assert.equal(row.contender, 'deepseek');
  assert.equal(row.prompt_tokens, 30);
  assert.equal(row.cached_tokens, 10);
  assert.equal(row.completion_tokens, 7);
  assert.equal(row.reasoning_tokens, 4);
  assert.equal(row.output_cap, 300);
  assert.ok((row.cost_nanos as number) > 0);

  // A chat completion through the same gateway is recorded as `chat`, and GET /admin/requests shows both.
  const chat = await gw.client.chat.completions.create({ model: 'deepseek', messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
  const listed = (await (await fetch(`${gw.url}/admin/requests?limit=10`)).json()) as { data: Array<{ id: string; protocol: string }> };
  const byId = new Map(listed.data.map((r) => [r.id, r.protocol]));
  assert.equal(byId.get(response.headers.get('x-saima-request-id')!), 'messages');
  assert.equal(byId.get(chat.response.headers.get('x-saima-request-id')!), 'chat');
});

test('messages.create to an anthropic contender passes the body and the bytes through, metered from the upstream usage', async (t) => {
  const gw = await raceGateway(t);
  const params = {
    model: 'claude',
    max_tokens: 512,
    system: [{ type: 'text' as const, text: 'Be brief.', cache_control: { type: 'ephemeral' as const } }],
    messages: [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'Hello', cache_control: { type: 'ephemeral' as const } }] }],
    thinking: { type: 'enabled' as const, budget_tokens: 256 },
    cache_control: { type: 'ephemeral' as const },
    service_tier: 'auto' as const,
  };
  const { data, response } = await gw.anthropic.messages.create(params, { headers: { 'anthropic-beta': 'context-1m-2025-08-07' } }).withResponse();
  assert.equal(response.headers.get('x-saima-contender'), 'claude');
  // The fake's own id, signature and usage: bytes the gateway did not make.
  assert.match(data.id, /^msg_fake_/);
  assert.equal((data.content[0] as Anthropic.ThinkingBlock).signature, 'fake-signature');
  assert.equal(data.usage.cache_read_input_tokens, 8);
  const sent = gw.claude.requests.at(-1)!;
  assert.deepEqual(sent.body, { ...params, model: 'claude-test' });
  assert.equal(sent.headers['x-api-key'], 'sk-ant-test-0123456789');
  assert.equal(sent.headers['anthropic-beta'], 'context-1m-2025-08-07');

  const row = rowOf(gw.dbFile, response.headers.get('x-saima-request-id')!);
  assert.equal(row.protocol, 'messages');
  assert.equal(row.prompt_tokens, 28);
  assert.equal(row.cached_tokens, 8);
  assert.equal(row.completion_tokens, 6);
  assert.equal(row.reasoning_tokens, 2);
  assert.equal(row.usage_estimated, 0);
  // (20 × 3 + 8 × 0.3 + 6 × 15) per million USD = 152.4e-6 USD.
  assert.equal(row.cost_nanos, 152_400);
});

test('messages.stream: translated event by event from DeepSeek chunks, passed through from Anthropic', async (t) => {
  const gw = await raceGateway(t, {}, { reasoning: 'Think first.', answer: 'Streaming answer here.', usage: { prompt_tokens: 12, completion_tokens: 9 } });

  const translated = gw.anthropic.messages.stream({ model: 'deepseek', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] });
  const types: string[] = [];
  const deltas: string[] = [];
  let text = '';
  let thinking = '';
  translated.on('streamEvent', (e) => {
    types.push(e.type);
    if (e.type === 'content_block_delta') deltas.push(e.delta.type);
  });
  translated.on('text', (d) => (text += d));
  translated.on('thinking', (d) => (thinking += d));
  const final = await translated.finalMessage();
  assert.equal(text, 'Streaming answer here.');
  assert.equal(thinking, 'Think first.');
  assert.equal(types[0], 'message_start');
  assert.deepEqual(types.slice(-2), ['message_delta', 'message_stop']);
  assert.ok(deltas.includes('thinking_delta') && deltas.includes('text_delta'));
  assert.equal(types.filter((x) => x === 'content_block_start').length, 2);
  assert.equal(types.filter((x) => x === 'content_block_stop').length, 2);
  assert.equal(final.stop_reason, 'end_turn');
  // The closing usage is the settled one, the upstream's own here.
  assert.equal(final.usage.input_tokens, 12);
  assert.equal(final.usage.output_tokens, 9);
  // The stream asked the upstream for its usage chunk.
  assert.deepEqual(gw.deepseek.requests.at(-1)!.body.stream_options, { include_usage: true });

  const passed = gw.anthropic.messages.stream({ model: 'claude', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] });
  const passedDeltas: string[] = [];
  passed.on('streamEvent', (e) => {
    if (e.type === 'content_block_delta') passedDeltas.push(e.delta.type);
  });
  const claudeFinal = await passed.finalMessage();
  // The upstream's signature_delta reaches the client (a translation never makes one): its events, unchanged.
  assert.ok(passedDeltas.includes('signature_delta'));
  assert.ok(!deltas.includes('signature_delta'));
  assert.equal((claudeFinal.content[0] as Anthropic.ThinkingBlock).signature, 'fake-signature');
  assert.equal((claudeFinal.content[1] as Anthropic.TextBlock).text, 'Hello from Claude.');
  assert.equal(claudeFinal.usage.output_tokens, 6);
  const id = (await passed.withResponse()).response.headers.get('x-saima-request-id')!;
  const row = rowOf(gw.dbFile, id);
  assert.equal(row.protocol, 'messages');
  assert.equal(row.stream, 1);
  assert.equal(row.completion_tokens, 6);
  assert.equal(row.reasoning_tokens, 2);
  assert.equal(row.prompt_tokens, 28);

  // On the wire: the upstream's pings pass too, and message_stop is the last event.
  const raw = await fetch(`${gw.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'claude', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'Hi' }] }) });
  const wire = await raw.text();
  assert.equal(raw.headers.get('content-type'), 'text/event-stream');
  assert.equal((wire.match(/^event: ping$/gm) ?? []).length, 2);
  assert.match(wire, /event: message_stop\ndata: \{"type":"message_stop"\}\n\n$/);
});

test('tools: parallel tool_use and tool_result turns translated, parallel calls come back as tool_use blocks, whole and streamed', async (t) => {
  const toolCalls = [
    { id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
    { id: 'call_2', name: 'get_weather', arguments: '{"city":"Tokyo"}' },
  ];
  const gw = await raceGateway(t, {}, { toolCalls, answer: '', usage: { prompt_tokens: 40, completion_tokens: 12 } });
  const tools = [{ name: 'get_weather', description: 'Weather of a city', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] } }];
  const messages: Anthropic.MessageParam[] = [
    { role: 'user', content: 'Weather in Oslo and Rome?' },
    {
      role: 'assistant',
      content: [
        { type: 'text', text: 'Checking both.' },
        { type: 'tool_use', id: 'toolu_a', name: 'get_weather', input: { city: 'Oslo' } },
        { type: 'tool_use', id: 'toolu_b', name: 'get_weather', input: { city: 'Rome' } },
      ],
    },
    {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_a', content: '3°C' },
        { type: 'tool_result', tool_use_id: 'toolu_b', content: [{ type: 'text', text: 'unavailable' }], is_error: true },
        { type: 'text', text: 'And Paris and Tokyo?' },
      ],
    },
  ];
  const whole = await gw.anthropic.messages.create({ model: 'deepseek', max_tokens: 200, tools, tool_choice: { type: 'any', disable_parallel_tool_use: false }, messages });
  const sent = gw.deepseek.requests.at(-1)!.body;
  assert.deepEqual(sent.tools, [{ type: 'function', function: { name: 'get_weather', description: 'Weather of a city', parameters: tools[0]!.input_schema } }]);
  assert.equal(sent.tool_choice, 'required');
  assert.deepEqual(sent.messages, [
    { role: 'user', content: 'Weather in Oslo and Rome?' },
    {
      role: 'assistant',
      content: 'Checking both.',
      tool_calls: [
        { id: 'toolu_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
        { id: 'toolu_b', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'toolu_a', content: '3°C' },
    { role: 'tool', tool_call_id: 'toolu_b', content: 'Error: unavailable' },
    { role: 'user', content: 'And Paris and Tokyo?' },
  ]);
  assert.equal(whole.stop_reason, 'tool_use');
  assert.deepEqual(
    whole.content.map((b) => (b.type === 'tool_use' ? [b.id, b.name, b.input] : b.type)),
    [['call_1', 'get_weather', { city: 'Paris' }], ['call_2', 'get_weather', { city: 'Tokyo' }]],
  );

  await gw.anthropic.messages.create({ model: 'deepseek', max_tokens: 200, tools, tool_choice: { type: 'tool', name: 'get_weather', disable_parallel_tool_use: true }, messages });
  const forced = gw.deepseek.requests.at(-1)!.body;
  assert.deepEqual(forced.tool_choice, { type: 'function', function: { name: 'get_weather' } });
  assert.equal(forced.parallel_tool_calls, false);

  const stream = gw.anthropic.messages.stream({ model: 'deepseek', max_tokens: 200, tools, messages });
  const jsonDeltas: string[] = [];
  stream.on('streamEvent', (e) => {
    if (e.type === 'content_block_delta' && e.delta.type === 'input_json_delta') jsonDeltas.push(e.delta.partial_json);
  });
  const final = await stream.finalMessage();
  assert.ok(jsonDeltas.length > 2, 'arguments arrive in pieces');
  assert.equal(final.stop_reason, 'tool_use');
  assert.deepEqual(final.content.map((b) => (b.type === 'tool_use' ? b.input : null)), [{ city: 'Paris' }, { city: 'Tokyo' }]);
});

test('images: base64 and URL sources reach an OpenAI-compatible contender as image_url parts, and an anthropic one as sent', async (t) => {
  const gw = await raceGateway(t);
  const png = Buffer.from('89504e470d0a1a0a', 'hex').toString('base64');
  const content: Anthropic.ContentBlockParam[] = [
    { type: 'image', source: { type: 'base64', media_type: 'image/png', data: png } },
    { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
    { type: 'text', text: 'What is in these?' },
  ];
  await gw.anthropic.messages.create({ model: 'deepseek', max_tokens: 50, messages: [{ role: 'user', content }] });
  assert.deepEqual((gw.deepseek.requests.at(-1)!.body.messages as Json[])[0], {
    role: 'user',
    content: [
      { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } },
      { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
      { type: 'text', text: 'What is in these?' },
    ],
  });
  await gw.anthropic.messages.create({ model: 'claude', max_tokens: 50, messages: [{ role: 'user', content }] });
  assert.deepEqual((gw.claude.requests.at(-1)!.body.messages as Json[])[0], { role: 'user', content });
});

test('count_tokens: the anthropic contender counts for itself, others are estimated; nothing is charged or logged', async (t) => {
  const gw = await raceGateway(t);
  const params = { model: 'claude', system: 'Be brief.', messages: [{ role: 'user' as const, content: 'How many tokens is this sentence?' }] };
  const upstream = await gw.anthropic.messages.countTokens(params).withResponse();
  assert.equal(upstream.data.input_tokens, fakeTokenCount({ ...params, model: 'claude-test' }));
  assert.equal(upstream.response.headers.get('x-saima-token-count'), 'upstream');
  assert.equal(gw.claude.requests.at(-1)!.path, '/v1/messages/count_tokens');
  assert.equal(gw.claude.requests.at(-1)!.body.model, 'claude-test');

  const estimated = await gw.anthropic.messages.countTokens({ ...params, model: 'deepseek' }).withResponse();
  assert.equal(estimated.response.headers.get('x-saima-token-count'), 'estimate');
  // "Be brief." and the question, with the chat format's overhead: more than the words, far less than the characters.
  assert.ok(estimated.data.input_tokens >= 10 && estimated.data.input_tokens < 40, String(estimated.data.input_tokens));
  assert.equal(gw.deepseek.requests.length, 0);

  const db = new Database(gw.dbFile, { readonly: true });
  t.after(() => db.close());
  assert.equal((db.prepare('select count(*) as n from requests').get() as { n: number }).n, 0);
});

test('count_tokens takes one request from the key rate, in buckets of its own: a flood of counts stops at the limit, paid calls do not', async (t) => {
  const gw = await raceGateway(t, { auth: { mode: 'keys' }, key_defaults: { limits: { rpm: 3 } } });
  const params = { model: 'claude', messages: [{ role: 'user' as const, content: 'Count me.' }] };
  // OpenAI-style rate headers on each admitted count: the count bucket's requests, no tokens (counts take none).
  for (let i = 0; i < 3; i++) {
    const { response } = await gw.anthropic.messages.countTokens(params).withResponse();
    assert.equal(response.headers.get('x-ratelimit-limit-requests'), '3');
    assert.equal(response.headers.get('x-ratelimit-remaining-requests'), String(2 - i));
    assert.match(response.headers.get('x-ratelimit-reset-requests') ?? '', /^(\d+ms|\d+s|\d+m\d+s)$/);
    assert.equal(response.headers.get('x-ratelimit-limit-tokens'), null);
  }
  const refused = (await gw.anthropic.messages.countTokens(params).catch((e: unknown) => e)) as InstanceType<typeof Anthropic.APIError>;
  assert.equal(refused.status, 429);
  assert.equal((refused.error as { error: { type: string } }).error.type, 'rate_limit_error');
  assert.ok(Number(refused.headers?.get('retry-after')) >= 1);
  assert.equal(refused.headers?.get('x-ratelimit-remaining-requests'), '0');
  assert.match(refused.headers?.get('x-ratelimit-reset-requests') ?? '', /^(\d+ms|\d+s|\d+m\d+s)$/);
  assert.equal(gw.claude.requests.filter((r) => r.path === '/v1/messages/count_tokens').length, 3, 'the upstream saw only the admitted counts');
  // The key's rate for paid calls is its own: a message still goes through.
  const answer = await gw.anthropic.messages.create({ model: 'claude', max_tokens: 20, messages: [{ role: 'user', content: 'Hello' }] });
  assert.equal(answer.type, 'message');
});

test('models.list through the Anthropic SDK: the races and contenders the key may call, in the Models API shape', async (t) => {
  const gw = await raceGateway(t);
  const page = await gw.anthropic.models.list();
  const models = page.data;
  assert.deepEqual(models.map((m) => m.id), ['assistant', 'deepseek', 'claude']);
  for (const m of models) {
    assert.equal(m.type, 'model');
    assert.equal(m.display_name, m.id);
    assert.ok(!Number.isNaN(Date.parse(m.created_at)), m.created_at);
  }
  assert.equal(page.has_more, false);
  // An OpenAI client gets OpenAI's list from the same route.
  const openai = (await (await fetch(`${gw.url}/v1/models`)).json()) as { object: string; data: Array<{ object: string }> };
  assert.equal(openai.object, 'list');
  assert.ok(openai.data.every((m) => m.object === 'model'));
});

test('sticky assignment: a user keeps one contender on the Messages route, by metadata.user_id or x-saima-user, and the same one as on chat', async (t) => {
  const gw = await raceGateway(t);
  const assigned = new Map<string, string>();
  for (let i = 0; i < 16; i++) {
    const user = `user-${i}`;
    const seen = new Set<string>();
    for (let k = 0; k < 3; k++) {
      const r = await gw.anthropic.messages.create({ model: 'assistant', max_tokens: 20, metadata: { user_id: user }, messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
      assert.equal(r.response.headers.get('x-saima-race'), 'assistant');
      seen.add(r.response.headers.get('x-saima-contender')!);
    }
    const byHeader = await gw.anthropic.messages.create({ model: 'assistant', max_tokens: 20, messages: [{ role: 'user', content: 'Hi' }] }, { headers: { 'x-saima-user': user } }).withResponse();
    seen.add(byHeader.response.headers.get('x-saima-contender')!);
    const chat = await gw.client.chat.completions.create({ model: 'assistant', user, messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
    seen.add(chat.response.headers.get('x-saima-contender')!);
    assert.equal(seen.size, 1, `${user} moved between ${[...seen].join(' and ')}`);
    assigned.set(user, [...seen][0]!);
  }
  // A 50/50 race over 16 users puts some on each side (the chance of not: 2 × 2^-16).
  assert.deepEqual(new Set(assigned.values()), new Set(['deepseek', 'claude']));
  // Both protocols' rows count for their contender: evidence is pooled per contender.
  const db = new Database(gw.dbFile, { readonly: true });
  t.after(() => db.close());
  const rows = db.prepare("select contender, protocol, count(*) as n from requests where race = 'assistant' group by contender, protocol order by contender, protocol").all() as Json[];
  assert.deepEqual(new Set(rows.map((r) => `${String(r.contender)}/${String(r.protocol)}`)), new Set(['claude/chat', 'claude/messages', 'deepseek/chat', 'deepseek/messages']));
  // The race's report counts every row of a contender, whichever door it came through.
  const report = (await (await fetch(`${gw.url}/admin/races/assistant`)).json()) as { contenders: Array<{ contender: string; n: number }> };
  for (const name of ['claude', 'deepseek']) {
    const logged = rows.filter((r) => r.contender === name).reduce((sum, r) => sum + (r.n as number), 0);
    assert.equal(report.contenders.find((c) => c.contender === name)?.n, logged, name);
  }
});

test("errors in Anthropic's shape with the right status: auth, scope, model, body, size, untranslatable fields", async (t) => {
  const gw = await raceGateway(t, { auth: { mode: 'keys' }, server: { host: '127.0.0.1', port: 0, body_limit_bytes: 64 * 1024 } });
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': TEST_ADMIN_KEY, ...headers }, body });
  const expectError = async (res: Response, status: number, type: string, message?: RegExp) => {
    assert.equal(res.status, status);
    const body = (await res.json()) as { type: string; error: { type: string; message: string }; request_id: string };
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, type);
    assert.equal(body.request_id, res.headers.get('x-saima-request-id'));
    if (message) assert.match(body.error.message, message);
  };
  const ok = { model: 'deepseek', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] };

  // The key works as x-api-key (the SDK's apiKey) and as a bearer token (its authToken).
  assert.equal((await gw.anthropic.messages.create({ model: 'deepseek', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] })).type, 'message');
  const bearer = new Anthropic({ baseURL: gw.url, authToken: TEST_ADMIN_KEY, apiKey: null, maxRetries: 0 });
  assert.equal((await bearer.messages.create({ model: 'deepseek', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] })).type, 'message');

  const wrong = new Anthropic({ baseURL: gw.url, apiKey: 'sk-saima-wrong-0123456789abcdef', maxRetries: 0 });
  await assert.rejects(wrong.messages.create({ model: 'deepseek', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] }), (e: unknown) => e instanceof Anthropic.AuthenticationError && e.status === 401 && (e.error as Json & { error: Json }).error.type === 'authentication_error');
  await expectError(await fetch(`${gw.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ok) }), 401, 'authentication_error', /x-api-key/);

  const created = (await (await fetch(`${gw.url}/admin/keys`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` }, body: JSON.stringify({ team: 'ops', scopes: ['feedback'] }) })).json()) as { key: string };
  const noChat = new Anthropic({ baseURL: gw.url, apiKey: created.key, maxRetries: 0 });
  await assert.rejects(noChat.messages.create({ model: 'deepseek', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] }), (e: unknown) => e instanceof Anthropic.PermissionDeniedError && e.status === 403);

  await assert.rejects(gw.anthropic.messages.create({ model: 'no-such-model', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] }), (e: unknown) => e instanceof Anthropic.NotFoundError && (e.error as { error: Json }).error.type === 'not_found_error');
  await expectError(await post('/v1/messages', '{"model":'), 400, 'invalid_request_error', /JSON/);
  await expectError(await post('/v1/messages', JSON.stringify({ model: 'deepseek', messages: ok.messages })), 400, 'invalid_request_error', /max_tokens: Field required/);
  await expectError(await post('/v1/messages', JSON.stringify({ ...ok, messages: [{ role: 'system', content: 'x' }] })), 400, 'invalid_request_error', /messages\.0\.role/);
  await expectError(await post('/v1/messages', JSON.stringify({ ...ok, temperature: 1.5 })), 400, 'invalid_request_error', /temperature/);
  await expectError(await post('/v1/messages', JSON.stringify({ ...ok, messages: [{ role: 'user', content: 'x'.repeat(70 * 1024) }] })), 413, 'request_too_large');
  await expectError(await post('/v1/messages/batches', '{}'), 404, 'not_found_error');
  // Tool results nested in each other are refused at the second level (thousands deep would run a recursive check's stack out).
  const deep = JSON.stringify({ ...ok, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'tool_result', tool_use_id: 'u', content: 'x' }] }] }] });
  await expectError(await post('/v1/messages', deep), 400, 'invalid_request_error', /cannot hold another tool_result/);

  // What an OpenAI-compatible contender cannot carry is refused, named; the anthropic contender carries it.
  await expectError(await post('/v1/messages', JSON.stringify({ ...ok, container: 'container_1' })), 400, 'invalid_request_error', /container.*cannot be carried.*deepseek/);
  await expectError(await post('/v1/messages', JSON.stringify({ ...ok, tools: [{ type: 'web_search_20250305', name: 'web_search' }] })), 400, 'invalid_request_error', /tools\.0.*web_search_20250305/);
  await expectError(
    await post('/v1/messages', JSON.stringify({ ...ok, messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'x' } }] }] })),
    400,
    'invalid_request_error',
    /messages\.0\.content\.0.*document/,
  );
  const before = gw.deepseek.requests.length;
  const carried = await post('/v1/messages', JSON.stringify({ ...ok, model: 'claude', container: 'container_1' }));
  assert.equal(carried.status, 200);
  assert.equal(gw.claude.requests.at(-1)!.body.container, 'container_1');
  assert.equal(gw.deepseek.requests.length, before, 'no refused request reached the OpenAI-compatible upstream');

  // count_tokens answers errors in the same shape.
  await expectError(await post('/v1/messages/count_tokens', JSON.stringify({ model: 'nope', messages: ok.messages })), 404, 'not_found_error');
});

test("thinking by each contender's switch: one without a preset gets Anthropic's object, on and off; an openai one, with no switch, refuses it on and is sent nothing off", async (t) => {
  const deepseek = await startFakeOpenAI({ model: 'deepseek-chat' });
  const openai = await startFakeOpenAI({ model: 'gpt-4.1' });
  t.after(() => deepseek.close());
  t.after(() => openai.close());
  const gw = await startTestGateway(t, {
    contenders: {
      deepseek: { provider: 'openai', base_url: deepseek.url, api_key: 'sk-deepseek-test-0123456789', model: 'deepseek-chat', retry: { max_retries: 0 } },
      gpt: { preset: 'openai', base_url: openai.url, api_key: 'sk-openai-test-0123456789', model: 'gpt-4.1', retry: { max_retries: 0 } },
    },
    races: {},
  });
  const claude = new Anthropic({ baseURL: gw.url, apiKey: gw.key ?? 'unused-key', maxRetries: 0, timeout: 20_000 });
  const ask = (model: string, thinking: Anthropic.ThinkingConfigParam) => claude.messages.create({ model, max_tokens: 1024, thinking, messages: [{ role: 'user', content: 'Hello' }] });

  await ask('deepseek', { type: 'enabled', budget_tokens: 512 });
  assert.deepEqual(deepseek.requests.at(-1)!.body.thinking, { type: 'enabled', budget_tokens: 512 });
  await ask('deepseek', { type: 'disabled' });
  assert.deepEqual(deepseek.requests.at(-1)!.body.thinking, { type: 'disabled' }, 'turned off, not left to the model\'s default');

  await assert.rejects(ask('gpt', { type: 'enabled', budget_tokens: 512 }), (e: unknown) => {
    assert.ok(e instanceof Anthropic.BadRequestError, String(e));
    const body = e.error as { type: string; error: { type: string; message: string } };
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'invalid_request_error');
    assert.match(body.error.message, /^thinking: .*'enabled'.*cannot be carried to 'gpt', which has no thinking switch/);
    return true;
  });
  assert.equal(openai.requests.length, 0, 'the refused request reached no upstream');
  const off = await ask('gpt', { type: 'disabled' });
  assert.equal(off.type, 'message');
  assert.equal(openai.requests.length, 1);
  assert.equal('thinking' in openai.requests[0]!.body, false, 'OpenAI knows no thinking field; nothing to turn off');
});

test("a shadow asks with the same thinking by its own contender's switch, and is skipped when that contender has none to turn on", async (t) => {
  const deepseek = await startFakeOpenAI({ model: 'deepseek-chat' });
  const qwen = await startFakeOpenAI({ model: 'qwen-plus' });
  const openai = await startFakeOpenAI({ model: 'gpt-4.1' });
  for (const up of [deepseek, qwen, openai]) t.after(() => up.close());
  const gw = await startTestGateway(t, {
    contenders: {
      deepseek: { provider: 'openai', base_url: deepseek.url, api_key: 'sk-deepseek-test-0123456789', model: 'deepseek-chat', retry: { max_retries: 0 } },
      qwen: { preset: 'qwen', base_url: qwen.url, api_key: 'sk-dashscope-test-0123456789', model: 'qwen-plus', retry: { max_retries: 0 } },
      gpt: { preset: 'openai', base_url: openai.url, api_key: 'sk-openai-test-0123456789', model: 'gpt-4.1', retry: { max_retries: 0 } },
    },
    races: {
      'vs-qwen': { champion: 'deepseek', shadow: { contender: 'qwen', rate: 1 } },
      'vs-gpt': { champion: 'deepseek', shadow: { contender: 'gpt', rate: 1 } },
    },
  });
  const claude = new Anthropic({ baseURL: gw.url, apiKey: gw.key ?? 'unused-key', maxRetries: 0, timeout: 20_000 });
  const ask = (model: string, thinking: Anthropic.ThinkingConfigParam) => claude.messages.create({ model, max_tokens: 1024, thinking, messages: [{ role: 'user', content: 'Hello' }] });
  const received = async (up: typeof qwen, n: number) => {
    for (let i = 0; i < 100 && up.requests.length < n; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(up.requests.length, n);
    return up.requests[n - 1]!.body;
  };

  await ask('vs-qwen', { type: 'disabled' });
  const shadowed = await received(qwen, 1);
  assert.equal(shadowed.enable_thinking, false);
  assert.equal('thinking' in shadowed, false);

  // gpt has no switch: thinking on cannot be asked of it, so that shadow is skipped; off is asked without the field.
  await ask('vs-gpt', { type: 'enabled', budget_tokens: 512 });
  await ask('vs-gpt', { type: 'disabled' });
  const asked = await received(openai, 1);
  assert.equal('thinking' in asked, false);
  assert.deepEqual(deepseek.requests.map((r) => r.body.thinking), [{ type: 'disabled' }, { type: 'enabled', budget_tokens: 512 }, { type: 'disabled' }]);
});

test('an upstream failure: the translated error status and, mid-stream, an Anthropic error event instead of message_stop', async (t) => {
  const gw = await raceGateway(t, {}, { answer: 'one two three four five six seven eight' });
  gw.deepseek.setFaults([{ kind: 'status', status: 503 }]);
  await assert.rejects(gw.anthropic.messages.create({ model: 'deepseek', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] }), (e: unknown) => e instanceof Anthropic.APIError && e.status === 502 && (e.error as { error: Json }).error.type === 'api_error');

  gw.deepseek.setFaults([{ kind: 'cut', afterEvents: 4 }]);
  const stream = gw.anthropic.messages.stream({ model: 'deepseek', max_tokens: 50, messages: [{ role: 'user', content: 'Hi' }] });
  const types: string[] = [];
  stream.on('streamEvent', (e) => types.push(e.type));
  stream.on('error', () => {});
  await assert.rejects(stream.finalMessage(), (e: unknown) => e instanceof Anthropic.APIError && /stream cut|closed/i.test(String((e as Error).message)));
  assert.ok(types.includes('content_block_delta'));
  assert.ok(!types.includes('message_stop'));
  const id = (await stream.withResponse()).response.headers.get('x-saima-request-id')!;
  assert.equal(rowOf(gw.dbFile, id).outcome, 'cut');
});

test('budget: the reservation at max_tokens bounds the spend on the Messages route; refusals are rate_limit_error 429s', async (t) => {
  // Slow headers, so concurrent calls hold their reservations at once; each answer bills 5 output tokens.
  const upstream = await startFakeOpenAI({ model: 'deepseek-chat', headersDelayMs: 300, usage: { prompt_tokens: 10, completion_tokens: 5 } });
  t.after(() => upstream.close());
  // 1 CNY per output token: a call reserves a little over max_tokens CNY; the race's budget is 50 CNY a day.
  const gw = await startTestGateway(t, {
    contenders: { deepseek: { provider: 'openai', base_url: upstream.url, model: 'deepseek-chat', price: { input: 1, output: 1_000_000, currency: 'CNY' }, retry: { max_retries: 0 } } },
    races: { assistant: { champion: 'deepseek' } },
    budgets: { cap: { race: 'assistant', period: 'day', limit: 50, currency: 'CNY' } },
  });
  const anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'unused-key', maxRetries: 0 });
  const ask = (max_tokens: number) => anthropic.messages.create({ model: 'assistant', max_tokens, messages: [{ role: 'user', content: 'Hi' }] });

  // More than the whole budget could ever pay for: refused before any upstream call.
  await assert.rejects(ask(60), (e: unknown) => e instanceof Anthropic.RateLimitError && e.status === 429 && (e.error as { error: Json }).error.type === 'rate_limit_error' && /Budget 'cap'/.test((e.error as { error: { message: string } }).error.message));
  assert.equal(upstream.requests.length, 0);

  // Three at once, 20 tokens each: only two reservations fit in 50 CNY, whatever the answers will cost.
  const results = await Promise.allSettled([ask(20), ask(20), ask(20)]);
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 2);
  const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
  assert.ok(refused.reason instanceof Anthropic.RateLimitError);
  assert.equal(upstream.requests.length, 2);
  // The cap the reservation was made at is the one sent upstream: the upstream cannot bill past it.
  for (const r of upstream.requests) assert.equal(r.body.max_tokens ?? r.body.max_completion_tokens, 20);

  // Settled to the real cost (5 tokens each): the budget has room again, and what was logged is within it.
  assert.equal((await ask(20)).type, 'message');
  const db = new Database(gw.dbFile, { readonly: true });
  t.after(() => db.close());
  const spent = db.prepare("select sum(cost_nanos) as nanos, count(*) as n from requests where protocol = 'messages'").get() as { nanos: number; n: number };
  assert.equal(spent.n, 3);
  assert.ok(spent.nanos <= 50e9, String(spent.nanos));
  assert.ok(spent.nanos >= 15e9, String(spent.nanos));
});

test('retries and fallbacks across protocols: a failing anthropic champion falls back to a translated contender; a passed-through stream cut ends with an error event', async (t) => {
  const gw = await raceGateway(t, { races: { assistant: { champion: 'claude', fallbacks: ['deepseek'] } } }, { answer: 'Fallback answer.' });
  gw.claude.setFaults([{ kind: 'status', status: 529 }]);
  const { data, response } = await gw.anthropic.messages.create({ model: 'assistant', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
  assert.equal(response.headers.get('x-saima-contender'), 'deepseek');
  assert.equal((data.content[0] as Anthropic.TextBlock).text, 'Fallback answer.');
  const row = rowOf(gw.dbFile, response.headers.get('x-saima-request-id')!);
  assert.equal(row.fallback_from, 'claude');
  assert.equal(row.contender, 'deepseek');
  assert.match(String(row.failed_attempts), /claude/);

  // After its first content, an Anthropic stream that breaks is not retried: the client gets an error event.
  gw.claude.setFaults([{ kind: 'cut', afterEvents: 8 }]);
  const raw = await fetch(`${gw.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'assistant', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'Hi' }] }) });
  const wire = await raw.text();
  assert.match(wire, /event: content_block_delta/);
  assert.match(wire, /event: error\ndata: \{"type":"error","error":\{"type":"api_error","message":"stream cut/);
  assert.doesNotMatch(wire, /message_stop/);
  assert.equal(rowOf(gw.dbFile, raw.headers.get('x-saima-request-id')!).outcome, 'cut');
});

test('a large Messages body is parsed on the body threads and served; shadow copies are logged with the protocol', async (t) => {
  const gw = await raceGateway(t, { races: { assistant: { champion: 'deepseek', shadow: { contender: 'claude', rate: 1 } } } });
  const long = 'lorem ipsum dolor sit amet '.repeat(12_000); // ~324 kB
  const { response } = await gw.anthropic.messages.create({ model: 'assistant', max_tokens: 32, messages: [{ role: 'user', content: long }] }).withResponse();
  assert.equal(response.status, 200);
  assert.equal(((gw.deepseek.requests.at(-1)!.body.messages as Json[])[0]!.content as string).length, long.length);
  const missing = await fetch(`${gw.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'assistant', messages: [{ role: 'user', content: long }] }) });
  assert.equal(missing.status, 400);
  assert.equal(((await missing.json()) as { error: { message: string } }).error.message, 'max_tokens: Field required');

  const id = response.headers.get('x-saima-request-id')!;
  const db = new Database(gw.dbFile, { readonly: true });
  t.after(() => db.close());
  let shadow: Json | undefined;
  for (let i = 0; i < 100 && !shadow; i++) {
    shadow = db.prepare('select * from requests where parent_id = ?').get(id) as Json | undefined;
    if (!shadow) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(shadow, 'the shadow row is written');
  assert.equal(shadow.contender, 'claude');
  assert.equal(shadow.protocol, 'messages');
  assert.equal(shadow.outcome, 'ok');
});

test("DeepSeek's usage on the finish chunk with its cache-hit count, and an upstream with no usage at all: message_delta carries the settled usage", async (t) => {
  const gw = await raceGateway(t, {}, { usageMode: 'last_chunk', answer: 'Cached reply.', usage: { prompt_tokens: 50, completion_tokens: 8, prompt_cache_hit_tokens: 30 } });
  const stream = gw.anthropic.messages.stream({ model: 'deepseek', max_tokens: 40, messages: [{ role: 'user', content: 'Hi' }] });
  const final = await stream.finalMessage();
  assert.equal(final.usage.input_tokens, 20);
  assert.equal(final.usage.cache_read_input_tokens, 30);
  assert.equal(final.usage.output_tokens, 8);

  gw.deepseek.setFaults([{ kind: 'ok', answer: 'No usage from me.', usage: null }]);
  const silent = gw.anthropic.messages.stream({ model: 'deepseek', max_tokens: 40, messages: [{ role: 'user', content: 'Hello there, how are you today?' }] });
  const estimated = await silent.finalMessage();
  const id = (await silent.withResponse()).response.headers.get('x-saima-request-id')!;
  const row = rowOf(gw.dbFile, id);
  assert.equal(row.usage_estimated, 1);
  // The client reads the same estimate the row was charged at.
  assert.equal(estimated.usage.input_tokens, row.prompt_tokens);
  assert.equal(estimated.usage.output_tokens, row.completion_tokens);
  assert.ok((row.completion_tokens as number) > 0);
});

test("vLLM's matched stop string reads stop_sequence; interleaved parallel tool-call pieces are refused in the stream, not garbled", async (t) => {
  const gw = await raceGateway(t);
  // vLLM names the stop string that ended the answer in the choice's `stop_reason`.
  const vllm = { id: 'cmpl-1', object: 'chat.completion', created: 1, model: 'my-org/house-7b', choices: [{ index: 0, message: { role: 'assistant', content: 'one two' }, finish_reason: 'stop', stop_reason: '###' }], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } };
  gw.deepseek.setFaults([{ kind: 'replay', body: JSON.stringify(vllm), contentType: 'application/json' }]);
  const stopped = await gw.anthropic.messages.create({ model: 'deepseek', max_tokens: 20, stop_sequences: ['###'], messages: [{ role: 'user', content: 'Count' }] });
  assert.equal(stopped.stop_reason, 'stop_sequence');
  assert.equal(stopped.stop_sequence, '###');

  const chunk = (delta: Json, finish: string | null = null) => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'deepseek-chat', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const call = (index: number, extra: Json) => ({ tool_calls: [{ index, ...extra }] });
  const interleaved = [
    chunk({ role: 'assistant', content: null }),
    chunk(call(0, { id: 'call_a', type: 'function', function: { name: 'f', arguments: '{"a":' } })),
    chunk(call(1, { id: 'call_b', type: 'function', function: { name: 'f', arguments: '{"b":2}' } })),
    chunk(call(0, { function: { arguments: '1}' } })),
    chunk({}, 'tool_calls'),
    'data: [DONE]\n\n',
  ].join('');
  gw.deepseek.setFaults([{ kind: 'replay', body: interleaved }]);
  const raw = await fetch(`${gw.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'deepseek', max_tokens: 20, stream: true, messages: [{ role: 'user', content: 'x' }] }) });
  const wire = await raw.text();
  assert.match(wire, /event: error\ndata: .*interleaved the arguments of parallel tool calls/);
  assert.doesNotMatch(wire, /message_stop/);
  const row = rowOf(gw.dbFile, raw.headers.get('x-saima-request-id')!);
  assert.equal(row.outcome, 'cut');
  assert.match(String(row.error_message), /interleaved/);
});
