/**
 * The reservation is an upper bound of what the upstream can bill for output. Against hostile upstreams that bill
 * what they serve — one that honours `max_tokens` and ignores `max_completion_tokens`, one that writes 10,000
 * tokens when no cap reaches it — 200 concurrent requests under a budget sized for 40 settle within the limit plus
 * one request's maximum, and every upstream body carries exactly one cap field, the one reserved.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { startBillingUpstream, type BillingUpstreamOptions } from '../support/fake-billing-upstream.js';
import { startTestGateway } from '../support/gateway.js';

const N = 40;
const OUTPUT_PRICE = 10; // CNY per million tokens; input is free so only the output cap matters here
const nanosFor = (tokens: number) => tokens * OUTPUT_PRICE * 1_000;

async function setup(t: TestContext, upstream: BillingUpstreamOptions, contender: Record<string, unknown>, perRequestTokens: number) {
  const up = await startBillingUpstream(upstream);
  t.after(() => up.close());
  const gw = await startTestGateway(t, {
    contenders: { m: { provider: 'openai', base_url: up.url, api_key: 'sk-upstream-test', model: 'm-1', price: { input: 0, output: OUTPUT_PRICE, currency: 'CNY' }, ...contender } },
    races: { r: { champion: 'm' } },
    budgets: { daily: { race: 'r', period: 'day', limit: (N * nanosFor(perRequestTokens)) / 1e9, currency: 'CNY' } },
  });
  const db = new Database(gw.dbFile, { readonly: true });
  t.after(() => db.close());
  return { up, gw, db, limit: N * nanosFor(perRequestTokens), one: nanosFor(perRequestTokens) };
}

async function fire(client: OpenAI, n: number, extra: Record<string, unknown>) {
  const results = await Promise.allSettled(
    Array.from({ length: n }, (_, i) => client.chat.completions.create({ model: 'r', messages: [{ role: 'user', content: `question ${i}` }], ...extra } as OpenAI.ChatCompletionCreateParamsNonStreaming)),
  );
  const ok = results.filter((r) => r.status === 'fulfilled').length;
  const codes = new Set(results.flatMap((r) => (r.status === 'rejected' ? [((r.reason as InstanceType<typeof OpenAI.APIError>).error as { code?: string })?.code] : [])));
  return { ok, codes };
}

function spent(db: Database.Database): number {
  return (db.prepare('select coalesce(sum(cost_nanos), 0) as s from requests').get() as { s: number }).s;
}

const capFields = (b: Record<string, unknown>) => ['max_tokens', 'max_completion_tokens'].filter((k) => b[k] !== undefined);

test('max_completion_tokens: 1 beside max_tokens: 200 reserves 200 and sends only max_tokens: 200', async (t) => {
  const { up, gw, db, limit, one } = await setup(t, { honours: 'max_tokens' }, {}, 200);
  const { ok, codes } = await fire(gw.client, 200, { max_completion_tokens: 1, max_tokens: 200 });
  assert.deepEqual([...codes], ['budget_exceeded']);
  assert.ok(ok >= N - 1 && ok <= N, `${ok} admitted for a budget of ${N}`);
  const s = spent(db);
  assert.ok(s <= limit + one, `spent ${s / 1e9} CNY of ${limit / 1e9}`);
  assert.equal(up.requests.length, ok);
  for (const b of up.requests) {
    assert.deepEqual(capFields(b), ['max_tokens']);
    assert.equal(b.max_tokens, 200);
  }
  const caps = db.prepare('select distinct output_cap as c from requests').all() as Array<{ c: number }>;
  assert.deepEqual(caps, [{ c: 200 }], 'every row records the cap applied');
});

test('n multiplies the reserved cap: n: 2 with max_tokens 100 admits half as many', async (t) => {
  const { up, gw, db, limit, one } = await setup(t, { honours: 'max_tokens' }, {}, 200);
  const { ok } = await fire(gw.client, 120, { max_tokens: 100, n: 2 });
  assert.ok(ok >= N - 1 && ok <= N, `${ok} admitted`);
  assert.ok(spent(db) <= limit + one);
  assert.ok(up.requests.every((b) => b.max_tokens === 100 && b.n === 2));
});

test('no cap in the request: the contender max_output_tokens is reserved and sent in its quirk field', async (t) => {
  // The upstream honours only max_completion_tokens and writes 10,000 tokens when it sees none.
  const { up, gw, db, limit, one } = await setup(
    t,
    { honours: 'max_completion_tokens', uncappedTokens: 10_000 },
    { max_output_tokens: 1000, quirks: { max_tokens_field: 'max_completion_tokens' } },
    1000,
  );
  const { ok, codes } = await fire(gw.client, 200, {});
  assert.deepEqual([...codes], ['budget_exceeded']);
  assert.ok(ok >= N - 1 && ok <= N, `${ok} admitted`);
  const s = spent(db);
  assert.ok(s <= limit + one, `spent ${s / 1e9} CNY of ${limit / 1e9}`);
  for (const b of up.requests) assert.deepEqual([capFields(b), b.max_completion_tokens], [['max_completion_tokens'], 1000]);
});

test('no cap anywhere: the documented default of 4096 is reserved and sent; a smaller client cap wins', async (t) => {
  const { up, gw, db, limit, one } = await setup(t, { honours: 'max_tokens', uncappedTokens: 10_000 }, {}, 4096);
  const small = await gw.client.chat.completions.create({ model: 'r', max_tokens: 7, messages: [{ role: 'user', content: 'short' }] });
  assert.equal(small.usage?.completion_tokens, 7);
  assert.deepEqual(capFields(up.requests[0]!), ['max_tokens']);
  const { ok } = await fire(gw.client, 200, {});
  assert.ok(ok >= N - 2 && ok <= N, `${ok} admitted`);
  assert.ok(spent(db) <= limit + one, `spent ${spent(db) / 1e9}`);
  assert.ok(up.requests.slice(1).every((b) => b.max_tokens === 4096 && b.max_completion_tokens === undefined));
  const caps = db.prepare('select output_cap as c, count(*) as n from requests group by output_cap order by c').all();
  assert.deepEqual(caps, [{ c: 7, n: 1 }, { c: 4096, n: ok }]);
});

test('without a budget or limit the body goes upstream as sent, save a single cap field', async (t) => {
  const up = await startBillingUpstream({ honours: 'max_tokens', uncappedTokens: 5 });
  t.after(() => up.close());
  const gw = await startTestGateway(t, {
    contenders: { m: { provider: 'openai', base_url: up.url, api_key: 'sk-upstream-test', model: 'm-1', quirks: { max_tokens_field: 'max_completion_tokens' } } },
  });
  await gw.client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
  await gw.client.chat.completions.create({ model: 'm', max_tokens: 9, max_completion_tokens: 3, messages: [{ role: 'user', content: 'hi' }] });
  assert.deepEqual(capFields(up.requests[0]!), []);
  assert.deepEqual([capFields(up.requests[1]!), up.requests[1]!.max_completion_tokens], [['max_completion_tokens'], 9]);
});
