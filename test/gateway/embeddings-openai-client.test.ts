/**
 * POST /v1/embeddings through the official `openai` client's `embeddings.create`, against a loopback upstream that
 * replays OpenAI's documented embeddings response: bytes passed through, usage metered at the contender's input
 * price, races with sticky users, budgets and TPM limits on the input, fallbacks, OpenAI's error shapes, and the
 * request-log row with protocol `embeddings`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { fakeTokens, fakeVector, startFakeEmbeddings, type FakeEmbeddingsOptions } from '../support/fake-openai-embeddings.js';
import { mockContender, startTestGateway, TEST_ADMIN_KEY, loggedRow } from '../support/gateway.js';

type Json = Record<string, unknown>;

const rowOf = (dbFile: string, id: string) => loggedRow(dbFile, id)! as Json;

function rows(dbFile: string, where = "protocol = 'embeddings'"): Json[] {
  const db = new Database(dbFile, { readonly: true });
  try {
    return db.prepare(`select * from requests where ${where}`).all() as Json[];
  } finally {
    db.close();
  }
}

async function upstream(t: import('node:test').TestContext, opts: FakeEmbeddingsOptions = {}) {
  const u = await startFakeEmbeddings(opts);
  t.after(() => u.close());
  return u;
}

/** An `openai` contender on a fake upstream, priced per million input tokens. */
function contender(url: string, model: string, input = 20, extra: Json = {}): Json {
  return { provider: 'openai', base_url: url, api_key: `sk-${model}-0123456789abcdef`, model, price: { input, output: 0, currency: 'USD' }, retry: { max_retries: 0 }, ...extra };
}

function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/v1/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

test('embeddings.create: floats, base64 and dimensions pass through; bytes unchanged; metered at the input price; the row says embeddings', async (t) => {
  const up = await upstream(t, { model: 'text-embedding-3-small' });
  const gw = await startTestGateway(t, { contenders: { small: contender(up.url, 'text-embedding-3-small') } });

  // Floats, one text.
  const { data, response } = await gw.client.embeddings.create({ model: 'small', input: 'The food was delicious and the waiter was kind', encoding_format: 'float', user: 'alice' }).withResponse();
  assert.equal(response.headers.get('x-saima-contender'), 'small');
  assert.equal(data.object, 'list');
  assert.equal(data.model, 'text-embedding-3-small');
  assert.equal(data.data.length, 1);
  assert.deepEqual(data.data[0]!.embedding, fakeVector('The food was delicious and the waiter was kind', 8));
  assert.deepEqual(data.usage, { prompt_tokens: 9, total_tokens: 9 });
  const sent = up.requests.at(-1)!;
  assert.deepEqual(sent.body, { model: 'text-embedding-3-small', input: 'The food was delicious and the waiter was kind', encoding_format: 'float', user: 'alice' });
  assert.equal(sent.headers.authorization, 'Bearer sk-text-embedding-3-small-0123456789abcdef');
  const row = rowOf(gw.dbFile, response.headers.get('x-saima-request-id')!);
  assert.equal(row.protocol, 'embeddings');
  assert.equal(row.contender, 'small');
  assert.equal(row.prompt_tokens, 9);
  assert.equal(row.completion_tokens, 0);
  assert.equal(row.usage_estimated, 0);
  assert.equal(row.output_cap, null);
  assert.equal(row.stream, 0);
  // 9 tokens × 20 USD per million = 180e-6 USD.
  assert.equal(row.cost_nanos, 180_000);
  assert.equal(row.currency, 'USD');

  // Base64 with dimensions, an array of inputs: the client asked for base64, so it gets the upstream's strings.
  const texts = ['first input', 'the second input', 'and a third one here'];
  const b64 = await gw.client.embeddings.create({ model: 'small', input: texts, encoding_format: 'base64', dimensions: 4 });
  assert.equal(b64.data.length, 3);
  b64.data.forEach((d, i) => {
    assert.equal(d.index, i);
    const buf = Buffer.from(d.embedding as unknown as string, 'base64');
    const floats = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
    assert.deepEqual(Array.from(floats), fakeVector(texts[i]!, 4));
  });
  assert.equal(up.requests.at(-1)!.body.dimensions, 4);
  assert.equal(up.requests.at(-1)!.body.encoding_format, 'base64');

  // The client's default (it asks for base64 and decodes it): the floats it shows are the upstream's.
  const decoded = await gw.client.embeddings.create({ model: 'small', input: [[1, 2, 3], [4, 5]], dimensions: 3 });
  assert.deepEqual(decoded.data.map((d) => d.embedding), [fakeVector([1, 2, 3], 3), fakeVector([4, 5], 3)]);
  assert.deepEqual(up.requests.at(-1)!.body.input, [[1, 2, 3], [4, 5]]);
  assert.equal(decoded.usage.prompt_tokens, 5);

  // The bytes the client receives are the bytes the upstream sent.
  const raw = await post(gw.url, { model: 'small', input: ['x y', 'z'], dimensions: 5 });
  assert.equal(raw.status, 200);
  assert.equal(raw.headers.get('content-type'), 'application/json');
  assert.deepEqual(Buffer.from(await raw.arrayBuffer()), up.sent.at(-1));

  // GET /admin/requests lists the rows with their protocol.
  await gw.client.chat.completions.create({ model: 'small', messages: [{ role: 'user', content: 'hi' }] }).catch(() => undefined);
  const listed = (await (await fetch(`${gw.url}/admin/requests?limit=20`)).json()) as { data: Array<{ id: string; protocol: string; prompt_tokens: number }> };
  const mine = listed.data.find((r) => r.id === response.headers.get('x-saima-request-id'));
  assert.equal(mine?.protocol, 'embeddings');
  assert.equal(mine?.prompt_tokens, 9);
  assert.equal(listed.data.filter((r) => r.protocol === 'embeddings').length, 4);
});

