/**
 * No non-finite number reaches money or tokens. A cap past a safe integer or past the contender's context window is
 * a 400 `invalid_value` naming the parameter, before anything is reserved; an upstream reporting absurd usage is
 * clamped; and after thousands of hostile bodies every budget figure, gauge and rate-limit header is still finite
 * and the budget still counts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { mulberry32 } from '../../src/stats/mulberry32.js';
import { startFakeOpenAI } from '../support/fake-openai-upstream.js';
import { mockContender, startTestGateway } from '../support/gateway.js';

interface BudgetView {
  name: string;
  spent: number;
  reserved: number;
}

async function budgets(url: string, key: string | null): Promise<BudgetView[]> {
  const res = await fetch(`${url}/admin/budgets`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  return ((await res.json()) as { data: BudgetView[] }).data;
}

async function post(url: string, body: unknown, key: string | null = null) {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as { error?: { code: string; param: string | null; type: string } } };
}

const PRICED = { input: 1, output: 10, currency: 'CNY' };
const doc = {
  contenders: {
    big: mockContender('big', { default_answer: 'word '.repeat(300) }, { price: PRICED, context_window: 32_768 }),
    free: mockContender('free', {}, { price: { input: 0, output: 0, currency: 'CNY' } }),
  },
  races: { r: { champion: 'big' } },
  budgets: {
    month: { race: 'r', period: 'month', limit: 0.01, currency: 'CNY', on_exceed: 'downgrade', downgrade_to: 'free' },
    // Covers the downgraded call too: where a NaN reservation would land.
    daily: { period: 'day', limit: 100, currency: 'CNY' },
  },
};

test('max_tokens 1e308 with n: 2 and a price-0 downgrade target is refused, and the budget keeps counting', async (t) => {
  const { url, dbFile } = await startTestGateway(t, doc);
  const hostile = await post(url, { model: 'r', max_tokens: 1e308, n: 2, messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(hostile.status, 400);
  assert.deepEqual([hostile.json.error?.code, hostile.json.error?.param, hostile.json.error?.type], ['invalid_value', 'max_tokens', 'invalid_request_error']);
  const window = await post(url, { model: 'r', max_completion_tokens: 40_000, messages: [{ role: 'user', content: 'hi' }] });
  assert.deepEqual([window.status, window.json.error?.code, window.json.error?.param], [400, 'invalid_value', 'max_completion_tokens']);
  const [before] = await budgets(url, null);
  assert.deepEqual([before!.spent, before!.reserved], [0, 0], 'nothing charged for a refusal');
  const db = new Database(dbFile, { readonly: true });
  t.after(() => db.close());
  assert.equal((db.prepare('select count(*) as n from requests').get() as { n: number }).n, 0);

  // The budget still counts: 100 output tokens at 10 CNY/M cost 0.001; the 0.01 budget takes about ten, then the
  // downgrade target serves.
  const served: string[] = [];
  for (let i = 0; i < 14; i++) {
    const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'r', max_tokens: 100, messages: [{ role: 'user', content: `q${i}` }] }) });
    assert.equal(res.status, 200);
    served.push(res.headers.get('x-saima-contender')!);
  }
  assert.ok(served.slice(0, 8).every((c) => c === 'big') && served.at(-1) === 'free', served.join(','));
  const [after] = await budgets(url, null);
  assert.ok(Number.isFinite(after!.spent) && after!.spent > 0 && after!.spent <= 0.01, JSON.stringify(after));
  assert.equal(after!.reserved, 0);
});

test('absurd usage from an upstream is clamped to a finite charge', async (t) => {
  const up = await startFakeOpenAI({ answer: 'x', usage: { prompt_tokens: 1e308, completion_tokens: 1.5 } });
  t.after(() => up.close());
  const { url, client, dbFile } = await startTestGateway(t, {
    contenders: { m: { provider: 'openai', base_url: up.url, api_key: 'sk-upstream-test', model: 'm', price: PRICED } },
    races: { r: { champion: 'm' } },
    budgets: { b: { race: 'r', period: 'day', limit: 1000, currency: 'CNY' } },
  });
  await client.chat.completions.create({ model: 'r', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
  const db = new Database(dbFile, { readonly: true });
  t.after(() => db.close());
  const row = db.prepare('select prompt_tokens, completion_tokens, cost_nanos from requests').get() as Record<string, number>;
  assert.deepEqual([row.prompt_tokens, row.completion_tokens], [2 ** 31 - 1, 2]);
  assert.ok(Number.isSafeInteger(row.cost_nanos) && row.cost_nanos! > 0);
  const [b] = await budgets(url, null);
  assert.ok(Number.isFinite(b!.spent) && b!.spent > 1000, 'the budget counts the charge (and is spent)');
  const again = await post(url, { model: 'r', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(again.json.error?.code, 'budget_exceeded');
});

test('thousands of random hostile bodies leave every budget, gauge and rate-limit header finite', async (t) => {
  // With rate limits (their headers are checked too) and without (where nothing stands before the budget).
  const limited = await startTestGateway(t, { ...doc, auth: { mode: 'keys' }, teams: { admin: { limits: { rpm: 1_000_000, tpm: 50_000_000 } } } });
  const open = await startTestGateway(t, doc);
  const random = mulberry32(15);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const numbers = [1e308, -1e308, 1e20, 2 ** 53, 2 ** 53 + 2, 2 ** 31, 1_048_577, 40_000, 4096, 100, 1, 0, -1, 0.5, 1.5, 1e-300, '100', '1e3', null, true, [], {}];
  const fields = ['max_tokens', 'max_completion_tokens', 'n'];
  for (const { url, key } of [limited, open]) {
    const statuses = new Map<number, number>();
    for (let i = 0; i < 1000; i++) {
      const body: Record<string, unknown> = { model: pick(['r', 'r', 'free']), messages: [{ role: 'user', content: `hostile ${i}` }] };
      for (const f of fields) if (random() < 0.6) body[f] = f === 'n' && random() < 0.5 ? pick([2, 3, 128]) : pick(numbers);
      if (random() < 0.1) body.prediction = { type: 'content', content: pick(['x', 'y'.repeat(1000)]) };
      let raw = JSON.stringify(body);
      // JSON cannot carry NaN or Infinity, but a number literal past double range parses to Infinity.
      if (random() < 0.05) raw = raw.replace(/"messages"/, '"max_tokens":1e400,"messages"');
      const res = await post(url, raw, key);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      assert.ok([200, 400, 429].includes(res.status), `${res.status} for ${raw}`);
      if (res.status !== 200) assert.ok(res.json.error?.code && res.json.error.type, raw);
      for (const [h, v] of res.headers) if (h.startsWith('x-ratelimit-') && !h.startsWith('x-ratelimit-reset')) assert.ok(Number.isFinite(Number(v)), `${h}: ${v}`);
    }
    assert.ok((statuses.get(200) ?? 0) > 50 && (statuses.get(400) ?? 0) > 50, JSON.stringify([...statuses]));
    for (const b of await budgets(url, key)) assert.ok(Number.isFinite(b.spent) && Number.isFinite(b.reserved) && b.reserved === 0, JSON.stringify(b));
    const metrics = await (await fetch(`${url}/metrics`, key ? { headers: { authorization: `Bearer ${key}` } } : {})).text();
    const bad = metrics.split('\n').filter((l) => /^saima_(budget|rate)/.test(l) && /\s(NaN|[+-]?Inf)/.test(l));
    assert.deepEqual(bad, []);
  }
});
