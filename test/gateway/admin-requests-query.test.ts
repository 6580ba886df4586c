/**
 * `GET /admin/requests` filters on the server (outcome, request id, user id, time) and pages with a cursor and a
 * total, so the dashboard never filters a truncated page in the browser: a status filter over "the latest 200 rows"
 * showed "no requests match" while matching rows existed further back. The total is counted over at most 100,000
 * rows (`total_capped` says there are more): the dashboard asks for it every 10 s, and on SQLite the count runs on
 * the gateway's own thread. Each row says the front door its client used (`protocol`), and the list filters on it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { sql } from 'kysely';
import { storeUrlFor, testDialects } from '../support/databases.js';
import { mockContender, startTestGateway } from '../support/gateway.js';

interface Page {
  data: Array<{ id: string; outcome: string; user_hash: string | null; contender: string }>;
  total: number;
  has_more: boolean;
  next_cursor: string | null;
}

test('admin requests: server-side outcome, id and user filters, keyset pages with a total, clear 400s', async (t) => {
  const { client, url, gw } = await startTestGateway(t, {
    contenders: { good: mockContender('good'), bad: mockContender('bad', { error_rate: 1, error_kinds: ['http_500'] }, { retry: { max_retries: 0 } }) },
  });
  // 30 answered requests, then 3 failed ones: the failed rows are the newest, the first page of 'ok' rows is not.
  for (let i = 0; i < 30; i++) await client.chat.completions.create({ model: 'good', messages: [{ role: 'user', content: `q${i}` }], user: i % 3 === 0 ? 'alice' : 'bob' });
  for (let i = 0; i < 3; i++) await client.chat.completions.create({ model: 'bad', messages: [{ role: 'user', content: 'x' }] }).catch(() => undefined);
  await gw.store.requestLog.flush();
  const get = async (q: string) => {
    const res = await fetch(`${url}/admin/requests?${q}`);
    return { status: res.status, body: (await res.json()) as Page & { error?: { code: string; param: string } } };
  };

  const all = await get('limit=5');
  assert.equal(all.body.total, 33);
  assert.equal(all.body.data.length, 5);
  assert.equal(all.body.has_more, true);

  // The first page of errors holds every error, though they are not among the newest 5 'ok' rows' page.
  const errors = await get('outcome=error&limit=2');
  assert.equal(errors.body.total, 3);
  assert.deepEqual(errors.body.data.map((r) => r.outcome), ['error', 'error']);
  const okFirst = await get('outcome=ok&limit=200');
  assert.equal(okFirst.body.total, 30);
  assert.ok(okFirst.body.data.every((r) => r.outcome === 'ok' && r.contender === 'good'));

  // Paging with the cursor visits every row once, newest first.
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { body: Page } = await get(`limit=7${cursor ? `&before=${encodeURIComponent(cursor)}` : ''}`);
    assert.equal(page.body.total, 33, 'the total does not depend on the page');
    seen.push(...page.body.data.map((r) => r.id));
    cursor = page.body.next_cursor;
  } while (cursor);
  assert.equal(seen.length, 33);
  assert.equal(new Set(seen).size, 33);

  const alice = await get('user=alice&limit=100');
  assert.equal(alice.body.total, 10);
  assert.equal(new Set(alice.body.data.map((r) => r.user_hash)).size, 1);
  const one = await get(`id=${encodeURIComponent(seen[4]!)}`);
  assert.deepEqual(one.body.data.map((r) => r.id), [seen[4]]);
  assert.equal((await get('user=nobody')).body.total, 0);
  assert.equal((await get('until=1h')).body.total, 0, 'nothing is older than an hour');

  for (const [q, param] of [['outcome=broken', 'outcome'], ['before=nonsense', 'before'], ['until=soon', 'until']] as const) {
    const r = await get(q);
    assert.equal(r.status, 400, q);
    assert.equal(r.body.error?.code, 'invalid_value', q);
    assert.equal(r.body.error?.param, param, q);
  }
});

test('admin requests: each row says its protocol; ?protocol= lists one front door, an unknown one is a 400', async (t) => {
  const { client, url, gw } = await startTestGateway(t, {
    contenders: { good: mockContender('good'), priced: mockContender('priced', {}, { price: { input: 0, output: 10, currency: 'CNY' } }) },
    races: { r: { champion: 'good' }, paid: { champion: 'priced' } },
    // Less than one call reserves: every call to `paid` is refused at admission (a refusal record, no row).
    budgets: { tiny: { race: 'paid', period: 'day', limit: 1e-6, currency: 'CNY' } },
  });
  const anthropic = new Anthropic({ baseURL: url, apiKey: 'unused-key', maxRetries: 0 });
  await client.chat.completions.create({ model: 'r', messages: [{ role: 'user', content: 'c' }] });
  for (let i = 0; i < 3; i++) await anthropic.messages.create({ model: 'r', max_tokens: 50, messages: [{ role: 'user', content: `m${i}` }] });
  await client.responses.create({ model: 'r', input: 'x', store: false });
  await client.embeddings.create({ model: 'good', input: 'e' });
  await assert.rejects(client.chat.completions.create({ model: 'paid', messages: [{ role: 'user', content: 'x' }] }), { status: 429 });
  await gw.store.requestLog.flush();
  await gw.store.refusalLog.flush();
  type Row = { id: string; object: string; protocol?: string };
  const get = async (q: string) => {
    const res = await fetch(`${url}/admin/requests?${q}`);
    return { status: res.status, body: (await res.json()) as { data: Row[]; total: number; error?: { code: string; param: string; type: string; message: string } } };
  };

  const all = await get('limit=100');
  assert.equal(all.status, 200);
  const count = (rows: Row[]) => Object.fromEntries(['chat', 'messages', 'responses', 'embeddings', 'refusal'].map((p) => [p, rows.filter((r) => (r.object === 'refusal' ? 'refusal' : r.protocol) === p).length]));
  assert.deepEqual(count(all.body.data), { chat: 1, messages: 3, responses: 1, embeddings: 1, refusal: 1 });

  for (const [protocol, n] of [['messages', 3], ['chat', 1], ['responses', 1], ['embeddings', 1]] as const) {
    const one = await get(`protocol=${protocol}`);
    assert.equal(one.status, 200, protocol);
    assert.equal(one.body.total, n, protocol);
    // Refusal records keep no protocol: a protocol filter finds none of them.
    assert.ok(one.body.data.every((r) => r.object === 'request' && r.protocol === protocol), protocol);
  }
  const messagesRow = (await get('protocol=messages')).body.data[0]!;
  const detail = (await (await fetch(`${url}/admin/requests/${messagesRow.id}`)).json()) as Row;
  assert.equal(detail.protocol, 'messages', 'the detail says the protocol too');
  assert.equal((await get('protocol=messages&outcome=refused')).body.total, 0);

  for (const bad of ['anthropic', 'CHAT', 'messages,chat']) {
    const r = await get(`protocol=${encodeURIComponent(bad)}`);
    assert.equal(r.status, 400, bad);
    assert.equal(r.body.error?.code, 'invalid_value', bad);
    assert.equal(r.body.error?.param, 'protocol', bad);
    assert.equal(r.body.error?.type, 'invalid_request_error', bad);
    assert.match(r.body.error!.message, /chat, messages, responses, embeddings/);
  }
});

for (const dialect of testDialects()) {
  test(`${dialect}: admin requests counts its total over at most 100,000 rows and says when there are more`, async (t) => {
    const { url, gw } = await startTestGateway(t, { store: await storeUrlFor(dialect, t), contenders: { good: mockContender('good') } });
    // 100,005 answered rows of the last hour, written in one statement (through the gateway this would take minutes).
    const ts = Date.now() - 60_000;
    await sql`with recursive g(n) as (select 1 union all select n + 1 from g where n < 100005)
      insert into requests (id, ts, race, contender, team, shadow, stream, status, outcome, attempts, latency_ms, prompt_tokens, completion_tokens, reasoning_tokens, cached_tokens, usage_estimated, cost_nanos, currency)
      select 'req_bulk_' || n, cast(${ts} as bigint) + n, null, 'good', case when n <= 10 then 'small' else 'big' end, 0, 0, 200, 'ok', 1, 5, 1, 1, 0, 0, 0, 0, 'CNY' from g`.execute(gw.store.db);
    const get = async (q: string) => {
      const res = await fetch(`${url}/admin/requests?${q}`);
      assert.equal(res.status, 200);
      return (await res.json()) as Page & { total_capped: boolean };
    };
    const capped = await get('limit=3');
    assert.deepEqual([capped.total, capped.total_capped, capped.data.length, capped.has_more], [100_000, true, 3, true]);
    // The newest rows first, whatever the count.
    assert.equal(capped.data[0]!.id, 'req_bulk_100005');
    // A filter that matches fewer rows is counted exactly.
    const small = await get('team=small');
    assert.deepEqual([small.total, small.total_capped], [10, false]);
  });
}