test('a race of two embedding models: users stick to their contender by `user` or x-saima-user; every row is evidence of its contender', async (t) => {
  const a = await upstream(t, { model: 'emb-a' });
  const b = await upstream(t, { model: 'emb-b' });
  const gw = await startTestGateway(t, {
    contenders: { a: contender(a.url, 'emb-a'), b: contender(b.url, 'emb-b') },
    races: { search: { champion: 'a', challengers: [{ contender: 'b', weight: 50 }] } },
  });
  const seen = new Map<string, Set<string>>();
  for (let round = 0; round < 3; round++) {
    for (let u = 0; u < 16; u++) {
      const { data, response } = await gw.client.embeddings.create({ model: 'search', input: `query ${round}`, user: `user-${u}`, encoding_format: 'float' }).withResponse();
      const who = response.headers.get('x-saima-contender')!;
      assert.equal(response.headers.get('x-saima-race'), 'search');
      assert.equal(data.model, who === 'a' ? 'emb-a' : 'emb-b');
      (seen.get(`user-${u}`) ?? seen.set(`user-${u}`, new Set()).get(`user-${u}`)!).add(who);
    }
  }
  for (const [user, who] of seen) assert.equal(who.size, 1, `${user} moved between ${[...who].join(', ')}`);
  const arms = new Set([...seen.values()].map((s) => [...s][0]));
  assert.deepEqual([...arms].sort(), ['a', 'b']);

  // The header keys the assignment when the body has no `user`.
  const byHeader = new Set<string>();
  for (let i = 0; i < 4; i++) {
    const res = await post(gw.url, { model: 'search', input: `q${i}` }, { 'x-saima-user': 'header-user' });
    assert.equal(res.status, 200);
    byHeader.add(res.headers.get('x-saima-contender')!);
  }
  assert.equal(byHeader.size, 1);

  const logged = rows(gw.dbFile);
  assert.equal(logged.length, 52);
  assert.ok(logged.every((r) => r.race === 'search' && r.outcome === 'ok' && r.user_hash !== null));
  // The race report counts them under their contenders, as it counts chat rows.
  const report = (await (await fetch(`${gw.url}/admin/races/search`)).json()) as Json;
  const text = JSON.stringify(report);
  assert.match(text, /"a"/);
  assert.match(text, /"b"/);
});

