/**
 * The OpenAI Responses API front door, through the official `openai` client's `responses.create`, against a race
 * whose contenders are OpenAI-format chat upstreams (one speaking DeepSeek's reasoning_content): every request is
 * translated to chat completions and every answer back, whole and event by event.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { startFakeAnthropic } from '../support/fake-anthropic-upstream.js';
import { startFakeOpenAI } from '../support/fake-openai-upstream.js';
import { storeUrlFor, testDialects } from '../support/databases.js';
import { startTestGateway, TEST_ADMIN_KEY, loggedRow } from '../support/gateway.js';

type Json = Record<string, unknown>;

async function raceGateway(t: import('node:test').TestContext, extra: Json = {}, deepseekOpts: Parameters<typeof startFakeOpenAI>[0] = {}, opts: Parameters<typeof startTestGateway>[2] = {}) {
  const deepseek = await startFakeOpenAI({ model: 'deepseek-chat', ...deepseekOpts });
  const qwen = await startFakeOpenAI({ model: 'qwen-plus', answer: 'Hello from Qwen.' });
  t.after(() => deepseek.close());
  t.after(() => qwen.close());
  const gw = await startTestGateway(
    t,
    {
      contenders: {
        deepseek: { provider: 'openai', base_url: deepseek.url, api_key: 'sk-deepseek-test-0123456789', model: 'deepseek-chat', price: { input: 2, cached_input: 0.5, output: 3, currency: 'CNY' }, retry: { max_retries: 0 } },
        qwen: { provider: 'openai', base_url: qwen.url, api_key: 'sk-qwen-test-0123456789', model: 'qwen-plus', price: { input: 1, output: 2, currency: 'CNY' }, retry: { max_retries: 0 } },
      },
      races: { assistant: { champion: 'deepseek', challengers: [{ contender: 'qwen', weight: 50 }] } },
      ...extra,
    },
    opts,
  );
  return { ...gw, deepseek, qwen };
}

const rowOf = (dbFile: string, id: string) => loggedRow(dbFile, id)! as Json;

test('responses.create: instructions, reasoning item, output_text, usage with cached and reasoning tokens; the row says responses', async (t) => {
  const gw = await raceGateway(t, {}, { reasoning: 'The user greets me.', answer: 'Hi there!', usage: { prompt_tokens: 30, completion_tokens: 7, cached_tokens: 10, reasoning_tokens: 4 } });
  const { data, response } = await gw.client.responses
    .create({ model: 'deepseek', instructions: 'Be brief.', input: 'Hello', max_output_tokens: 300, temperature: 0.2, top_p: 0.9, user: 'alice', metadata: { ticket: 'T-1' }, reasoning: { effort: 'low', summary: 'auto' } })
    .withResponse();
  assert.equal(response.headers.get('x-saima-contender'), 'deepseek');
  const requestId = response.headers.get('x-saima-request-id')!;
  assert.equal(data.id, `resp_${requestId}`);
  assert.equal(data.object, 'response');
  assert.equal(data.status, 'completed');
  assert.equal(data.model, 'deepseek-chat');
  assert.equal(data.instructions, 'Be brief.');
  assert.deepEqual(data.metadata, { ticket: 'T-1' });
  assert.deepEqual(data.output.map((i) => i.type), ['reasoning', 'message']);
  const reasoning = data.output[0] as OpenAI.Responses.ResponseReasoningItem;
  assert.deepEqual(reasoning.summary, [{ type: 'summary_text', text: 'The user greets me.' }]);
  assert.equal(data.output_text, 'Hi there!');
  assert.deepEqual(data.usage, { input_tokens: 30, input_tokens_details: { cached_tokens: 10 }, output_tokens: 7, output_tokens_details: { reasoning_tokens: 4 }, total_tokens: 37 });

  const sent = gw.deepseek.requests.at(-1)!.body;
  assert.deepEqual(sent.messages, [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello' }]);
  assert.equal(sent.max_tokens ?? sent.max_completion_tokens, 300);
  assert.equal(sent.temperature, 0.2);
  assert.equal(sent.top_p, 0.9);
  assert.equal(sent.user, 'alice');
  assert.equal(sent.reasoning_effort, 'low');
  assert.equal(sent.metadata, undefined, 'metadata is the gateway\'s echo, not sent upstream');

  const row = rowOf(gw.dbFile, requestId);
  assert.equal(row.protocol, 'responses');
  assert.equal(row.contender, 'deepseek');
  assert.equal(row.prompt_tokens, 30);
  assert.equal(row.cached_tokens, 10);
  assert.equal(row.reasoning_tokens, 4);
  assert.equal(row.output_cap, 300);
  assert.ok((row.cost_nanos as number) > 0);

  const listed = (await (await fetch(`${gw.url}/admin/requests?limit=10`)).json()) as { data: Array<{ id: string; protocol: string }> };
  assert.equal(listed.data.find((r) => r.id === requestId)?.protocol, 'responses');

  // Stored (store defaults to true) and readable by id.
  const again = await gw.client.responses.retrieve(data.id);
  assert.equal(again.id, data.id);
  assert.equal(again.output_text, 'Hi there!');
});

test('responses.create stream: typed events with increasing sequence_number, reasoning summary and text deltas, response.completed with the settled usage', async (t) => {
  const gw = await raceGateway(t, {}, { reasoning: 'Think a bit.', answer: 'Hello there, friend.', usage: { prompt_tokens: 12, completion_tokens: 5, cached_tokens: 2, reasoning_tokens: 3 } });
  const stream = await gw.client.responses.create({ model: 'deepseek', input: [{ role: 'user', content: 'Hi' }], stream: true });
  const events: OpenAI.Responses.ResponseStreamEvent[] = [];
  for await (const e of stream) events.push(e);
  const types = events.map((e) => e.type);
  assert.equal(types[0], 'response.created');
  assert.equal(types[1], 'response.in_progress');
  assert.equal(types.at(-1), 'response.completed');
  events.forEach((e, i) => assert.equal(e.sequence_number, i, 'sequence numbers start at 0 and increase by one'));
  const distinct = types.filter((x, i) => x !== types[i - 1]);
  assert.deepEqual(distinct, [
    'response.created',
    'response.in_progress',
    'response.output_item.added',
    'response.reasoning_summary_part.added',
    'response.reasoning_summary_text.delta',
    'response.reasoning_summary_text.done',
    'response.reasoning_summary_part.done',
    'response.output_item.done',
    'response.output_item.added',
    'response.content_part.added',
    'response.output_text.delta',
    'response.output_text.done',
    'response.content_part.done',
    'response.output_item.done',
    'response.completed',
  ]);
  const text = events.filter((e): e is OpenAI.Responses.ResponseTextDeltaEvent => e.type === 'response.output_text.delta').map((e) => e.delta);
  assert.ok(text.length > 1, 'text arrives in pieces');
  assert.equal(text.join(''), 'Hello there, friend.');
  const done = events.at(-1) as OpenAI.Responses.ResponseCompletedEvent;
  assert.equal(done.response.status, 'completed');
  assert.deepEqual(done.response.usage, { input_tokens: 12, input_tokens_details: { cached_tokens: 2 }, output_tokens: 5, output_tokens_details: { reasoning_tokens: 3 }, total_tokens: 17 });
  assert.deepEqual(done.response.output.map((i) => i.type), ['reasoning', 'message']);
  // The stream asks the upstream for its usage; the row meters from it.
  assert.equal((gw.deepseek.requests.at(-1)!.body.stream_options as Json).include_usage, true);
  const row = rowOf(gw.dbFile, done.response.id.slice('resp_'.length));
  assert.equal(row.protocol, 'responses');
  assert.equal(row.stream, 1);
  assert.equal(row.completion_tokens, 5);

  // The SDK's own stream helper assembles the same answer.
  const final = await gw.client.responses.stream({ model: 'deepseek', input: 'Hi' }).finalResponse();
  assert.equal(final.output_text, 'Hello there, friend.');
});

test('function tools: parallel function_call items whole and streamed, function_call_output back by previous_response_id and by replayed items', async (t) => {
  const gw = await raceGateway(t, {}, {
    answer: '',
    toolCalls: [
      { id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { id: 'call_2', name: 'get_weather', arguments: '{"city":"Tokyo"}' },
    ],
    finishReason: 'tool_calls',
  });
  const tools: OpenAI.Responses.FunctionTool[] = [{ type: 'function', name: 'get_weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, strict: true }];
  const first = await gw.client.responses.create({ model: 'deepseek', input: 'Weather in Paris and Tokyo?', tools, tool_choice: 'required', parallel_tool_calls: true });
  const sent = gw.deepseek.requests.at(-1)!.body;
  assert.deepEqual(sent.tools, [{ type: 'function', function: { name: 'get_weather', parameters: tools[0]!.parameters, description: 'Weather of a city', strict: true } }]);
  assert.equal(sent.tool_choice, 'required');
  assert.equal(sent.parallel_tool_calls, true);
  const calls = first.output.filter((i): i is OpenAI.Responses.ResponseFunctionToolCall => i.type === 'function_call');
  assert.deepEqual(calls.map((c) => [c.call_id, c.name, c.arguments]), [['call_1', 'get_weather', '{"city":"Paris"}'], ['call_2', 'get_weather', '{"city":"Tokyo"}']]);
  assert.equal(first.status, 'completed');

  // The tool results continue the stored conversation.
  gw.deepseek.setFaults([{ kind: 'ok', answer: 'Paris 18°C, Tokyo 22°C.', toolCalls: [], finishReason: 'stop' }]);
  const second = await gw.client.responses.create({
    model: 'deepseek',
    previous_response_id: first.id,
    input: [
      { type: 'function_call_output', call_id: 'call_1', output: '18°C' },
      { type: 'function_call_output', call_id: 'call_2', output: [{ type: 'input_text', text: '22°C' }] },
    ],
    tools,
  });
  assert.equal(second.output_text, 'Paris 18°C, Tokyo 22°C.');
  assert.equal(second.previous_response_id, first.id);
  const expected = [
    { role: 'user', content: 'Weather in Paris and Tokyo?' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Tokyo"}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'call_1', content: '18°C' },
    { role: 'tool', tool_call_id: 'call_2', content: '22°C' },
  ];
  assert.deepEqual(gw.deepseek.requests.at(-1)!.body.messages, expected);

  // Stateless: the same turn with the items replayed in the input (store: false keeps nothing).
  gw.deepseek.setFaults([{ kind: 'ok', answer: 'Done.', toolCalls: [], finishReason: 'stop' }]);
  const replayed = await gw.client.responses.create({
    model: 'deepseek',
    store: false,
    input: [
      { role: 'user', content: 'Weather in Paris and Tokyo?' },
      ...calls.map((c) => ({ type: 'function_call' as const, call_id: c.call_id, name: c.name, arguments: c.arguments })),
      { type: 'function_call_output', call_id: 'call_1', output: '18°C' },
      { type: 'function_call_output', call_id: 'call_2', output: '22°C' },
    ],
    tools,
  });
  assert.deepEqual(gw.deepseek.requests.at(-1)!.body.messages, expected);
  await assert.rejects(gw.client.responses.retrieve(replayed.id), (e: unknown) => e instanceof OpenAI.NotFoundError);

  // Streamed: each call is a function_call item whose arguments arrive as deltas.
  const stream = await gw.client.responses.create({ model: 'deepseek', input: 'Weather in Paris and Tokyo?', tools, stream: true });
  const events: OpenAI.Responses.ResponseStreamEvent[] = [];
  for await (const e of stream) events.push(e);
  const deltas = events.filter((e) => e.type === 'response.function_call_arguments.delta');
  assert.ok(deltas.length > 2, 'arguments arrive in pieces');
  const doneArgs = events.filter((e): e is OpenAI.Responses.ResponseFunctionCallArgumentsDoneEvent => e.type === 'response.function_call_arguments.done');
  assert.deepEqual(doneArgs.map((e) => [e.name, e.arguments, e.output_index]), [['get_weather', '{"city":"Paris"}', 0], ['get_weather', '{"city":"Tokyo"}', 1]]);
  const completed = events.at(-1) as OpenAI.Responses.ResponseCompletedEvent;
  assert.deepEqual(completed.response.output.map((i) => (i.type === 'function_call' ? i.call_id : i.type)), ['call_1', 'call_2']);
});

test('previous_response_id stays on the contender that served it, whatever the race draws; instructions are not carried over', async (t) => {
  let draw = 0.01;
  const gw = await raceGateway(t, {}, { answer: 'From DeepSeek.' }, { random: () => draw });
  // Fresh requests under two draws that send them to different contenders.
  const served = new Map<string, number>();
  for (const x of [0.01, 0.2, 0.4, 0.6, 0.8, 0.99]) {
    draw = x;
    const fresh = await gw.client.responses.create({ model: 'assistant', input: 'probe' }).withResponse();
    served.set(fresh.response.headers.get('x-saima-contender')!, x);
  }
  assert.equal(served.size, 2, 'the draws reach both contenders');
  draw = served.get('deepseek')!;
  const a = await gw.client.responses.create({ model: 'assistant', input: 'One', instructions: 'Be terse.' }).withResponse();
  const first = a.response.headers.get('x-saima-contender')!;
  assert.equal(first, 'deepseek');
  const other = 'qwen';
  draw = served.get(other)!;
  // Continuations of `a` under the draw that picks the other contender stay on `a`'s.
  let previous = a.data.id;
  for (const turn of ['Two', 'Three']) {
    const next = await gw.client.responses.create({ model: 'assistant', previous_response_id: previous, input: turn }).withResponse();
    assert.equal(next.response.headers.get('x-saima-contender'), first);
    previous = next.data.id;
  }
  const answer = 'From DeepSeek.';
  assert.deepEqual(gw.deepseek.requests.at(-1)!.body.messages, [
    { role: 'user', content: 'One' },
    { role: 'assistant', content: answer },
    { role: 'user', content: 'Two' },
    { role: 'assistant', content: answer },
    { role: 'user', content: 'Three' },
  ]);
  // The continuation through another model is refused by name, and an unknown id is a 404 in OpenAI's shape.
  await assert.rejects(gw.client.responses.create({ model: other, previous_response_id: a.data.id, input: 'x' }), (e: unknown) => e instanceof OpenAI.BadRequestError && (e.error as Json).param === 'previous_response_id');
  await assert.rejects(gw.client.responses.create({ model: 'assistant', previous_response_id: 'resp_nope', input: 'x' }), (e: unknown) => e instanceof OpenAI.NotFoundError && (e.error as Json).param === 'previous_response_id' && /resp_nope/.test(String((e.error as Json).message)));
});

test('a continuation leaves a rolled-back challenger: the race\'s assignment serves it with the stored turns, without the other model\'s reasoning', async (t) => {
  let draw = 0.01;
  const deepseek = await startFakeOpenAI({ model: 'deepseek-chat', answer: 'From DeepSeek.' });
  const qwen = await startFakeOpenAI({ model: 'qwen-plus', reasoning: 'Qwen thinks.', answer: 'From Qwen.' });
  t.after(() => deepseek.close());
  t.after(() => qwen.close());
  const gw = await startTestGateway(
    t,
    {
      contenders: {
        deepseek: { provider: 'openai', base_url: deepseek.url, model: 'deepseek-chat', retry: { max_retries: 0 } },
        qwen: { provider: 'openai', base_url: qwen.url, model: 'qwen-plus', retry: { max_retries: 0 } },
      },
      races: { assistant: { champion: 'deepseek', challengers: [{ contender: 'qwen', weight: 50 }] } },
    },
    { random: () => draw },
  );
  const served = new Map<string, number>();
  for (const x of [0.01, 0.3, 0.6, 0.99]) {
    draw = x;
    const probe = await gw.client.responses.create({ model: 'assistant', input: 'probe', store: false }).withResponse();
    served.set(probe.response.headers.get('x-saima-contender')!, x);
  }
  assert.equal(served.size, 2);
  draw = served.get('qwen')!;
  const a = await gw.client.responses.create({ model: 'assistant', input: 'One' }).withResponse();
  assert.equal(a.response.headers.get('x-saima-contender'), 'qwen');
  // While the challenger serves, its conversation stays with it (the draw now says deepseek), reasoning included.
  draw = served.get('deepseek')!;
  const b = await gw.client.responses.create({ model: 'assistant', previous_response_id: a.data.id, input: 'Two' }).withResponse();
  assert.equal(b.response.headers.get('x-saima-contender'), 'qwen');
  assert.deepEqual(qwen.requests.at(-1)!.body.messages, [
    { role: 'user', content: 'One' },
    { role: 'assistant', content: 'From Qwen.', reasoning_content: 'Qwen thinks.' },
    { role: 'user', content: 'Two' },
  ]);

  // The challenger is rolled back (the admin API, as the monitor's decision would): its conversations move on.
  const rolled = await fetch(`${gw.url}/admin/races/assistant/rollback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ contender: 'qwen', reason: 'error rate' }) });
  assert.equal(rolled.status, 200);
  const qwenCalls = qwen.requests.length;
  draw = served.get('qwen')!;
  const c = await gw.client.responses.create({ model: 'assistant', previous_response_id: b.data.id, input: 'Three', stream: true }).withResponse();
  assert.equal(c.response.headers.get('x-saima-contender'), 'deepseek');
  let completed: OpenAI.Responses.Response | null = null;
  let text = '';
  for await (const e of c.data) {
    if (e.type === 'response.output_text.delta') text += e.delta;
    if (e.type === 'response.completed') completed = e.response;
  }
  assert.equal(text, 'From DeepSeek.');
  assert.equal(completed?.previous_response_id, b.data.id);
  assert.equal(qwen.requests.length, qwenCalls, 'the rolled-back challenger is not called again');
  // The whole conversation replayed to the champion; the challenger's reasoning is left out.
  assert.deepEqual(deepseek.requests.at(-1)!.body.messages, [
    { role: 'user', content: 'One' },
    { role: 'assistant', content: 'From Qwen.' },
    { role: 'user', content: 'Two' },
    { role: 'assistant', content: 'From Qwen.' },
    { role: 'user', content: 'Three' },
  ]);
  const row = rowOf(gw.dbFile, completed!.id.slice('resp_'.length));
  assert.equal(row.contender, 'deepseek');
  assert.equal(row.race, 'assistant');
  // The new turn is the champion's: continuing it stays there, with the earlier turns as they were sent.
  const d = await gw.client.responses.create({ model: 'assistant', previous_response_id: completed!.id, input: 'Four' }).withResponse();
  assert.equal(d.response.headers.get('x-saima-contender'), 'deepseek');
  assert.equal((deepseek.requests.at(-1)!.body.messages as Json[]).length, 7);
  assert.equal(qwen.requests.length, qwenCalls);
});

test('a key continues and reads only its own team\'s responses: another team gets the 404 of a missing one', async (t) => {
  const gw = await raceGateway(t, { auth: { mode: 'keys' } });
  const makeKey = async (team: string) => {
    const res = await fetch(`${gw.url}/admin/keys`, { method: 'POST', headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ team, scopes: ['chat'] }) });
    assert.equal(res.status, 201);
    return new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: ((await res.json()) as { key: string }).key, maxRetries: 0 });
  };
  const alpha = await makeKey('alpha');
  const alpha2 = await makeKey('alpha');
  const bravo = await makeKey('bravo');
  const mine = await alpha.responses.create({ model: 'deepseek', input: 'Secret plan' });
  // Another key of the same team continues it.
  assert.equal((await alpha2.responses.create({ model: 'deepseek', previous_response_id: mine.id, input: 'Go on' })).status, 'completed');
  const missing = await bravo.responses.create({ model: 'deepseek', previous_response_id: 'resp_missing', input: 'x' }).catch((e: unknown) => e);
  const foreign = await bravo.responses.create({ model: 'deepseek', previous_response_id: mine.id, input: 'x' }).catch((e: unknown) => e);
  assert.ok(foreign instanceof OpenAI.NotFoundError && missing instanceof OpenAI.NotFoundError);
  assert.equal((foreign.error as Json).message, String((missing.error as Json).message).replace('resp_missing', mine.id));
  await assert.rejects(bravo.responses.retrieve(mine.id), (e: unknown) => e instanceof OpenAI.NotFoundError);
  assert.equal((await alpha2.responses.retrieve(mine.id)).id, mine.id);
});

test('responses.delete: OpenAI\'s deleted object; afterwards GET and previous_response_id answer as for an unknown id; another team\'s id is a 404', async (t) => {
  const gw = await raceGateway(t, { auth: { mode: 'keys' } });
  const makeKey = async (team: string) => {
    const res = await fetch(`${gw.url}/admin/keys`, { method: 'POST', headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ team, scopes: ['chat'] }) });
    assert.equal(res.status, 201);
    return new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: ((await res.json()) as { key: string }).key, maxRetries: 0 });
  };
  const alpha = await makeKey('alpha');
  const bravo = await makeKey('bravo');
  const first = await alpha.responses.create({ model: 'deepseek', input: 'One' });
  const second = await alpha.responses.create({ model: 'deepseek', previous_response_id: first.id, input: 'Two' });

  // Another team's id: the 404 of a missing one, and nothing is deleted.
  const foreign = await bravo.responses.delete(second.id).catch((e: unknown) => e);
  const unknown = await bravo.responses.delete('resp_missing').catch((e: unknown) => e);
  assert.ok(foreign instanceof OpenAI.NotFoundError && unknown instanceof OpenAI.NotFoundError);
  assert.equal((foreign.error as Json).message, String((unknown.error as Json).message).replace('resp_missing', second.id));
  assert.equal((foreign.error as Json).type, 'invalid_request_error');
  assert.equal((await alpha.responses.retrieve(second.id)).id, second.id);

  const res = await alpha.responses.delete(second.id).asResponse();
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { id: second.id, object: 'response.deleted', deleted: true });

  // Gone: read, continued and deleted again, it answers exactly as an id never stored.
  await assert.rejects(alpha.responses.retrieve(second.id), (e: unknown) => e instanceof OpenAI.NotFoundError && (e.error as Json).message === `Response with id '${second.id}' not found.`);
  const continued = await alpha.responses.create({ model: 'deepseek', previous_response_id: second.id, input: 'Three' }).catch((e: unknown) => e);
  const never = await alpha.responses.create({ model: 'deepseek', previous_response_id: 'resp_never', input: 'Three' }).catch((e: unknown) => e);
  assert.ok(continued instanceof OpenAI.NotFoundError && never instanceof OpenAI.NotFoundError);
  assert.deepEqual(continued.error, { ...(never.error as Json), message: String((never.error as Json).message).replace('resp_never', second.id) });
  await assert.rejects(alpha.responses.delete(second.id), (e: unknown) => e instanceof OpenAI.NotFoundError);

  // The response it continued is untouched, and the SDK's own delete (no body read) resolves.
  const again = await alpha.responses.create({ model: 'deepseek', previous_response_id: first.id, input: 'Again' });
  assert.equal(again.status, 'completed');
  await alpha.responses.delete(first.id);
  await assert.rejects(alpha.responses.retrieve(first.id), (e: unknown) => e instanceof OpenAI.NotFoundError);
  // Its turn is gone from the conversations that continued it: they can be read, but no longer continued.
  assert.equal((await alpha.responses.retrieve(again.id)).id, again.id);
  await assert.rejects(alpha.responses.create({ model: 'deepseek', previous_response_id: again.id, input: 'More' }), (e: unknown) => e instanceof OpenAI.NotFoundError);
});

test('images: input_image parts reach the contender as image_url parts; file ids are refused by name', async (t) => {
  const gw = await raceGateway(t);
  const png = `data:image/png;base64,${Buffer.from('89504e470d0a1a0a', 'hex').toString('base64')}`;
  await gw.client.responses.create({
    model: 'deepseek',
    input: [{ role: 'user', content: [{ type: 'input_image', image_url: png, detail: 'low' }, { type: 'input_image', image_url: 'https://example.com/cat.jpg', detail: 'auto' }, { type: 'input_text', text: 'What is in these?' }] }],
  });
  assert.deepEqual((gw.deepseek.requests.at(-1)!.body.messages as Json[])[0], {
    role: 'user',
    content: [
      { type: 'image_url', image_url: { url: png, detail: 'low' } },
      { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'auto' } },
      { type: 'text', text: 'What is in these?' },
    ],
  });
  await assert.rejects(
    gw.client.responses.create({ model: 'deepseek', input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file-123', detail: 'auto' }] }] }),
    (e: unknown) => e instanceof OpenAI.BadRequestError && (e.error as Json).param === 'input[0].content[0].file_id',
  );

  // A body past 256 kB (a large image) is parsed, checked and translated on the body threads, and served.
  const big = `data:image/png;base64,${Buffer.alloc(400_000, 7).toString('base64')}`;
  const served = await gw.client.responses.create({ model: 'deepseek', input: [{ role: 'user', content: [{ type: 'input_image', image_url: big, detail: 'high' }, { type: 'input_text', text: 'And this?' }] }] });
  assert.equal(served.status, 'completed');
  const bigSent = (gw.deepseek.requests.at(-1)!.body.messages as Array<{ content: Json[] }>)[0]!.content;
  assert.equal((bigSent[0]!.image_url as Json).url, big);
  await assert.rejects(
    gw.client.responses.create({ model: 'deepseek', input: [{ role: 'user', content: [{ type: 'input_image', image_url: big, detail: 'high' }] }], tools: [{ type: 'web_search' }] }),
    (e: unknown) => e instanceof OpenAI.BadRequestError && (e.error as Json).param === 'tools[0].type',
  );
});

test('max_output_tokens: the answer cut at the cap is incomplete (max_output_tokens), whole and streamed', async (t) => {
  const gw = await raceGateway(t, {}, { answer: 'A long answer that was cut', finishReason: 'length' });
  const whole = await gw.client.responses.create({ model: 'deepseek', input: 'Tell me everything', max_output_tokens: 16 });
  assert.equal(whole.status, 'incomplete');
  assert.deepEqual(whole.incomplete_details, { reason: 'max_output_tokens' });
  assert.equal(whole.max_output_tokens, 16);
  const sent = gw.deepseek.requests.at(-1)!.body;
  assert.equal(sent.max_tokens ?? sent.max_completion_tokens, 16);
  const stream = await gw.client.responses.create({ model: 'deepseek', input: 'Tell me everything', max_output_tokens: 16, stream: true });
  const events: OpenAI.Responses.ResponseStreamEvent[] = [];
  for await (const e of stream) events.push(e);
  const last = events.at(-1)!;
  assert.equal(last.type, 'response.incomplete');
  assert.deepEqual((last as OpenAI.Responses.ResponseIncompleteEvent).response.incomplete_details, { reason: 'max_output_tokens' });
});

test("errors in OpenAI's shape: built-in tools, background, conversation, unknown items and fields are 400s naming the field; model, auth", async (t) => {
  const gw = await raceGateway(t);
  const badRequest = async (params: Json, param: string) => {
    const err = await gw.client.responses.create(params as unknown as OpenAI.Responses.ResponseCreateParamsNonStreaming).catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.BadRequestError, `${param}: ${String(err)}`);
    assert.equal((err.error as Json).param, param);
    assert.equal((err.error as Json).type, 'invalid_request_error');
    assert.match(String((err.error as Json).message), new RegExp(param.replace(/[[\].]/g, '\\$&')));
  };
  await badRequest({ model: 'deepseek', input: 'x', tools: [{ type: 'web_search' }] }, 'tools[0].type');
  await badRequest({ model: 'deepseek', input: 'x', tools: [{ type: 'file_search', vector_store_ids: ['vs_1'] }] }, 'tools[0].type');
  await badRequest({ model: 'deepseek', input: 'x', tools: [{ type: 'computer_use_preview', display_width: 1, display_height: 1, environment: 'linux' }] }, 'tools[0].type');
  await badRequest({ model: 'deepseek', input: 'x', background: true }, 'background');
  await badRequest({ model: 'deepseek', input: 'x', conversation: 'conv_1' }, 'conversation');
  await badRequest({ model: 'deepseek', input: [{ type: 'item_reference', id: 'msg_1' }] }, 'input[0].type');
  await badRequest({ model: 'deepseek', input: [{ role: 'user', content: [{ type: 'input_file', file_id: 'f' }] }] }, 'input[0].content[0].type');
  await badRequest({ model: 'deepseek', input: 'x', prompt: { id: 'pmpt_1' } }, 'prompt');
  await badRequest({ model: 'deepseek', input: 'x', include: ['reasoning.encrypted_content'] }, 'include');
  await badRequest({ model: 'deepseek', input: 'x', tool_choice: { type: 'web_search_preview' } }, 'tool_choice.type');
  await badRequest({ model: 'deepseek' }, 'input');
  await badRequest({ model: 'deepseek', input: [], instructions: 'Be brief.' }, 'input');
  await badRequest({ model: 'deepseek', input: 'x', max_output_tokens: 'many' }, 'max_output_tokens');
  await badRequest({ model: 'deepseek', input: 'x', temperature: 3 }, 'temperature');
  // Past the contender's context window (here the ceiling): named as the client's field, not the chat one it travels in.
  await badRequest({ model: 'deepseek', input: 'x', max_output_tokens: 2_000_000 }, 'max_output_tokens');
  assert.equal(gw.deepseek.requests.length + gw.qwen.requests.length, 0, 'nothing refused reached an upstream');

  await assert.rejects(gw.client.responses.create({ model: 'nope', input: 'x' }), (e: unknown) => e instanceof OpenAI.NotFoundError && (e.error as Json).code === 'model_not_found');
  const raw = await fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":' });
  assert.equal(raw.status, 400);
  assert.equal(((await raw.json()) as { error: Json }).error.type, 'invalid_request_error');

  const keyed = await raceGateway(t, { auth: { mode: 'keys' } });
  const stranger = new OpenAI({ baseURL: `${keyed.url}/v1`, apiKey: 'sk-saima-not-a-real-key-0000000000000000000000000', maxRetries: 0 });
  await assert.rejects(stranger.responses.create({ model: 'deepseek', input: 'x' }), (e: unknown) => e instanceof OpenAI.AuthenticationError);
});

test('an upstream failure: its status in OpenAI\'s shape, and mid-stream a response.failed event; the row records the failure', async (t) => {
  const gw = await raceGateway(t, {}, { answer: 'one two three four five six', eventDelayMs: 10 });
  gw.deepseek.setFaults([{ kind: 'status', status: 400, message: 'context too long' }]);
  const err = await gw.client.responses.create({ model: 'deepseek', input: 'x' }).catch((e: unknown) => e);
  assert.ok(err instanceof OpenAI.APIError && err.status === 400, String(err));
  assert.ok(isObjectLike((err as InstanceType<typeof OpenAI.APIError>).error));

  gw.deepseek.setFaults([{ kind: 'error_event', afterEvents: 5, message: 'overloaded mid-answer' }]);
  const stream = await gw.client.responses.create({ model: 'deepseek', input: 'x', stream: true });
  const events: OpenAI.Responses.ResponseStreamEvent[] = [];
  for await (const e of stream) events.push(e);
  const last = events.at(-1)!;
  assert.equal(last.type, 'response.failed');
  const failed = (last as OpenAI.Responses.ResponseFailedEvent).response;
  assert.equal(failed.status, 'failed');
  assert.match(failed.error!.message, /overloaded mid-answer/);
  events.forEach((e, i) => assert.equal(e.sequence_number, i));
  const row = rowOf(gw.dbFile, failed.id.slice('resp_'.length));
  assert.equal(row.protocol, 'responses');
  assert.notEqual(row.outcome, 'ok');
  // A failed response is not stored for continuation.
  await assert.rejects(gw.client.responses.retrieve(failed.id), (e: unknown) => e instanceof OpenAI.NotFoundError);

  // The upstream's connection cut mid-answer: response.failed too, and the row says cut.
  gw.deepseek.setFaults([{ kind: 'cut', afterEvents: 4 }]);
  const cutStream = await gw.client.responses.create({ model: 'deepseek', input: 'x', stream: true });
  const cutEvents: OpenAI.Responses.ResponseStreamEvent[] = [];
  for await (const e of cutStream) cutEvents.push(e);
  assert.ok(cutEvents.some((e) => e.type === 'response.output_text.delta'));
  const cut = cutEvents.at(-1)!;
  assert.equal(cut.type, 'response.failed');
  assert.equal(rowOf(gw.dbFile, (cut as OpenAI.Responses.ResponseFailedEvent).response.id.slice('resp_'.length)).outcome, 'cut');
});

function isObjectLike(v: unknown): boolean {
  return typeof v === 'object' && v !== null;
}

test('budget: the reservation at max_output_tokens bounds the spend on the Responses route; refusals are 429s', async (t) => {
  // Slow headers, so concurrent calls hold their reservations at once; each answer bills 5 output tokens.
  const upstream = await startFakeOpenAI({ model: 'deepseek-chat', headersDelayMs: 300, usage: { prompt_tokens: 10, completion_tokens: 5 } });
  t.after(() => upstream.close());
  // 1 CNY per output token: a call reserves a little over max_output_tokens CNY; the race's budget is 50 CNY a day.
  const gw = await startTestGateway(t, {
    contenders: { deepseek: { provider: 'openai', base_url: upstream.url, model: 'deepseek-chat', max_output_tokens: 30, price: { input: 1, output: 1_000_000, currency: 'CNY' }, retry: { max_retries: 0 } } },
    races: { assistant: { champion: 'deepseek' } },
    budgets: { cap: { race: 'assistant', period: 'day', limit: 50, currency: 'CNY' } },
  });
  const ask = (max_output_tokens: number) => gw.client.responses.create({ model: 'assistant', max_output_tokens, input: 'Hi' });

  await assert.rejects(ask(60), (e: unknown) => e instanceof OpenAI.RateLimitError && /Budget 'cap'/.test(String((e.error as Json).message)));
  assert.equal(upstream.requests.length, 0);
  // Three at once, 20 tokens each: only two reservations fit in 50 CNY, whatever the answers will cost.
  const results = await Promise.allSettled([ask(20), ask(20), ask(20)]);
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 2);
  assert.ok((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason instanceof OpenAI.RateLimitError);
  assert.equal(upstream.requests.length, 2);
  for (const r of upstream.requests) assert.equal(r.body.max_tokens ?? r.body.max_completion_tokens, 20);
  // Settled to the real cost (5 tokens each): room again, and what was logged is within the budget.
  assert.equal((await ask(20)).status, 'completed');
  const db = new Database(gw.dbFile, { readonly: true });
  t.after(() => db.close());
  const spent = db.prepare("select sum(cost_nanos) as nanos, count(*) as n from requests where protocol = 'responses'").get() as { nanos: number; n: number };
  assert.equal(spent.n, 3);
  assert.ok(spent.nanos <= 50e9 && spent.nanos >= 15e9, String(spent.nanos));
  // No cap asked: reserved at the contender's default (30), and that cap is what the upstream is sent.
  assert.equal((await gw.client.responses.create({ model: 'assistant', input: 'Hi' })).status, 'completed');
  const last = upstream.requests.at(-1)!.body;
  assert.equal(last.max_tokens ?? last.max_completion_tokens, 30);
});

test('an anthropic contender serves Responses requests too: the chat translation goes on to Messages, the answer comes back as a response', async (t) => {
  const claude = await startFakeAnthropic({ answer: { text: 'Hello from Claude.', thinking: 'Say hello.', usage: { input_tokens: 20, output_tokens: 6, cache_read_input_tokens: 8, thinking_tokens: 2 } } });
  t.after(() => claude.close());
  const gw = await startTestGateway(t, {
    contenders: { claude: { provider: 'anthropic', base_url: claude.url, api_key: 'sk-ant-test-0123456789', model: 'claude-test', price: { input: 3, output: 15, currency: 'USD' }, retry: { max_retries: 0 } } },
  });
  const whole = await gw.client.responses.create({ model: 'claude', instructions: 'Be brief.', input: 'Hello', max_output_tokens: 100 });
  assert.equal(whole.output_text, 'Hello from Claude.');
  assert.deepEqual(whole.output.map((i) => i.type), ['reasoning', 'message']);
  assert.equal(whole.usage?.input_tokens_details.cached_tokens, 8);
  const sent = claude.requests.at(-1)!.body;
  assert.equal(sent.max_tokens, 100);
  assert.equal(JSON.stringify(sent.system).includes('Be brief.'), true);
  const stream = await gw.client.responses.create({ model: 'claude', input: 'Hello', stream: true });
  let text = '';
  let last: OpenAI.Responses.ResponseStreamEvent | null = null;
  for await (const e of stream) {
    if (e.type === 'response.output_text.delta') text += e.delta;
    last = e;
  }
  assert.equal(text, 'Hello from Claude.');
  assert.equal(last?.type, 'response.completed');
});

test('on PostgreSQL: a stored response is continued and read back, and its row says responses', async (t) => {
  if (!testDialects().includes('postgres')) return;
  const gw = await raceGateway(t, { store: await storeUrlFor('postgres', t) }, { answer: 'Stored in PostgreSQL.' });
  const first = await gw.client.responses.create({ model: 'deepseek', input: 'One' });
  const second = await gw.client.responses.create({ model: 'deepseek', previous_response_id: first.id, input: 'Two', stream: true });
  let completed: OpenAI.Responses.Response | null = null;
  for await (const e of second) if (e.type === 'response.completed') completed = e.response;
  assert.equal(completed?.previous_response_id, first.id);
  assert.deepEqual(gw.deepseek.requests.at(-1)!.body.messages, [{ role: 'user', content: 'One' }, { role: 'assistant', content: 'Stored in PostgreSQL.' }, { role: 'user', content: 'Two' }]);
  assert.equal((await gw.client.responses.retrieve(completed!.id)).output_text, 'Stored in PostgreSQL.');
});

test("DeepSeek's thinking mode: the reasoning of a tool-call turn goes back as reasoning_content, from the stored response and from replayed reasoning items", async (t) => {
  const gw = await raceGateway(t, {}, { reasoning: 'I need the weather tool.', answer: '', toolCalls: [{ id: 'call_9', name: 'get_weather', arguments: '{"city":"Oslo"}' }], finishReason: 'tool_calls' });
  const tools: OpenAI.Responses.FunctionTool[] = [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false }];
  const first = await gw.client.responses.create({ model: 'deepseek', input: 'Weather in Oslo?', tools });
  assert.deepEqual(first.output.map((i) => i.type), ['reasoning', 'function_call']);
  // The SDK's stream helper assembles the same items from the events (it checks their indexes as it goes).
  const streamed = await gw.client.responses.stream({ model: 'deepseek', input: 'Weather in Oslo?', tools }).finalResponse();
  assert.deepEqual(
    streamed.output.map((i) => (i.type === 'function_call' ? [i.call_id, i.arguments] : i.type === 'reasoning' ? i.summary : i.type)),
    [[{ type: 'summary_text', text: 'I need the weather tool.' }], ['call_9', '{"city":"Oslo"}']],
  );
  gw.deepseek.setFaults([{ kind: 'ok', reasoning: '', answer: '3°C in Oslo.', toolCalls: [], finishReason: 'stop' }]);
  await gw.client.responses.create({ model: 'deepseek', previous_response_id: first.id, input: [{ type: 'function_call_output', call_id: 'call_9', output: '3°C' }], tools });
  const expected = [
    { role: 'user', content: 'Weather in Oslo?' },
    { role: 'assistant', content: null, reasoning_content: 'I need the weather tool.', tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] },
    { role: 'tool', tool_call_id: 'call_9', content: '3°C' },
  ];
  assert.deepEqual(gw.deepseek.requests.at(-1)!.body.messages, expected);
  // The same turn replayed by a stateless client: the output items it got, then the tool result.
  gw.deepseek.setFaults([{ kind: 'ok', reasoning: '', answer: '3°C in Oslo.', toolCalls: [], finishReason: 'stop' }]);
  await gw.client.responses.create({ model: 'deepseek', store: false, input: [{ role: 'user', content: 'Weather in Oslo?' }, ...(first.output as OpenAI.Responses.ResponseInputItem[]), { type: 'function_call_output', call_id: 'call_9', output: '3°C' }], tools });
  assert.deepEqual(gw.deepseek.requests.at(-1)!.body.messages, expected);
});
