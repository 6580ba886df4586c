/**
 * Retries, fallbacks and circuit breaking against fault-injecting OpenAI-protocol upstreams over loopback, as
 * the official client sees them, with the request-log rows checked.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { startFakeOpenAI } from '../support/fake-openai-upstream.js';
import { startTestGateway, loggedRow } from '../support/gateway.js';

function upstream(url: string, extra: Record<string, unknown> = {}) {
  return {
    provider: 'openai',
    base_url: url,
    api_key: 'sk-upstream-secret-key-0001',
    model: 'up-model',
    price: { input: 1, output: 2 },
    retry: { max_retries: 2, base_ms: 10, max_ms: 2000 },
    timeouts: { first_byte_ms: 400, total_ms: 1500 },
    ...extra,
  };
}

const row = (dbFile: string, id: string) => loggedRow(dbFile, id) as Record<string, unknown> | undefined;

test('429 with retry-after is retried after the wait; 500 is retried; the row counts attempts', async (t) => {
  const up = await startFakeOpenAI({});
  t.after(() => up.close());
  const { client, dbFile } = await startTestGateway(t, { contenders: { a: upstream(up.url) }, races: { r: { champion: 'a' } } });
  up.setFaults([{ kind: 'status', status: 429, retryAfter: '0.3' }, { kind: 'status', status: 500 }, { kind: 'ok' }]);
  const t0 = Date.now();
  const { data, response } = await client.chat.completions.create({ model: 'r', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
  assert.ok(Date.now() - t0 >= 290, 'waited for retry-after');
  assert.ok(data.choices[0]!.message.content);
  assert.equal(up.requests.length, 3);
  assert.equal(up.requests[0]!.headers.authorization, 'Bearer sk-upstream-secret-key-0001');
  const r = row(dbFile, response.headers.get('x-saima-request-id')!)!;
  assert.equal(r.attempts, 3);
  assert.equal(r.outcome, 'ok');
  assert.equal(r.contender, 'a');
});

test('reset before headers and a hang past the first-byte timeout fall back to the next contender', async (t) => {
  const bad = await startFakeOpenAI({});
  const good = await startFakeOpenAI({});
  t.after(() => Promise.all([bad.close(), good.close()]));
  const { client, dbFile } = await startTestGateway(t, {
    contenders: { a: upstream(bad.url, { retry: { max_retries: 1, base_ms: 5 } }), b: upstream(good.url) },
    races: { r: { champion: 'a', fallbacks: ['b'] } },
  });
  bad.setFaults([{ kind: 'reset' }, { kind: 'hang' }]);
  const { response } = await client.chat.completions.create({ model: 'r', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
  assert.equal(response.headers.get('x-saima-contender'), 'b');
  assert.equal(response.headers.get('x-saima-race'), 'r');
  const r = row(dbFile, response.headers.get('x-saima-request-id')!)!;
  assert.equal(r.attempts, 3, 'reset, hang, then the fallback');
  assert.equal(r.contender, 'b');
});

test('when every contender fails the client gets a typed 502 without upstream secrets, and a row with the error', async (t) => {
  const up = await startFakeOpenAI({});
  t.after(() => up.close());
  const { client, url, dbFile } = await startTestGateway(t, {
    contenders: { a: upstream(up.url, { retry: { max_retries: 0, base_ms: 5 } }), b: upstream(`${up.url.replace(/\/v1$/, '')}/v1`, { retry: { max_retries: 0, base_ms: 5 } }) },
    races: { r: { champion: 'a', fallbacks: ['b'] } },
  });
  up.setFaults([{ kind: 'status', status: 503 }, { kind: 'status', status: 500 }]);
  await assert.rejects(
    client.chat.completions.create({ model: 'r', messages: [{ role: 'user', content: 'hi' }] }),
    (err: unknown) => {
      assert.ok(err instanceof OpenAI.APIError);
      assert.equal(err.status, 502);
      assert.equal((err.error as { code?: string }).code, 'all_contenders_failed');
      assert.doesNotMatch(JSON.stringify(err.error), /sk-upstream/);
      return true;
    },
  );
  const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'a', messages: [{ role: 'user', content: 'x' }] }) });
  assert.equal(res.status, 200, 'faults were consumed');
  const db = new Database(dbFile, { readonly: true });
  t.after(() => db.close());
  const errors = db.prepare("select * from requests where outcome = 'error'").all() as Array<Record<string, unknown>>;
  assert.equal(errors.length, 1);
  assert.equal(errors[0]!.error_code, 'all_contenders_failed');
  assert.equal(errors[0]!.status, 502);
  assert.equal(errors[0]!.attempts, 2);
});

test('a 400 from the upstream is the client\'s problem: no retry, no fallback, a 400 back', async (t) => {
  const up = await startFakeOpenAI({});
  const other = await startFakeOpenAI({});
  t.after(() => Promise.all([up.close(), other.close()]));
  const { client } = await startTestGateway(t, { contenders: { a: upstream(up.url), b: upstream(other.url) }, races: { r: { champion: 'a', fallbacks: ['b'] } } });
  up.setFaults([{ kind: 'status', status: 400 }]);
  await assert.rejects(client.chat.completions.create({ model: 'r', messages: [{ role: 'user', content: 'hi' }] }), OpenAI.BadRequestError);
  assert.equal(up.requests.length, 1);
  assert.equal(other.requests.length, 0);
});

test('the circuit opens after repeated failures, skips the contender, then a half-open probe closes it', async (t) => {
  const up = await startFakeOpenAI({});
  const spare = await startFakeOpenAI({});
  t.after(() => Promise.all([up.close(), spare.close()]));
  const { client } = await startTestGateway(t, {
    contenders: {
      a: upstream(up.url, { retry: { max_retries: 0, base_ms: 5 }, breaker: { failure_threshold: 3, cooldown_ms: 400 } }),
      b: upstream(spare.url),
    },
    races: { r: { champion: 'a', fallbacks: ['b'] } },
  });
  up.setFaults([{ kind: 'status', status: 500 }, { kind: 'status', status: 500 }, { kind: 'status', status: 500 }]);
  const ask = async () => (await client.chat.completions.create({ model: 'r', messages: [{ role: 'user', content: 'hi' }] }).withResponse()).response.headers.get('x-saima-contender');
  for (let i = 0; i < 3; i++) assert.equal(await ask(), 'b');
  assert.equal(up.requests.length, 3);
  // Open: a is not even called.
  assert.equal(await ask(), 'b');
  assert.equal(up.requests.length, 3);
  await new Promise((r) => setTimeout(r, 450));
  // Half-open: one probe reaches a, succeeds, and closes the circuit.
  assert.equal(await ask(), 'a');
  assert.equal(await ask(), 'a');
  assert.equal(up.requests.length, 5);
});

test('a stream cut mid-way ends with an error event, never a silent truncation, and is logged as cut', async (t) => {
  const up = await startFakeOpenAI({});
  t.after(() => up.close());
  const { client, url, dbFile } = await startTestGateway(t, { contenders: { a: upstream(up.url) }, races: { r: { champion: 'a' } } });
  up.setFaults([{ kind: 'cut', afterEvents: 2 }]);
  const { data: stream, response } = await client.chat.completions.create({ model: 'r', stream: true, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
  let chunks = 0;
  await assert.rejects(async () => {
    for await (const _c of stream) chunks++;
  }, /interrupted|cut|stream/i);
  assert.ok(chunks >= 1, 'the client saw the start of the answer');
  const r = row(dbFile, response.headers.get('x-saima-request-id')!)!;
  assert.equal(r.outcome, 'cut');
  assert.equal(r.error_code, 'upstream_stream_cut');
  // Raw bytes: the last event is an error and there is no [DONE].
  up.setFaults([{ kind: 'cut', afterEvents: 2 }]);
  const raw = await (await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'r', stream: true, messages: [{ role: 'user', content: 'x' }] }) })).text();
  assert.doesNotMatch(raw, /\[DONE\]/);
  assert.match(raw.trim().split('\n\n').at(-1)!, /^data: \{"error":\{.*"code":"upstream_stream_cut"/);
});