test('budget: 200 concurrent calls under a budget sized for 40 spend at most the limit plus one call; refusals are 429s', async (t) => {
  // Slow headers: all 200 hold their reservations at once. 4 words = 4 tokens, billed as estimated.
  const up = await upstream(t, { headersDelayMs: 300 });
  const input = 'alpha beta gamma delta';
  const gw = await startTestGateway(t, {
    // 1 CNY per input token: a call costs (and reserves) 4 CNY; 40 of them fill the 160 CNY budget.
    contenders: { e: { ...contender(up.url, 'emb'), price: { input: 1_000_000, output: 0, currency: 'CNY' } } },
    races: { search: { champion: 'e' } },
    budgets: { cap: { race: 'search', period: 'day', limit: 160, currency: 'CNY' } },
  });
  const results = await Promise.allSettled(Array.from({ length: 200 }, () => gw.client.embeddings.create({ model: 'search', input })));
  const ok = results.filter((r) => r.status === 'fulfilled').length;
  const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  assert.ok(refused.every((r) => r.reason instanceof OpenAI.RateLimitError && /Budget 'cap'/.test((r.reason as Error).message)), String(refused[0]?.reason));
  assert.equal(up.requests.length, ok);
  const spent = rows(gw.dbFile).reduce((s, r) => s + (r.cost_nanos as number), 0);
  const oneCall = 4e9;
  assert.ok(ok >= 39 && ok <= 41, `served ${ok}`);
  assert.ok(spent <= 160e9 + oneCall, `spent ${spent}`);
  assert.equal(spent, ok * oneCall);
  // A call the whole budget cannot pay for is refused before any upstream call.
  const before = up.requests.length;
  await assert.rejects(gw.client.embeddings.create({ model: 'search', input: 'word '.repeat(200) }), OpenAI.RateLimitError);
  assert.equal(up.requests.length, before);
});

test('TPM counts the input tokens (token arrays by their length); RPM applies as to chat', async (t) => {
  const up = await upstream(t);
  const gw = await startTestGateway(t, { auth: { mode: 'keys' }, contenders: { e: contender(up.url, 'emb') } });
  const key = async (limits: Json) => {
    const res = await fetch(`${gw.url}/admin/keys`, { method: 'POST', headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ team: 'lab', scopes: ['chat'], ...limits }) });
    return new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: ((await res.json()) as { key: string }).key, maxRetries: 0 });
  };
  const tpm = await key({ tpm: 10 });
  const first = await tpm.embeddings.create({ model: 'e', input: 'alpha beta gamma delta' }).withResponse();
  assert.equal(first.response.headers.get('x-ratelimit-limit-tokens'), '10');
  assert.equal(first.response.headers.get('x-ratelimit-remaining-tokens'), '6');
  await tpm.embeddings.create({ model: 'e', input: ['alpha beta', 'gamma delta'] });
  // 8 of 10 used: a 4-token input no longer fits; no output tokens are counted, so a 2-token one still does.
  await assert.rejects(tpm.embeddings.create({ model: 'e', input: 'alpha beta gamma delta' }), (e: unknown) => e instanceof OpenAI.RateLimitError && /tokens per minute/.test((e as Error).message));
  await tpm.embeddings.create({ model: 'e', input: 'alpha beta' });

  const arrays = await key({ tpm: 10 });
  await arrays.embeddings.create({ model: 'e', input: [[1, 2, 3, 4, 5, 6]] });
  await assert.rejects(arrays.embeddings.create({ model: 'e', input: [1, 2, 3, 4, 5] }), OpenAI.RateLimitError);
  await arrays.embeddings.create({ model: 'e', input: [1, 2, 3, 4] });

  const rpm = await key({ rpm: 2 });
  await rpm.embeddings.create({ model: 'e', input: 'a' });
  await rpm.embeddings.create({ model: 'e', input: 'b' });
  await assert.rejects(rpm.embeddings.create({ model: 'e', input: 'c' }), (e: unknown) => e instanceof OpenAI.RateLimitError && /requests per minute/.test((e as Error).message));
  assert.equal(up.requests.length, 7);
});

