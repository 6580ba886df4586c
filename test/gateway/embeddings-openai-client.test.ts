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
import { mockContender, startTestGateway, TEST_ADMIN_KEY } from '../support/gateway.js';

type Json = Record<string, unknown>;

function rowOf(dbFile: string, id: string): Json {
  const db = new Database(dbFile, { readonly: true });
  try {
    return db.prepare('select * from requests where id = ?').get(id) as Json;
  } finally {
    db.close();
  }
}

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
