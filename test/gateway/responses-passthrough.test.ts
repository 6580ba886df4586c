/**
 * The Responses API passed through to a contender whose upstream serves it (`responses: true`), through the official
 * `openai` client: the client's body goes to the upstream's `/v1/responses` with only the model (and the reserved
 * output cap) set, its bytes and events come back whole, the upstream's id continues the conversation on the same
 * contender, and the answer is metered from its usage, within a budget.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { AdmissionFile } from '../../src/store/admission-file.js';
import { startFakeOpenAI } from '../support/fake-openai-upstream.js';
import { loggedRow, startTestGateway } from '../support/gateway.js';

type Json = Record<string, unknown>;

async function passthroughGateway(t: TestContext, opts: { random?: () => number; race?: Json; gpt?: Json; upstream?: Parameters<typeof startFakeOpenAI>[0]; doc?: Json } = {}) {
  const gpt = await startFakeOpenAI({ model: 'gpt-test', answer: 'Hello from the Responses API.', ...opts.upstream });
  const deepseek = await startFakeOpenAI({ model: 'deepseek-chat', answer: 'Hello from chat completions.' });
  t.after(() => gpt.close());
  t.after(() => deepseek.close());
  const gw = await startTestGateway(
    t,
    {
      contenders: {
        gpt: { provider: 'openai', base_url: gpt.url, api_key: 'sk-gpt-test-0123456789', model: 'gpt-test', responses: true, price: { input: 2, cached_input: 1, output: 8, currency: 'USD' }, retry: { max_retries: 0 }, ...opts.gpt },
        deepseek: { provider: 'openai', base_url: deepseek.url, api_key: 'sk-deepseek-test-0123456789', model: 'deepseek-chat', price: { input: 2, output: 3, currency: 'CNY' }, retry: { max_retries: 0 } },
      },
      races: { assistant: { champion: 'gpt', challengers: [{ contender: 'deepseek', weight: 50 }], ...opts.race } },
      ...opts.doc,
    },
    opts.random ? { random: opts.random } : {},
  );
  return { ...gw, gpt, deepseek };
}

const rowOf = (dbFile: string, id: string) => loggedRow(dbFile, id)! as Json;

test('passthrough: the client body reaches the upstream /responses with the model set, the answer comes back byte for byte, metered from its usage', async (t) => {
  const gw = await passthroughGateway(t);
  const { data, response } = await gw.client.responses
    .create({ model: 'gpt', instructions: 'Be brief.', input: [{ role: 'user', content: [{ type: 'input_text', text: 'Hello' }] }], max_output_tokens: 100, metadata: { ticket: 'T-7' }, user: 'alice' })
    .withResponse();
  assert.equal(response.headers.get('x-saima-contender'), 'gpt');
  const sent = gw.gpt.requests.at(-1)!;
  assert.equal(sent.path, '/v1/responses');
  assert.equal(sent.headers.authorization, 'Bearer sk-gpt-test-0123456789');
  assert.deepEqual(sent.body, { model: 'gpt-test', instructions: 'Be brief.', input: [{ role: 'user', content: [{ type: 'input_text', text: 'Hello' }] }], max_output_tokens: 100, metadata: { ticket: 'T-7' }, user: 'alice' });
  assert.equal(gw.gpt.requests.filter((r) => r.path === '/v1/chat/completions').length, 0, 'no chat completion is made of it');
  // The upstream's response, its id included, is what the client gets.
  assert.match(data.id, /^resp_fake/);
  assert.equal(data.output_text, 'Hello from the Responses API.');
  assert.deepEqual(data.metadata, { ticket: 'T-7' });
  assert.equal(data.usage?.input_tokens, 10);
  assert.equal(data.usage?.output_tokens, 5);

  const row = rowOf(gw.dbFile, response.headers.get('x-saima-request-id')!);
  assert.equal(row.protocol, 'responses');
  assert.equal(row.contender, 'gpt');
  assert.equal(row.prompt_tokens, 10);
  assert.equal(row.completion_tokens, 5);
  assert.equal(row.usage_estimated, 0);
  assert.equal(row.output_cap, 100);
  assert.equal(row.finish_reason, 'stop');
  // 10 input tokens at 2 USD and 5 output tokens at 8 USD per million.
  assert.equal(row.cost_nanos, (10 * 2 + 5 * 8) * 1000);

  // Byte for byte: the raw answer is the upstream's body.
  const raw = await fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt', input: 'Hi', store: false }) });
  assert.equal(raw.status, 200);
  assert.equal(await raw.text(), gw.gpt.requests.at(-1)!.sent.toString('utf8'));
  assert.equal(gw.gpt.requests.at(-1)!.body.store, false);

  // Cut at the output cap: the upstream's own `incomplete` response, recorded as a `length` finish.
  gw.gpt.setFaults([{ kind: 'ok', finishReason: 'length' }]);
  const cut = await gw.client.responses.create({ model: 'gpt', input: 'Tell me everything', max_output_tokens: 16 }).withResponse();
  assert.equal(cut.data.status, 'incomplete');
  assert.deepEqual(cut.data.incomplete_details, { reason: 'max_output_tokens' });
  assert.equal(rowOf(gw.dbFile, cut.response.headers.get('x-saima-request-id')!).finish_reason, 'length');
});

test('passthrough stream: the upstream events whole and in order, response.completed last with its usage; the row meters from it', async (t) => {
  const gw = await passthroughGateway(t);
  const { data: stream, response } = await gw.client.responses.create({ model: 'gpt', input: 'Hi', stream: true }).withResponse();
  const events: OpenAI.Responses.ResponseStreamEvent[] = [];
  for await (const e of stream) events.push(e);
  const types = events.map((e) => e.type).filter((x, i, all) => x !== all[i - 1]);
  assert.deepEqual(types, [
    'response.created',
    'response.in_progress',
    'response.output_item.added',
    'response.content_part.added',
    'response.output_text.delta',
    'response.output_text.done',
    'response.content_part.done',
    'response.output_item.done',
    'response.completed',
  ]);
  events.forEach((e, i) => assert.equal(e.sequence_number, i));
  const text = events.filter((e): e is OpenAI.Responses.ResponseTextDeltaEvent => e.type === 'response.output_text.delta').map((e) => e.delta);
  assert.equal(text.join(''), 'Hello from the Responses API.');
  const done = (events.at(-1) as OpenAI.Responses.ResponseCompletedEvent).response;
  assert.match(done.id, /^resp_fake/);
  assert.equal(done.usage?.output_tokens, 5);
  assert.equal(gw.gpt.requests.at(-1)!.body.stream, true);
  assert.equal(gw.gpt.requests.at(-1)!.body.stream_options, undefined, 'no chat stream option is added');
  // The client's bytes are the upstream's events.
  assert.equal(events.length, gw.gpt.requests.at(-1)!.sent.toString('utf8').split('\n\n').filter(Boolean).length);
  const row = rowOf(gw.dbFile, response.headers.get('x-saima-request-id')!);
  assert.equal(row.protocol, 'responses');
  assert.equal(row.stream, 1);
  assert.equal(row.prompt_tokens, 10);
  assert.equal(row.completion_tokens, 5);
  assert.equal(row.outcome, 'ok');

  // The SDK's stream helper assembles the same answer; it can be continued at once (recorded before the last event).
  const final = await gw.client.responses.stream({ model: 'gpt', input: 'Hi' }).finalResponse();
  assert.equal(final.output_text, 'Hello from the Responses API.');
  const next = await gw.client.responses.create({ model: 'gpt', previous_response_id: final.id, input: 'More' });
  assert.equal(next.previous_response_id, final.id);

  // Cut mid-answer: an `error` event after what was sent, numbered after it; the row says cut.
  gw.gpt.setFaults([{ kind: 'cut', afterEvents: 5 }]);
  const cut = await gw.client.responses.create({ model: 'gpt', input: 'Hi', stream: true }).withResponse();
  const cutEvents: Json[] = [];
  for await (const e of cut.data) cutEvents.push(e as unknown as Json);
  const last = cutEvents.at(-1)!;
  assert.equal(last.type, 'error');
  assert.equal(last.code, 'upstream_stream_cut');
  assert.equal(last.sequence_number, 5);
  assert.equal(rowOf(gw.dbFile, cut.response.headers.get('x-saima-request-id')!).outcome, 'cut');
  // An upstream error before the answer: a 400 in OpenAI's shape, as the upstream said it.
  gw.gpt.setFaults([{ kind: 'status', status: 400, message: 'Invalid input item.' }]);
  const err = await gw.client.responses.create({ model: 'gpt', input: 'Hi' }).catch((e: unknown) => e);
  assert.ok(err instanceof OpenAI.BadRequestError, String(err));
  assert.match(String((err.error as Json).message), /Invalid input item/);
});

test('previous_response_id of a passed-through response: the upstream id goes back to the same contender, whatever the draw; GET and DELETE are refused', async (t) => {
  let draw = 0.01;
  const gw = await passthroughGateway(t, { random: () => draw });
  const served = new Map<string, number>();
  for (const x of [0.01, 0.3, 0.6, 0.99]) {
    draw = x;
    const probe = await gw.client.responses.create({ model: 'assistant', input: 'probe', store: false }).withResponse();
    served.set(probe.response.headers.get('x-saima-contender')!, x);
  }
  assert.equal(served.size, 2);
  draw = served.get('gpt')!;
  const first = await gw.client.responses.create({ model: 'assistant', input: 'One', instructions: 'Be brief.' });
  assert.match(first.id, /^resp_fake/);
  draw = served.get('deepseek')!;
  const chatCalls = gw.deepseek.requests.length;
  const second = await gw.client.responses.create({ model: 'assistant', previous_response_id: first.id, input: 'Two' }).withResponse();
  assert.equal(second.response.headers.get('x-saima-contender'), 'gpt');
  assert.equal(gw.deepseek.requests.length, chatCalls);
  // Passed through as sent: the upstream holds the conversation, the gateway replays nothing.
  assert.deepEqual(gw.gpt.requests.at(-1)!.body, { model: 'gpt-test', previous_response_id: first.id, input: 'Two' });
  // Billed the conversation again as input (the fake adds the stored context's tokens, as OpenAI bills it).
  const row = rowOf(gw.dbFile, second.response.headers.get('x-saima-request-id')!);
  assert.equal(row.prompt_tokens, 10 + 10 + 5);
  // Streamed continuation of the continuation.
  const third = await gw.client.responses.create({ model: 'assistant', previous_response_id: second.data.id, input: 'Three', stream: true });
  let completed: OpenAI.Responses.Response | null = null;
  for await (const e of third) if (e.type === 'response.completed') completed = e.response;
  assert.equal(completed?.previous_response_id, second.data.id);
  assert.equal(gw.gpt.requests.at(-1)!.body.previous_response_id, second.data.id);

  // The gateway does not hold these responses: reading or deleting one is refused, saying where it lives.
  for (const act of [() => gw.client.responses.retrieve(first.id), () => gw.client.responses.delete(first.id)]) {
    const e = await act().catch((x: unknown) => x);
    assert.ok(e instanceof OpenAI.BadRequestError, String(e));
    assert.match(String((e.error as Json).message), /Responses API of 'gpt'.*holds it/);
  }
  // Another model, or an id no one stored: as for stored responses.
  await assert.rejects(gw.client.responses.create({ model: 'deepseek', previous_response_id: first.id, input: 'x' }), (e: unknown) => e instanceof OpenAI.BadRequestError && (e.error as Json).param === 'previous_response_id');
  await assert.rejects(gw.client.responses.create({ model: 'assistant', previous_response_id: 'resp_fake_unknown', input: 'x' }), (e: unknown) => e instanceof OpenAI.NotFoundError);
});

test('a passed-through conversation cannot move: once its contender is rolled back it is refused; fresh requests and fallbacks are translated', async (t) => {
  let draw = 0.01;
  const gw = await passthroughGateway(t, { random: () => draw, race: { champion: 'deepseek', challengers: [{ contender: 'gpt', weight: 50 }] } });
  const served = new Map<string, number>();
  for (const x of [0.01, 0.3, 0.6, 0.99]) {
    draw = x;
    const probe = await gw.client.responses.create({ model: 'assistant', input: 'probe', store: false }).withResponse();
    served.set(probe.response.headers.get('x-saima-contender')!, x);
  }
  draw = served.get('gpt')!;
  const held = await gw.client.responses.create({ model: 'assistant', input: 'One' });
  assert.match(held.id, /^resp_fake/);

  // A challenger failing before the first byte falls back to the champion, translated: a response the gateway holds.
  gw.gpt.setFaults([{ kind: 'status', status: 503 }]);
  const rescued = await gw.client.responses.create({ model: 'assistant', input: 'Rescue me' }).withResponse();
  assert.equal(rescued.response.headers.get('x-saima-contender'), 'deepseek');
  assert.equal(rescued.data.id, `resp_${rescued.response.headers.get('x-saima-request-id')}`);
  assert.equal(rescued.data.output_text, 'Hello from chat completions.');
  assert.equal((await gw.client.responses.retrieve(rescued.data.id)).id, rescued.data.id);

  const rolled = await fetch(`${gw.url}/admin/races/assistant/rollback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ contender: 'gpt', reason: 'error rate' }) });
  assert.equal(rolled.status, 200);
  const calls = gw.gpt.requests.length;
  const refused = await gw.client.responses.create({ model: 'assistant', previous_response_id: held.id, input: 'Two' }).catch((e: unknown) => e);
  assert.ok(refused instanceof OpenAI.BadRequestError, String(refused));
  assert.equal((refused.error as Json).param, 'previous_response_id');
  assert.match(String((refused.error as Json).message), /held by the upstream of 'gpt', which no longer serves race 'assistant'/);
  assert.equal(gw.gpt.requests.length, calls, 'the rolled-back contender is not called');
  // The rescued conversation (the gateway's own) goes on.
  const next = await gw.client.responses.create({ model: 'assistant', previous_response_id: rescued.data.id, input: 'Two' }).withResponse();
  assert.equal(next.response.headers.get('x-saima-contender'), 'deepseek');
});

test('budget: the passthrough reservation at max_output_tokens bounds the spend; the cap goes upstream as max_output_tokens; a continuation reserves the context the upstream holds', async (t) => {
  const gpt = await startFakeOpenAI({ model: 'gpt-test', headersDelayMs: 300, usage: { prompt_tokens: 10, completion_tokens: 5 } });
  t.after(() => gpt.close());
  // 1 CNY per output token: a call reserves a little over max_output_tokens CNY; the race's budget is 50 CNY a day.
  const gw = await startTestGateway(t, {
    contenders: { gpt: { provider: 'openai', base_url: gpt.url, model: 'gpt-test', responses: true, max_output_tokens: 30, price: { input: 1, output: 1_000_000, currency: 'CNY' }, retry: { max_retries: 0 } } },
    races: { assistant: { champion: 'gpt' } },
    budgets: { cap: { race: 'assistant', period: 'day', limit: 50, currency: 'CNY' } },
  });
  const ask = (max_output_tokens: number) => gw.client.responses.create({ model: 'assistant', max_output_tokens, input: 'Hi' });
  await assert.rejects(ask(60), (e: unknown) => e instanceof OpenAI.RateLimitError && /Budget 'cap'/.test(String((e.error as Json).message)));
  assert.equal(gpt.requests.length, 0);
  const results = await Promise.allSettled([ask(20), ask(20), ask(20)]);
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 2);
  assert.ok((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason instanceof OpenAI.RateLimitError);
  assert.equal(gpt.requests.length, 2);
  for (const r of gpt.requests) {
    assert.equal(r.path, '/v1/responses');
    assert.equal(r.body.max_output_tokens, 20);
  }
  const first = await ask(20);
  // No cap asked: reserved at the contender's default (30), and that is the cap the upstream is sent.
  const uncapped = await gw.client.responses.create({ model: 'assistant', previous_response_id: first.id, input: 'More' }).withResponse();
  assert.equal(gpt.requests.at(-1)!.body.max_output_tokens, 30);
  // The continuation's input includes the 15 tokens the first response left upstream: reserved, and billed.
  const row = rowOf(gw.dbFile, uncapped.response.headers.get('x-saima-request-id')!);
  assert.equal(row.prompt_tokens, 10 + 15);
  assert.ok((row.prompt_estimate as number) >= 15, String(row.prompt_estimate));
  assert.equal(row.output_cap, 30);
  const db = new Database(gw.dbFile, { readonly: true });
  t.after(() => db.close());
  const spent = db.prepare("select sum(cost_nanos) as nanos, count(*) as n from requests where protocol = 'responses'").get() as { nanos: number; n: number };
  assert.equal(spent.n, 4);
  assert.ok(spent.nanos <= 50e9, String(spent.nanos));
});

test('shadow traffic: a fresh passed-through request is shadowed (translated), a continuation the upstream holds is not', async (t) => {
  const gw = await passthroughGateway(t, { race: { challengers: [], shadow: { contender: 'deepseek', rate: 1 } } });
  const shadowRows = () => {
    const db = new Database(gw.dbFile, { readonly: true });
    try {
      return (db.prepare('select count(*) as n from requests where shadow = 1').get() as { n: number }).n;
    } finally {
      db.close();
    }
  };
  const waitFor = async (n: number) => {
    for (let i = 0; i < 100 && shadowRows() < n; i++) await new Promise((r) => setTimeout(r, 20));
    return shadowRows();
  };
  const first = await gw.client.responses.create({ model: 'assistant', input: 'One' });
  assert.equal(await waitFor(1), 1);
  assert.deepEqual(gw.deepseek.requests.at(-1)!.body.messages, [{ role: 'user', content: 'One' }]);
  const next = await gw.client.responses.create({ model: 'assistant', previous_response_id: first.id, input: 'Two' });
  assert.equal(next.previous_response_id, first.id);
  // A fresh request after it is shadowed again: had the continuation been, there would be three.
  await gw.client.responses.create({ model: 'assistant', input: 'Three' });
  assert.equal(await waitFor(2), 2);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(shadowRows(), 2);
  assert.equal(gw.deepseek.requests.length, 2);
});

test('upstream failures of a passed-through stream: an error event first falls back (translated), one mid-answer reaches the client and the row', async (t) => {
  // Events paced, so what was sent before the error reached the client before it.
  const gw = await passthroughGateway(t, { race: { challengers: [], fallbacks: ['deepseek'] }, upstream: { eventDelayMs: 10 } });
  // The upstream's first event is an error: nothing was sent, so the fallback serves the request, translated.
  gw.gpt.setFaults([{ kind: 'error_event', afterEvents: 0, message: 'overloaded' }]);
  const rescued = await gw.client.responses.create({ model: 'assistant', input: 'Hi', stream: true }).withResponse();
  assert.equal(rescued.response.headers.get('x-saima-contender'), 'deepseek');
  let text = '';
  let last: OpenAI.Responses.ResponseStreamEvent | null = null;
  for await (const e of rescued.data) {
    if (e.type === 'response.output_text.delta') text += e.delta;
    last = e;
  }
  assert.equal(text, 'Hello from chat completions.');
  assert.equal(last?.type, 'response.completed');
  const rescuedRow = rowOf(gw.dbFile, rescued.response.headers.get('x-saima-request-id')!);
  assert.equal(rescuedRow.fallback_from, 'gpt');
  assert.equal(rescuedRow.contender, 'deepseek');

  // Mid-answer: the upstream's own error event is the client's last, and the row records the failure.
  gw.gpt.setFaults([{ kind: 'error_event', afterEvents: 6, message: 'overloaded mid-answer' }]);
  const broken = await gw.client.responses.create({ model: 'assistant', input: 'Hi', stream: true }).withResponse();
  const events: Json[] = [];
  for await (const e of broken.data) events.push(e as unknown as Json);
  assert.equal(broken.response.headers.get('x-saima-contender'), 'gpt');
  assert.deepEqual(events.map((e) => e.sequence_number), [0, 1, 2, 3, 4, 5, 6]);
  assert.equal(events.at(-1)!.type, 'error');
  assert.match(String(events.at(-1)!.message), /overloaded mid-answer/);
  const row = rowOf(gw.dbFile, broken.response.headers.get('x-saima-request-id')!);
  assert.equal(row.contender, 'gpt');
  // Failed after the first byte: a cut answer, with the upstream's reason.
  assert.equal(row.outcome, 'cut');
  assert.equal(row.error_code, 'upstream_error');
  assert.match(String(row.error_message), /overloaded mid-answer/);
});

test('a passed-through continuation whose upstream reports no usage is charged an estimate that includes the context the upstream holds', async (t) => {
  const gw = await passthroughGateway(t, { race: { challengers: [] }, upstream: { usage: { prompt_tokens: 4000, completion_tokens: 1000 } } });
  const first = await gw.client.responses.create({ model: 'assistant', input: 'One' });
  // The upstream bills the 5,000 tokens of the first turn again as input, but this answer says nothing of usage.
  gw.gpt.setFaults([{ kind: 'ok', usage: null }]);
  const second = await gw.client.responses.create({ model: 'assistant', previous_response_id: first.id, input: 'Two' }).withResponse();
  const row = rowOf(gw.dbFile, second.response.headers.get('x-saima-request-id')!);
  assert.equal(row.usage_estimated, 1, 'no usage reported: estimated');
  assert.ok((row.prompt_tokens as number) >= 5000, `the estimate counts the carried context (got ${String(row.prompt_tokens)} prompt tokens)`);
  assert.ok((row.cost_nanos as number) >= 5000 * 2 * 1000, 'and the cost charges it at the input price');
});

test('a continuation its upstream no longer knows: OpenAI\'s 404 naming previous_response_id, no fallback, a client error that charges neither breaker nor race', async (t) => {
  const gw = await passthroughGateway(t, { race: { challengers: [], fallbacks: ['deepseek'] }, gpt: { breaker: { failure_threshold: 1, cooldown_ms: 60_000 } } });
  const first = await gw.client.responses.create({ model: 'assistant', input: 'One' });
  // Expired or deleted at the upstream: OpenAI's error body, sent with a 404 (and by some upstreams with a 400).
  const gone = (status: number) => ({ kind: 'status' as const, status, body: JSON.stringify({ error: { message: `Previous response with id '${first.id}' not found.`, type: 'invalid_request_error', param: 'previous_response_id', code: 'previous_response_not_found' } }) });
  for (const [status, stream] of [[404, false], [400, false], [404, true]] as const) {
    gw.gpt.setFaults([gone(status)]);
    const calls = gw.deepseek.requests.length;
    const err = await gw.client.responses.create({ model: 'assistant', previous_response_id: first.id, input: 'Two', stream }).catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.NotFoundError, `upstream ${status}: ${String(err)}`);
    assert.deepEqual(err.error, { message: `Previous response with id '${first.id}' not found.`, type: 'invalid_request_error', param: 'previous_response_id', code: 'previous_response_not_found' });
    assert.equal(gw.deepseek.requests.length, calls, 'no fallback: no other contender holds the conversation');
    const row = rowOf(gw.dbFile, err.headers?.get('x-saima-request-id') ?? '');
    assert.equal(row.protocol, 'responses');
    assert.equal(row.contender, 'gpt');
    assert.equal(row.status, 404);
    assert.equal(row.outcome, 'error');
    assert.equal(row.error_code, 'previous_response_not_found');
  }
  // The breaker (one failure opens it) was not charged: the contender still serves, passed through.
  const next = await gw.client.responses.create({ model: 'assistant', input: 'Three' }).withResponse();
  assert.equal(next.response.headers.get('x-saima-contender'), 'gpt');
  assert.match(next.data.id, /^resp_fake/);
  // Logged, but no evidence about the contender: the race monitor counts its two answers and no error.
  await gw.gw.store.requestLog.flush();
  const moments = (await gw.gw.store.requests.metricMoments('assistant', 0)).find((m) => m.contender === 'gpt')!;
  assert.equal(moments.requests, 2);
  assert.equal(moments.errors, 0);
});

test('a passed-through stream cut by the upstream before response.completed: an error event ends it, the row is cut and metered from what was seen, the budget settles', async (t) => {
  const gw = await passthroughGateway(t, {
    race: { challengers: [] },
    upstream: { eventDelayMs: 5 },
    doc: { budgets: { cap: { race: 'assistant', period: 'day', limit: 1, currency: 'USD' } } },
  });
  // The connection is destroyed after six events (created, in_progress, the item and its part, two text deltas) and
  // half of the seventh: the client gets whole events only, then the error.
  gw.gpt.setFaults([{ kind: 'cut', afterEvents: 6, halfEvent: true }]);
  const { data: stream, response } = await gw.client.responses.create({ model: 'assistant', input: 'Say hello', max_output_tokens: 200, stream: true }).withResponse();
  const events: Json[] = [];
  for await (const e of stream) events.push(e as unknown as Json);
  assert.deepEqual(events.map((e) => e.type), ['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added', 'response.output_text.delta', 'response.output_text.delta', 'error']);
  const seen = events.filter((e) => e.type === 'response.output_text.delta').map((e) => String(e.delta)).join('');
  assert.equal(seen, 'Hello from ');
  // As for a cut chat stream: one error event after what was sent, numbered after it; no response.completed.
  const last = events.at(-1)!;
  assert.equal(last.code, 'upstream_stream_cut');
  assert.equal(last.sequence_number, 6);
  assert.match(String(last.message), /gpt: upstream stream cut/);

  const id = response.headers.get('x-saima-request-id')!;
  const row = rowOf(gw.dbFile, id);
  assert.equal(row.protocol, 'responses');
  assert.equal(row.contender, 'gpt');
  assert.equal(row.stream, 1);
  assert.equal(row.outcome, 'cut');
  assert.equal(row.error_code, 'upstream_stream_cut');
  assert.equal(row.output_cap, 200);
  // No usage came (it is in response.completed): estimated, the output from the text the client was sent.
  assert.equal(row.usage_estimated, 1);
  assert.ok((row.prompt_tokens as number) > 0, String(row.prompt_tokens));
  assert.ok((row.completion_tokens as number) >= 2 && (row.completion_tokens as number) <= 4, `the two words seen (got ${String(row.completion_tokens)})`);
  assert.equal(row.cost_nanos, ((row.prompt_tokens as number) * 2 + (row.completion_tokens as number) * 8) * 1000);

  // The reservation (at 200 output tokens) is settled at the estimate: nothing left in flight.
  const budgets = (await (await fetch(`${gw.url}/admin/budgets`)).json()) as { data: Array<{ name: string; spent: number; reserved: number }> };
  const cap = budgets.data.find((b) => b.name === 'cap')!;
  assert.equal(cap.reserved, 0);
  assert.equal(Math.round(cap.spent * 1e9), row.cost_nanos);
  // Nor is it left in the admission journal, where a restart would charge it again as lost.
  const journaled = () => AdmissionFile.read(gw.dbFile).filter((e) => e.id === id).length;
  for (let i = 0; i < 100 && journaled() > 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(journaled(), 0);
  // The SDK's stream helper sees the same stream end in an error, not in a response.
  gw.gpt.setFaults([{ kind: 'cut', afterEvents: 6 }]);
  await assert.rejects(gw.client.responses.stream({ model: 'assistant', input: 'Say hello' }).finalResponse());
  // Nothing was stored of the cut response: it cannot be continued.
  const upstreamId = String((events[0]!.response as Json).id);
  await assert.rejects(gw.client.responses.create({ model: 'assistant', previous_response_id: upstreamId, input: 'More' }), (e: unknown) => e instanceof OpenAI.NotFoundError);
  // And the contender serves the next request whole.
  const next = await gw.client.responses.create({ model: 'assistant', input: 'Again' });
  assert.equal(next.output_text, 'Hello from the Responses API.');
});