test('retries, fallbacks and the upstream failure in OpenAI shape', async (t) => {
  const a = await upstream(t, { model: 'emb-a' });
  const b = await upstream(t, { model: 'emb-b' });
  const gw = await startTestGateway(t, {
    contenders: { a: contender(a.url, 'emb-a', 20, { retry: { max_retries: 1, base_ms: 1, max_ms: 2 } }), b: contender(b.url, 'emb-b') },
    races: { search: { champion: 'a', fallbacks: ['b'] } },
  });
  // A 503 then an answer: retried on the same contender.
  a.setFaults([503]);
  const retried = await gw.client.embeddings.create({ model: 'search', input: 'hello' }).withResponse();
  assert.equal(retried.response.headers.get('x-saima-contender'), 'a');
  assert.equal(rowOf(gw.dbFile, retried.response.headers.get('x-saima-request-id')!).attempts, 2);

  // The champion fails twice: its fallback answers, and the row keeps who was assigned and why it failed.
  a.setFaults([500, 500]);
  const fell = await gw.client.embeddings.create({ model: 'search', input: 'hello', encoding_format: 'float' }).withResponse();
  assert.equal(fell.response.headers.get('x-saima-contender'), 'b');
  assert.equal(fell.data.model, 'emb-b');
  const row = rowOf(gw.dbFile, fell.response.headers.get('x-saima-request-id')!);
  assert.equal(row.contender, 'b');
  assert.equal(row.fallback_from, 'a');
  assert.equal(row.protocol, 'embeddings');
  assert.match(String(row.failed_attempts), /"contender":"a"/);

  // Every contender failing: a 502 in OpenAI's error shape.
  a.setFaults([500, 500]);
  b.setFaults([500]);
  const res = await post(gw.url, { model: 'search', input: 'hello' });
  assert.equal(res.status, 502);
  const err = ((await res.json()) as { error: Json }).error;
  assert.equal(err.type, 'api_error');
  assert.equal(err.code, 'all_contenders_failed');
  assert.match(String(err.message), /\ba \(upstream_error 500/);
  assert.equal(rowOf(gw.dbFile, res.headers.get('x-saima-request-id')!).outcome, 'error');
});

test('errors in OpenAI shape: 401, 403, 404 model, 400 invalid input, 400 for an anthropic contender, 413', async (t) => {
  const up = await upstream(t);
  const gw = await startTestGateway(t, {
    auth: { mode: 'keys' },
    server: { host: '127.0.0.1', port: 0, body_limit_bytes: 512 * 1024 },
    contenders: {
      e: contender(up.url, 'emb'),
      claude: { provider: 'anthropic', base_url: 'http://127.0.0.1:9', api_key: 'sk-ant-test-0123456789', model: 'claude-test', price: { input: 3, output: 15, currency: 'USD' } },
    },
  });
  const auth = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
  const expect = async (res: Response, status: number, code: string, param?: string | null) => {
    const body = (await res.json()) as { error: { message: string; type: string; code: string; param: string | null } };
    assert.equal(res.status, status, JSON.stringify(body));
    assert.equal(body.error.code, code);
    assert.equal(typeof body.error.message, 'string');
    assert.equal(typeof body.error.type, 'string');
    if (param !== undefined) assert.equal(body.error.param, param);
    return body.error;
  };
  await expect(await post(gw.url, { model: 'e', input: 'x' }), 401, 'invalid_api_key');
  const feedbackOnly = (await (await fetch(`${gw.url}/admin/keys`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ team: 'lab', scopes: ['feedback'] }) })).json()) as { key: string };
  await expect(await post(gw.url, { model: 'e', input: 'x' }, { authorization: `Bearer ${feedbackOnly.key}` }), 403, 'permission_denied');
  await expect(await post(gw.url, { model: 'nope', input: 'x' }, auth), 404, 'model_not_found', 'model');

  const invalid: Array<[unknown, string]> = [
    [{ model: 'e' }, 'missing_required_parameter'],
    [{ input: 'x' }, 'missing_required_parameter'],
    [{ model: 'e', input: '' }, 'invalid_value'],
    [{ model: 'e', input: [] }, 'invalid_value'],
    [{ model: 'e', input: ['a', ''] }, 'invalid_value'],
    [{ model: 'e', input: ['a', 2] }, 'invalid_type'],
    [{ model: 'e', input: [1, 'a'] }, 'invalid_type'],
    [{ model: 'e', input: [1, -2] }, 'invalid_type'],
    [{ model: 'e', input: [1.5] }, 'invalid_type'],
    [{ model: 'e', input: [[1], []] }, 'invalid_value'],
    [{ model: 'e', input: [[1], 'a'] }, 'invalid_type'],
    [{ model: 'e', input: [{ text: 'a' }] }, 'invalid_type'],
    [{ model: 'e', input: 42 }, 'invalid_type'],
    [{ model: 'e', input: Array.from({ length: 2049 }, () => 'a') }, 'invalid_value'],
    [{ model: 'e', input: 'x', encoding_format: 'int8' }, 'invalid_value'],
    [{ model: 'e', input: 'x', dimensions: 0 }, 'invalid_value'],
    [{ model: 'e', input: 'x', dimensions: '8' }, 'invalid_type'],
    [{ model: 'e', input: 'x', user: 7 }, 'invalid_type'],
    [{ model: 'e', input: 'x', stream: true }, 'invalid_value'],
    ['[1,2]', 'invalid_type'],
  ];
  for (const [body, code] of invalid) {
    const e = await expect(await post(gw.url, body, auth), 400, code);
    assert.equal(e.type, 'invalid_request_error');
  }
  await expect(await post(gw.url, '{"model":', auth), 400, 'invalid_json');
  // Exactly 2,048 inputs are accepted.
  const most = await post(gw.url, { model: 'e', input: Array.from({ length: 2048 }, (_, i) => `t${i}`) }, auth);
  assert.equal(most.status, 200);
  assert.equal(((await most.json()) as { data: unknown[] }).data.length, 2048);

  // An anthropic contender cannot embed: a 400 naming it, and no upstream called.
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: TEST_ADMIN_KEY, maxRetries: 0 });
  await assert.rejects(client.embeddings.create({ model: 'claude', input: 'x' }), (e: unknown) => e instanceof OpenAI.BadRequestError && e.code === 'embeddings_unsupported' && /'claude' cannot serve embeddings/.test((e as Error).message));

  // Over the body limit: 413 before anything else.
  await expect(await post(gw.url, { model: 'e', input: 'x'.repeat(600 * 1024) }, auth), 413, 'request_too_large');
  assert.equal(up.requests.length, 1);
});

