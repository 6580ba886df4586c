/**
 * A plan whose fallback is priced in another currency: the reservation must be made for the member whose call can
 * cost the most at the exchange rate budgets convert with (config `fx`), not at a rate of its own. Here the champion
 * cannot be reached, so every call is served by the fallback, priced in USD, which costs 7 % more than the
 * champion at the configured 8 CNY per USD (and 6 % less at 7): 200 concurrent calls under a budget sized for 40
 * of the champion's calls must settle within the budget.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { startBillingUpstream } from '../support/fake-billing-upstream.js';
import { startTestGateway } from '../support/gateway.js';

const TOKENS = 200;
const CNY_PER_USD = 8;
const CHAMPION_OUTPUT = 71; // CNY per million output tokens
const FALLBACK_OUTPUT = 9.5; // USD per million output tokens = 76 CNY at 8 (66.5 at 7)

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test('a fallback priced in USD that costs more at the configured rate is the one reserved for: the budget holds', async (t) => {
  const up = await startBillingUpstream({ honours: 'max_tokens', delayMs: 300 });
  t.after(() => up.close());
  const dead = await closedPort();
  const oneChampionCall = TOKENS * CHAMPION_OUTPUT * 1_000; // nanos CNY
  const limitNanos = 40 * oneChampionCall;
  const gw = await startTestGateway(t, {
    fx: { USD: CNY_PER_USD },
    contenders: {
      home: { provider: 'openai', base_url: `http://127.0.0.1:${dead}/v1`, api_key: 'sk-upstream-test', model: 'home-1', retry: { max_retries: 0 }, price: { input: 0, output: CHAMPION_OUTPUT, currency: 'CNY' } },
      abroad: { provider: 'openai', base_url: up.url, api_key: 'sk-upstream-test', model: 'abroad-1', price: { input: 0, output: FALLBACK_OUTPUT, currency: 'USD' } },
    },
    races: { r: { champion: 'home', fallbacks: ['abroad'] } },
    budgets: { daily: { race: 'r', period: 'day', limit: limitNanos / 1e9, currency: 'CNY' } },
  });
  const results = await Promise.allSettled(
    Array.from({ length: 200 }, (_, i) => gw.client.chat.completions.create({ model: 'r', max_tokens: TOKENS, messages: [{ role: 'user', content: `question ${i}` }] })),
  );
  const ok = results.filter((r) => r.status === 'fulfilled').length;
  const codes = new Set(results.flatMap((r) => (r.status === 'rejected' ? [((r.reason as InstanceType<typeof OpenAI.APIError>).error as { code?: string })?.code] : [])));
  assert.deepEqual([...codes], ['budget_exceeded']);
  assert.equal(up.requests.length, ok, 'every admitted call was served by the fallback');

  const db = new Database(gw.dbFile, { readonly: true });
  t.after(() => db.close());
  const { spent } = db.prepare(`select coalesce(sum(case currency when 'USD' then cost_nanos * ${CNY_PER_USD} else cost_nanos end), 0) as spent from requests`).get() as { spent: number };
  assert.ok(spent <= limitNanos, `spent ${(spent / 1e9).toFixed(6)} CNY of a ${(limitNanos / 1e9).toFixed(6)} CNY budget with ${ok} calls admitted`);
  assert.equal(ok, Math.floor(limitNanos / (TOKENS * FALLBACK_OUTPUT * 1_000 * CNY_PER_USD)), 'as many calls as the fallback\'s price fits');
});
