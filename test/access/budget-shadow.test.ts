/**
 * Shadow calls pay. A shadow reserves and settles against the budgets covering its contender, race, team and key
 * like any call; when a budget refuses, the shadow is skipped and the served call goes on. The live budget equals
 * the request log at all times, not only after a restart.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { mockContender, startTestGateway } from '../support/gateway.js';

const PRICE = { input: 0, output: 10, currency: 'CNY' };
const PER_CALL = (50 * PRICE.output) / 1e6; // 50 output tokens: the reservation equals the settled cost
const answer = { default_answer: 'word '.repeat(200) };

interface BudgetView {
  name: string;
  spent: number;
  reserved: number;
}

async function settledBudgets(url: string): Promise<BudgetView[]> {
  // Shadows finish in the background: wait until nothing is held.
  for (let i = 0; i < 200; i++) {
    const data = ((await (await fetch(`${url}/admin/budgets`)).json()) as { data: BudgetView[] }).data;
    if (data.every((b) => b.reserved === 0)) return data;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('reservations still held');
}

async function fire(client: OpenAI, n: number) {
  const results = await Promise.allSettled(Array.from({ length: n }, (_, i) => client.chat.completions.create({ model: 'r', max_tokens: 50, messages: [{ role: 'user', content: `q ${i}` }] })));
  return results.filter((r) => r.status === 'fulfilled').length;
}

test('a budget on the shadow contender skips shadows once spent, never the served calls', async (t) => {
  const { url, client, dbFile } = await startTestGateway(t, {
    contenders: { m: mockContender('m', answer, { price: PRICE }), s: mockContender('s', answer, { price: PRICE }) },
    races: { r: { champion: 'm', shadow: { contender: 's', rate: 1 } } },
    budgets: { shadow: { contender: 's', period: 'day', limit: 10 * PER_CALL, currency: 'CNY' } },
  });
  assert.equal(await fire(client, 60), 60, 'every served call answered');
  const [b] = await settledBudgets(url);
  const db = new Database(dbFile, { readonly: true });
  t.after(() => db.close());
  const shadows = db.prepare('select count(*) as n, coalesce(sum(cost_nanos), 0) as spent from requests where shadow = 1').get() as { n: number; spent: number };
  assert.ok(shadows.n >= 9 && shadows.n <= 10, `${shadows.n} shadow calls for a budget of 10`);
  assert.equal(Math.round(b!.spent * 1e9), shadows.spent, 'the live budget equals the log');
});

test('served and shadow calls share a race budget under 200 concurrent requests', async (t) => {
  const N = 40;
  const { url, client, dbFile } = await startTestGateway(t, {
    contenders: { m: mockContender('m', answer, { price: PRICE }), s: mockContender('s', answer, { price: PRICE }) },
    races: { r: { champion: 'm', shadow: { contender: 's', rate: 1 } } },
    budgets: { race: { race: 'r', period: 'day', limit: N * PER_CALL, currency: 'CNY' } },
  });
  const served = await fire(client, 200);
  const [b] = await settledBudgets(url);
  const db = new Database(dbFile, { readonly: true });
  t.after(() => db.close());
  const all = db.prepare('select count(*) as n, coalesce(sum(cost_nanos), 0) as spent from requests where cost_nanos > 0').get() as { n: number; spent: number };
  const limit = Math.round(N * PER_CALL * 1e9);
  assert.ok(served > 0 && all.n > served, `${served} served, ${all.n - served} shadows`);
  assert.ok(all.spent <= limit + Math.round(PER_CALL * 1e9), `spent ${all.spent / 1e9} CNY of ${limit / 1e9}`);
  assert.equal(Math.round(b!.spent * 1e9), all.spent, 'the live budget equals the log');
});

test('shadow judge calls pay from the budget covering the judge: a spent budget stops them, never the served calls', async (t) => {
  const { prefers, startFakeJudge } = await import('../support/fake-judge-upstream.js');
  const run = async (limit: number) => {
    const judge = await startFakeJudge(prefers('Paris'));
    t.after(() => judge.close());
    const { client, gw, url, dbFile } = await startTestGateway(t, {
      contenders: {
        served: mockContender('served', { default_answer: 'It is Lyon.' }, { price: PRICE }),
        shadowed: mockContender('shadowed', { default_answer: 'It is Paris.' }, { price: PRICE }),
        judge: { provider: 'openai', base_url: judge.url, api_key: 'sk-test-judge-key', model: 'judge-1', price: PRICE, max_output_tokens: 100 },
      },
      races: { captured: { champion: 'served', capture: true, shadow: { contender: 'shadowed', rate: 1, judge: 'judge', judge_rate: 1 } } },
      budgets: { judging: { contender: 'judge', period: 'day', limit, currency: 'CNY' } },
    });
    for (let i = 0; i < 4; i++) {
      const res = await client.chat.completions.create({ model: 'captured', messages: [{ role: 'user', content: `Capital of France? (${i})` }] });
      assert.equal(res.choices[0]!.message.content, 'It is Lyon.');
    }
    await Promise.allSettled([...gw.ctx.background]);
    await gw.store.requestLog.flush();
    const db = new Database(dbFile, { readonly: true });
    t.after(() => db.close());
    const rows = db.prepare("select count(*) as n, coalesce(sum(cost_nanos), 0) as spent, max(output_cap) as cap from requests where contender = 'judge'").get() as { n: number; spent: number; cap: number };
    return { calls: judge.requests.length, rows, budget: (await settledBudgets(url))[0]! };
  };
  // A judge call reserves 100 output tokens (its max_output_tokens, sent as its cap) at 10 CNY/M = 0.001 CNY.
  const starved = await run(0.0005);
  assert.deepEqual([starved.calls, starved.rows.n, starved.budget.spent], [0, 0, 0], 'a budget too small for one judge call stops them all');
  const paid = await run(10);
  assert.equal(paid.calls, 8, 'two orders per judged pair');
  assert.equal(paid.rows.cap, 100, 'each judge call carries the cap it was reserved at');
  assert.equal(Math.round(paid.budget.spent * 1e9), paid.rows.spent, 'the live budget equals the log');
});