test('a large body goes through the body threads; a large reply is metered from its tail (or head) without a parse; no usage is estimated', async (t) => {
  const up = await upstream(t, { dimensions: 1536 });
  const head = await upstream(t, { dimensions: 1536, usageFirst: true });
  const none = await upstream(t, { dimensions: 1536, noUsage: true });
  const gw = await startTestGateway(t, {
    contenders: { e: contender(up.url, 'emb'), head: contender(head.url, 'emb'), none: contender(none.url, 'emb') },
    races: { big: { champion: 'e' } },
    budgets: { cap: { race: 'big', period: 'day', limit: 100, currency: 'USD' } },
  });
  // ~400 kB of texts: parsed, checked and estimated on the body threads.
  const texts = Array.from({ length: 800 }, (_, i) => `document ${i} `.repeat(40).trim());
  assert.ok(JSON.stringify(texts).length > 256 * 1024);
  const { data, response } = await gw.client.embeddings.create({ model: 'big', input: texts, encoding_format: 'float' }).withResponse();
  assert.equal(data.data.length, 800);
  assert.deepEqual(up.requests.at(-1)!.body.input, texts);
  const row = rowOf(gw.dbFile, response.headers.get('x-saima-request-id')!);
  const billed = texts.reduce((s, x) => s + fakeTokens(x), 0);
  // The reply is megabytes (800 × 1,536 floats): its usage read from the tail.
  assert.ok(up.sent.at(-1)!.length > 10 * 1024 * 1024, String(up.sent.at(-1)!.length));
  assert.equal(row.prompt_tokens, billed);
  assert.equal(row.usage_estimated, 0);
  // The estimate the budget reserved from was made from the whole input (off the event loop).
  assert.ok((row.prompt_estimate as number) >= billed, String(row.prompt_estimate));

  // Large token arrays too, and a large body's invalid input is refused from the thread with the same 400.
  const arrays = Array.from({ length: 300 }, (_, i) => Array.from({ length: 200 }, (_, j) => (i * 31 + j) % 50_000));
  const tokens = await gw.client.embeddings.create({ model: 'big', input: arrays, dimensions: 2 }).withResponse();
  assert.deepEqual(up.requests.at(-1)!.body.input, arrays);
  assert.equal(rowOf(gw.dbFile, tokens.response.headers.get('x-saima-request-id')!).prompt_tokens, 60_000);
  const bad = await post(gw.url, { model: 'big', input: [...texts, ''] });
  assert.equal(bad.status, 400);
  assert.deepEqual(((await bad.json()) as { error: Json }).error.param, 'input');

  const some = texts.slice(0, 50);
  const fromHead = await gw.client.embeddings.create({ model: 'head', input: some }).withResponse();
  assert.equal(rowOf(gw.dbFile, fromHead.response.headers.get('x-saima-request-id')!).prompt_tokens, some.reduce((s, x) => s + fakeTokens(x), 0));
  const unreported = await gw.client.embeddings.create({ model: 'none', input: some }).withResponse();
  const estimated = rowOf(gw.dbFile, unreported.response.headers.get('x-saima-request-id')!);
  assert.equal(estimated.usage_estimated, 1);
  assert.ok((estimated.prompt_tokens as number) >= some.reduce((s, x) => s + fakeTokens(x), 0));
});

