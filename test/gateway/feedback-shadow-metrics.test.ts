/** Feedback stored against the serving contender, one current rating per request; shadow copies logged but never returned; Prometheus metrics. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import Database from 'better-sqlite3';
import { mockContender, startTestGateway } from '../support/gateway.js';

test('feedback by request id is stored with the race and contender that served it', async (t) => {
  const { client, url, dbFile } = await startTestGateway(t, { contenders: { m: mockContender('m') }, races: { r: { champion: 'm' } } });
  const { response } = await client.chat.completions.create({ model: 'r', messages: [{ role: 'user', content: 'x' }] }).withResponse();
  const id = response.headers.get('x-saima-request-id')!;
  const post = (body: unknown) => fetch(`${url}/v1/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const ok = await post({ request_id: id, thumbs: 'up', comment: 'great' });
  assert.equal(ok.status, 201);
  const body = (await ok.json()) as { race: string; contender: string; score: number };
  assert.deepEqual([body.race, body.contender, body.score], ['r', 'm', 1]);
  assert.equal((await post({ request_id: id, score: -0.5 })).status, 201);
  const bad = await post({ request_id: id, score: 2 });
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { error: { param: string } }).error.param, 'score');
  const missing = await post({ request_id: 'req_nope', thumbs: 'down' });
  assert.equal(missing.status, 404);
  const db = new Database(dbFile, { readonly: true });
  t.after(() => db.close());
  // One current rating per request (the later one); every rating stays in the history.
  const rows = db.prepare('select score, contender, race, comment from feedback where request_id = ?').all(id);
  assert.deepEqual(rows, [{ score: -0.5, contender: 'm', race: 'r', comment: null }]);
  const history = db.prepare('select score, contender, race, comment from feedback_history where request_id = ? order by score').all(id);
  assert.deepEqual(history, [
    { score: -0.5, contender: 'm', race: 'r', comment: null },
    { score: 1, contender: 'm', race: 'r', comment: 'great' },
  ]);
});

test('shadow traffic: sampled copies go to the shadow contender, are logged with shadow = 1, never returned', async (t) => {
  const { client, gw, dbFile } = await startTestGateway(t, {
    contenders: { m: mockContender('m', { default_answer: 'served' }), s: mockContender('s', { default_answer: 'shadow answer' }) },
    races: { r: { champion: 'm', shadow: { contender: 's', rate: 1 } } },
  });
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const { data, response } = await client.chat.completions.create({ model: 'r', messages: [{ role: 'user', content: `q${i}` }] }).withResponse();
    assert.equal(data.choices[0]!.message.content, 'served');
    ids.push(response.headers.get('x-saima-request-id')!);
  }
  await Promise.allSettled([...gw.ctx.background]);
  await gw.store.requestLog.flush();
  const db = new Database(dbFile, { readonly: true });
  t.after(() => db.close());
  const shadows = db.prepare('select parent_id, contender, outcome from requests where shadow = 1').all() as Array<{ parent_id: string; contender: string; outcome: string }>;
  assert.equal(shadows.length, 5);
  assert.deepEqual(shadows.map((s) => s.parent_id).sort(), [...ids].sort());
  assert.ok(shadows.every((s) => s.contender === 's' && s.outcome === 'ok'));
});

test('/metrics exposes requests, latency, TTFT, tokens and cost per contender', async (t) => {
  const { client, url } = await startTestGateway(t, { contenders: { m: mockContender('m') }, races: { r: { champion: 'm' } } });
  await client.chat.completions.create({ model: 'r', messages: [{ role: 'user', content: 'x' }] });
  const stream = await client.chat.completions.create({ model: 'r', stream: true, messages: [{ role: 'user', content: 'x' }] });
  for await (const _c of stream);
  await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }) });
  const res = await fetch(`${url}/metrics`);
  assert.match(res.headers.get('content-type')!, /text\/plain/);
  const text = await res.text();
  assert.match(text, /saima_requests_total\{race="r",contender="m",protocol="chat",outcome="ok",status="200",shadow="false"\} 2/);
  assert.match(text, /saima_request_duration_seconds_count\{race="r",contender="m",protocol="chat"\} 2/);
  assert.match(text, /saima_time_to_first_token_seconds_count\{race="r",contender="m",protocol="chat"\} 2/);
  assert.match(text, /saima_tokens_total\{contender="m",protocol="chat",kind="completion"\} \d+/);
  assert.match(text, /saima_cost_total\{contender="m",protocol="chat",currency="CNY"\} [\d.e-]+/);
  assert.match(text, /saima_rejected_requests_total\{code="model_not_found"\} 1/);

  // Counters gather between scrapes and are handed over at each: a later scrape adds only what came since.
  const tokens = (t: string, kind: string) => Number(new RegExp(`saima_tokens_total\\{contender="m",protocol="chat",kind="${kind}"\\} (\\d+)`).exec(t)![1]);
  const cost = (t: string) => Number(/saima_cost_total\{contender="m",protocol="chat",currency="CNY"\} ([\d.e-]+)/.exec(t)![1]);
  const third = await client.chat.completions.create({ model: 'r', messages: [{ role: 'user', content: 'x' }] });
  const again = await (await fetch(`${url}/metrics`)).text();
  assert.match(again, /saima_requests_total\{race="r",contender="m",protocol="chat",outcome="ok",status="200",shadow="false"\} 3/);
  assert.equal(tokens(again, 'completion') - tokens(text, 'completion'), third.usage!.completion_tokens);
  assert.equal(tokens(again, 'prompt') - tokens(text, 'prompt'), third.usage!.prompt_tokens);
  assert.ok(cost(again) > cost(text), `cost grew: ${cost(text)} → ${cost(again)}`);
  const unchanged = await (await fetch(`${url}/metrics`)).text();
  assert.match(unchanged, /saima_requests_total\{race="r",contender="m",protocol="chat",outcome="ok",status="200",shadow="false"\} 3/, 'a scrape with nothing new changes nothing');
  assert.equal(tokens(unchanged, 'completion'), tokens(again, 'completion'));
});

test('/metrics splits each per-request series by the protocol the client used', async (t) => {
  const { client, url } = await startTestGateway(t, { contenders: { m: mockContender('m') }, races: { r: { champion: 'm' } } });
  const anthropic = new Anthropic({ baseURL: url, apiKey: 'unused-key', maxRetries: 0 });
  await client.chat.completions.create({ model: 'r', messages: [{ role: 'user', content: 'x' }] });
  const messages: Anthropic.Message[] = [];
  for (let i = 0; i < 2; i++) messages.push(await anthropic.messages.create({ model: 'r', max_tokens: 50, messages: [{ role: 'user', content: 'x' }] }));
  const streamed = await anthropic.messages.create({ model: 'r', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'x' }] });
  for await (const _e of streamed);
  await client.embeddings.create({ model: 'm', input: 'x' });
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (re: RegExp) => {
    const m = re.exec(text);
    assert.ok(m, `${re} in /metrics`);
    return Number(m[1]);
  };
  assert.equal(value(/saima_requests_total\{race="r",contender="m",protocol="chat",outcome="ok",status="200",shadow="false"\} (\d+)/), 1);
  assert.equal(value(/saima_requests_total\{race="r",contender="m",protocol="messages",outcome="ok",status="200",shadow="false"\} (\d+)/), 3);
  assert.equal(value(/saima_requests_total\{race="",contender="m",protocol="embeddings",outcome="ok",status="200",shadow="false"\} (\d+)/), 1);
  assert.equal(value(/saima_request_duration_seconds_count\{race="r",contender="m",protocol="messages"\} (\d+)/), 3);
  assert.equal(value(/saima_time_to_first_token_seconds_count\{race="r",contender="m",protocol="chat"\} (\d+)/), 1);
  const completion = messages.reduce((n, m) => n + m.usage.output_tokens, 0);
  assert.ok(completion > 0);
  assert.ok(value(/saima_tokens_total\{contender="m",protocol="messages",kind="completion"\} (\d+)/) >= completion, 'the Messages calls\' tokens are counted under messages');
  assert.ok(value(/saima_cost_total\{contender="m",protocol="messages",currency="CNY"\} ([\d.e-]+)/) > 0);
  // Every per-request series names one of the four front doors, never anything else.
  const protocols = new Set([...text.matchAll(/^saima_(?:requests_total|request_duration_seconds_count|time_to_first_token_seconds_count|tokens_total|cost_total)\{[^}]*protocol="([^"]*)"/gm)].map((m) => m[1]));
  assert.deepEqual([...protocols].sort(), ['chat', 'embeddings', 'messages']);
  const unlabelled = text.split('\n').filter((l) => /^saima_(requests_total|request_duration_seconds_count|tokens_total|cost_total)\{/.test(l) && !l.includes('protocol="'));
  assert.deepEqual(unlabelled, []);
});

test('GET /health answers without a key even when auth is on; other routes need one', async (t) => {
  const { url, key } = await startTestGateway(t, { auth: { mode: 'keys' }, contenders: { m: mockContender('m') } });
  assert.equal((await fetch(`${url}/health`)).status, 200);
  const denied = await fetch(`${url}/v1/models`);
  assert.equal(denied.status, 401);
  assert.equal(((await denied.json()) as { error: { code: string } }).error.code, 'invalid_api_key');
  assert.equal((await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).status, 200);
  assert.equal((await fetch(`${url}/v1/models`, { headers: { authorization: 'Bearer sk-saima-wrong-key-000000000000000000000000' } })).status, 401);
});
