/**
 * 200 concurrent requests against a hard budget sized for exactly N requests: N−1 to N succeed, the rest get
 * `budget_exceeded`, and the settled spend stays within the budget plus one request's settle-vs-reserve error.
 * The same for a tokens-per-minute limit.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { mockContender, startTestGateway } from '../support/gateway.js';

const N = 40;
const MAX_TOKENS = 50;
// Only output is priced, so a request's reservation (max_tokens at the output price) equals its settled cost.
const OUTPUT_PRICE = 10; // CNY per million tokens → 50 tokens cost 0.0005 CNY
const PER_REQUEST = (MAX_TOKENS * OUTPUT_PRICE) / 1e6;

async function fire(client: OpenAI, n: number) {
  const results = await Promise.allSettled(
    Array.from({ length: n }, (_, i) => client.chat.completions.create({ model: 'r', max_tokens: MAX_TOKENS, messages: [{ role: 'user', content: `question ${i}` }] })),
  );
  const ok = results.filter((r) => r.status === 'fulfilled').length;
  const codes = results.flatMap((r) => (r.status === 'rejected' ? [((r.reason as InstanceType<typeof OpenAI.APIError>).error as { code?: string })?.code] : []));
  return { ok, codes };
}

test('a hard budget holds under 200 concurrent requests', async (t) => {
  const { client, dbFile } = await startTestGateway(t, {
    contenders: { m: mockContender('m', { default_answer: 'word '.repeat(200) }, { price: { input: 0, output: OUTPUT_PRICE, currency: 'CNY' } }) },
    races: { r: { champion: 'm' } },
    budgets: { daily: { race: 'r', period: 'day', limit: N * PER_REQUEST, currency: 'CNY' } },
  });
  const { ok, codes } = await fire(client, 200);
  assert.ok(ok >= N - 1 && ok <= N, `${ok} succeeded for a budget of ${N}`);
  assert.equal(codes.length, 200 - ok);
  assert.ok(codes.every((c) => c === 'budget_exceeded'), JSON.stringify([...new Set(codes)]));
  const db = new Database(dbFile, { readonly: true });
  t.after(() => db.close());
  const { spent } = db.prepare('select sum(cost_nanos) as spent from requests').get() as { spent: number };
  assert.ok(spent <= Math.round(N * PER_REQUEST * 1e9), `spent ${spent} nanos`);
  assert.equal(spent, ok * Math.round(PER_REQUEST * 1e9), 'every success settled at its real cost');
});

test('a budget priced on prompt and output stays within one request of its limit', async (t) => {
  const { client, dbFile } = await startTestGateway(t, {
    contenders: { m: mockContender('m', { default_answer: 'word '.repeat(200) }, { price: { input: 5, output: OUTPUT_PRICE, currency: 'USD' } }) },
    races: { r: { champion: 'm' } },
    budgets: { daily: { race: 'r', limit: 0.02, currency: 'CNY' } },
    fx: { USD: 7 },
  });
  const { ok } = await fire(client, 200);
  const db = new Database(dbFile, { readonly: true });
  t.after(() => db.close());
  const rows = db.prepare('select cost_nanos from requests where outcome = ?').all('ok') as Array<{ cost_nanos: number }>;
  assert.equal(rows.length, ok);
  const spentCny = rows.reduce((s, r) => s + r.cost_nanos, 0) * 7;
  const one = Math.max(...rows.map((r) => r.cost_nanos)) * 7;
  assert.ok(ok > 0 && spentCny <= 0.02e9 + one, `spent ${spentCny / 1e9} CNY of 0.02`);
  assert.ok(spentCny > 0.02e9 - 2 * one, 'the budget was used, not refused early');
});

test('a tokens-per-minute limit admits exactly what fits under 200 concurrent requests', async (t) => {
  // Measure one request's admission cost (prompt estimate + max_tokens) from the remaining-tokens header.
  const { client } = await startTestGateway(t, {
    auth: { mode: 'keys' },
    contenders: { m: mockContender('m', { default_answer: 'word '.repeat(200) }) },
    races: { r: { champion: 'm' } },
    teams: { admin: { limits: { tpm: 1_000_000 } } },
  });
  const first = await client.chat.completions.create({ model: 'r', max_tokens: MAX_TOKENS, messages: [{ role: 'user', content: 'question 0' }] }).withResponse();
  const remaining = Number(first.response.headers.get('x-ratelimit-remaining-tokens'));
  const perRequest = 1_000_000 - remaining;
  assert.ok(perRequest > MAX_TOKENS && perRequest < MAX_TOKENS + 40, `admission cost ${perRequest}`);
  const limited = await startTestGateway(t, {
    auth: { mode: 'keys' },
    contenders: { m: mockContender('m', { default_answer: 'word '.repeat(200) }) },
    races: { r: { champion: 'm' } },
    teams: { admin: { limits: { tpm: N * perRequest } } },
  });
  const t0 = Date.now();
  const { ok, codes } = await fire(limited.client, 200);
  // The bucket refills continuously (a per-minute limit), so a slow run may admit what refilled meanwhile.
  const refill = Math.ceil((N * (Date.now() - t0)) / 60_000);
  assert.ok(ok >= N - 1 && ok <= N + refill, `${ok} admitted for a TPM sized for ${N} (+${refill} refilled)`);
  assert.ok(codes.every((c) => c === 'rate_limit_exceeded'));
  const denied = await fetch(`${limited.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${limited.key}` },
    body: JSON.stringify({ model: 'r', max_tokens: MAX_TOKENS, messages: [{ role: 'user', content: 'again' }] }),
  });
  assert.equal(denied.status, 429);
  assert.ok(Number(denied.headers.get('retry-after')) >= 1);
  assert.equal(denied.headers.get('x-ratelimit-limit-tokens'), String(N * perRequest));
  // OpenAI's duration format: `120ms`, `1s`, `6m0s`.
  assert.match(denied.headers.get('x-ratelimit-reset-tokens') ?? '', /^(\d+ms|\d+s|\d+m\d+s)$/);
  assert.equal(((await denied.json()) as { error: { type: string } }).error.type, 'rate_limit_error');
});