test('a mock contender simulates embeddings: deterministic unit vectors, dimensions honoured, usage by the tokenizer', async (t) => {
  const gw = await startTestGateway(t, { contenders: { sim: mockContender('sim-embed', { latency_ms: 0 }) } });
  const one = await gw.client.embeddings.create({ model: 'sim', input: ['same text', 'other text'], dimensions: 16, encoding_format: 'float' });
  const two = await gw.client.embeddings.create({ model: 'sim', input: 'same text', dimensions: 16, encoding_format: 'float' });
  assert.equal(one.data[0]!.embedding.length, 16);
  assert.deepEqual(two.data[0]!.embedding, one.data[0]!.embedding);
  assert.notDeepEqual(one.data[1]!.embedding, one.data[0]!.embedding);
  const norm = Math.sqrt(one.data[0]!.embedding.reduce((s, x) => s + x * x, 0));
  assert.ok(Math.abs(norm - 1) < 1e-5, String(norm));
  assert.equal(one.usage.prompt_tokens, 4);
  // A large body reaches the simulator too (its input kept as bytes until the simulator reads it).
  const many = Array.from({ length: 2000 }, (_, i) => `sentence number ${i} of a long list of texts to embed, `.repeat(3));
  assert.ok(JSON.stringify(many).length > 256 * 1024);
  const large = await gw.client.embeddings.create({ model: 'sim', input: many, dimensions: 2, encoding_format: 'float' });
  assert.equal(large.data.length, 2000);
  assert.deepEqual(large.data[7]!.embedding, (await gw.client.embeddings.create({ model: 'sim', input: many[7]!, dimensions: 2, encoding_format: 'float' })).data[0]!.embedding);
  const b64 = await gw.client.embeddings.create({ model: 'sim', input: 'same text', dimensions: 16 });
  assert.deepEqual(b64.data[0]!.embedding.map((x) => Math.fround(x)), one.data[0]!.embedding.map((x) => Math.fround(x)));
});

test('embeddings called on a chat race: a 400 naming the contender, no fallback, and the breaker its chat traffic shares stays closed', async (t) => {
  const { startFakeOpenAI } = await import('../support/fake-openai-upstream.js');
  const chat = await startFakeOpenAI({ model: 'chat-model', answer: 'Hello.' });
  t.after(() => chat.close());
  const other = await upstream(t);
  const gw = await startTestGateway(t, {
    contenders: {
      talker: { ...contender(chat.url, 'chat-model'), breaker: { failure_threshold: 2, cooldown_ms: 60_000 } },
      embedder: contender(other.url, 'emb'),
    },
    races: { assistant: { champion: 'talker', fallbacks: ['embedder'] } },
  });
  for (let i = 0; i < 4; i++) {
    const res = await post(gw.url, { model: 'assistant', input: 'hello' });
    const err = ((await res.json()) as { error: Json }).error;
    assert.equal(res.status, 400);
    assert.equal(err.code, 'embeddings_unsupported');
    assert.equal(err.type, 'invalid_request_error');
    assert.match(String(err.message), /'talker' serves no embeddings/);
  }
  // Not rescued by the fallback (the request, not the contender, was wrong), and chat is still served by `talker`.
  assert.equal(other.requests.length, 0);
  const answer = await gw.client.chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
  assert.equal(answer.response.headers.get('x-saima-contender'), 'talker');
  assert.equal(answer.data.choices[0]!.message.content, 'Hello.');
  // The misdirected calls are logged, but the monitor's evidence on `talker` is its chat call alone.
  await gw.gw.store.requestLog.flush();
  assert.equal(rows(gw.dbFile, "contender = 'talker' and protocol = 'embeddings'").length, 4);
  const talker = (await gw.gw.store.requests.metricMoments('assistant', 0)).find((m) => m.contender === 'talker')!;
  assert.equal(talker.requests, 1);
  assert.equal(talker.errors, 0);
});

test('feedback on an embeddings request is accepted like any other', async (t) => {
  const up = await upstream(t);
  const gw = await startTestGateway(t, { contenders: { e: contender(up.url, 'emb') }, races: { search: { champion: 'e' } } });
  const { response } = await gw.client.embeddings.create({ model: 'search', input: 'hello' }).withResponse();
  const res = await fetch(`${gw.url}/v1/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ request_id: response.headers.get('x-saima-request-id'), thumbs: 'up' }) });
  assert.equal(res.status, 201);
});

test('an anthropic fallback is left out of an embeddings plan; an open circuit answers 503', async (t) => {
  const a = await upstream(t, { model: 'emb-a' });
  const b = await upstream(t, { model: 'emb-b' });
  const claude = { provider: 'anthropic', base_url: 'http://127.0.0.1:9', api_key: 'sk-ant-test-0123456789', model: 'claude-test', price: { input: 3, output: 15, currency: 'USD' } };
  const gw = await startTestGateway(t, {
    contenders: { a: { ...contender(a.url, 'emb-a'), breaker: { failure_threshold: 1, cooldown_ms: 60_000 } }, claude, b: contender(b.url, 'emb-b') },
    races: { search: { champion: 'a', fallbacks: ['claude', 'b'] }, lone: { champion: 'a', fallbacks: ['claude'] } },
  });
  a.setFaults([500]);
  const fell = await gw.client.embeddings.create({ model: 'search', input: 'hello' }).withResponse();
  assert.equal(fell.response.headers.get('x-saima-contender'), 'b');
  const row = rowOf(gw.dbFile, fell.response.headers.get('x-saima-request-id')!);
  assert.equal(row.fallback_from, 'a');
  assert.doesNotMatch(String(row.failed_attempts), /claude/);
  // `a`'s circuit is open now and `lone` has no other contender that embeds: 503, in OpenAI's shape.
  const res = await post(gw.url, { model: 'lone', input: 'hello' });
  const err = ((await res.json()) as { error: Json }).error;
  assert.equal(res.status, 503, JSON.stringify(err));
  assert.equal(err.code, 'circuit_open');
  assert.equal(a.requests.length, 1);
});

test('a 200 that is cut half-way is retried, large or small; a 200 carrying an error is a 502', async (t) => {
  const up = await upstream(t, { dimensions: 1536 });
  const gw = await startTestGateway(t, { contenders: { e: contender(up.url, 'emb', 20, { retry: { max_retries: 1, base_ms: 1, max_ms: 2 } }) } });
  const texts = Array.from({ length: 64 }, (_, i) => `text ${i}`);
  for (const input of [texts, 'one short text']) {
    up.setFaults(['truncated']);
    const { data, response } = await gw.client.embeddings.create({ model: 'e', input, encoding_format: 'float', dimensions: typeof input === 'string' ? 4 : 1536 }).withResponse();
    assert.equal(data.data.length, typeof input === 'string' ? 1 : 64);
    const row = rowOf(gw.dbFile, response.headers.get('x-saima-request-id')!);
    assert.equal(row.attempts, 2);
    assert.match(String(row.failed_attempts), /invalid JSON/);
  }
  up.setFaults(['error-body', 'error-body']);
  const res = await post(gw.url, { model: 'e', input: 'x' });
  assert.equal(res.status, 502);
  assert.match(((await res.json()) as { error: { message: string } }).error.message, /simulated error in a 200/);
});

test('with tracing on, an embeddings call is a GenAI `embeddings` operation and its attempt carries traceparent upstream', async (t) => {
  const { startOtlpReceiver } = await import('../support/otlp-receiver.js');
  const otlp = await startOtlpReceiver();
  t.after(() => otlp.close());
  const up = await upstream(t, { model: 'emb-a' });
  const { client, gw } = await startTestGateway(t, {
    telemetry: { otlp: { endpoint: otlp.url } },
    contenders: { a: contender(up.url, 'emb-a') },
    races: { search: { champion: 'a' } },
  });
  const { response } = await client.embeddings.create({ model: 'search', input: ['alpha beta', 'gamma'] }).withResponse();
  const id = response.headers.get('x-saima-request-id')!;
  const upstreamTrace = /^00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(String(up.requests.at(-1)!.headers.traceparent));
  assert.ok(upstreamTrace, 'the upstream got a traceparent');
  await gw.close();
  const spans = otlp.spans().filter((s) => s.attributes['saima.request_id'] === id);
  const server = spans.find((s) => s.kind === 2)!;
  const attempt = spans.find((s) => s.kind === 3)!;
  assert.equal(server.name, 'embeddings search');
  assert.equal(server.attributes['gen_ai.operation.name'], 'embeddings');
  assert.equal(server.attributes['gen_ai.usage.input_tokens'], 3);
  assert.equal(attempt.name, 'embeddings emb-a');
  assert.equal(attempt.attributes['gen_ai.operation.name'], 'embeddings');
  assert.equal(attempt.traceId, upstreamTrace[1]);
});

test('a spent budget whose downgrade target is a chat model refuses an embeddings call instead of sending it to that model; one within the race downgrades', async (t) => {
  const up = await upstream(t);
  const chat = await upstream(t);
  const input = 'alpha beta gamma delta';
  const gw = await startTestGateway(t, {
    contenders: {
      e: { ...contender(up.url, 'emb-large'), price: { input: 1_000_000, output: 0, currency: 'CNY' } },
      small: { ...contender(up.url, 'emb-small'), price: { input: 1, output: 0, currency: 'CNY' } },
      // The budget's downgrade target for the chat traffic it also covers: not an embedding model.
      cheap: contender(chat.url, 'cheap-chat', 1),
    },
    races: { search: { champion: 'e' }, 'search-b': { champion: 'e', challengers: [{ contender: 'small', weight: 0 }] } },
    budgets: {
      // 4 CNY a call: the second call of the day no longer fits.
      cap: { race: 'search', period: 'day', limit: 6, currency: 'CNY', on_exceed: 'downgrade', downgrade_to: 'cheap' },
      'cap-b': { race: 'search-b', period: 'day', limit: 6, currency: 'CNY', on_exceed: 'downgrade', downgrade_to: 'small' },
    },
  });
  await gw.client.embeddings.create({ model: 'search', input });
  await assert.rejects(gw.client.embeddings.create({ model: 'search', input }), (e: unknown) => e instanceof OpenAI.RateLimitError && /Budget 'cap'/.test((e as Error).message));
  assert.equal(chat.requests.length, 0, 'nothing went to the chat model');
  // Downgrading to a contender of the race itself (an embedding model) still serves the call.
  await gw.client.embeddings.create({ model: 'search-b', input });
  const before = up.requests.length;
  const served = await gw.client.embeddings.create({ model: 'search-b', input }).withResponse();
  assert.equal(served.response.headers.get('x-saima-contender'), 'small');
  assert.equal(up.requests.length, before + 1);
});
