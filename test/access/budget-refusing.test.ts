/**
 * GET /admin/budgets says when a budget is turning calls away. A budget refuses a call when what remains is less than
 * the call's reservation (prompt + output cap at the contender's price), so it refuses long before its spend reaches
 * the limit: the status reports `refusing` and `last_refused_at` from the refusals themselves, for a minute after
 * the latest one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mockContender, startTestGateway } from '../support/gateway.js';

const PRICE = { input: 0, output: 10, currency: 'CNY' };
const RESERVED = (200 * PRICE.output) / 1e6; // max_tokens 200: each call holds this much until it settles

interface BudgetView {
  name: string;
  limit: number;
  spent: number;
  reserved: number;
  exhausted: boolean;
  refusing: boolean;
  last_refused_at: number | null;
  refused: number;
}

test('a budget that refuses every call below 100 % reports refusing, then stops a minute after the last refusal', async (t) => {
  let offset = 0;
  const { url } = await startTestGateway(
    t,
    {
      contenders: { m: mockContender('m', { default_answer: 'word '.repeat(20) }, { price: PRICE }), other: mockContender('o', {}, { price: PRICE }) },
      races: { r: { champion: 'm' }, q: { champion: 'other' } },
      budgets: {
        tight: { race: 'r', period: 'day', limit: 1.25 * RESERVED, currency: 'CNY' },
        roomy: { race: 'q', period: 'day', limit: 1, currency: 'CNY' },
      },
    },
    { now: () => Date.now() + offset },
  );
  const chat = (model: string) =>
    fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model, max_tokens: 200, messages: [{ role: 'user', content: 'hi' }] }) });
  const budgets = async () => {
    const res = await fetch(`${url}/admin/budgets`);
    assert.equal(res.status, 200);
    return Object.fromEntries(((await res.json()) as { data: BudgetView[] }).data.map((b) => [b.name, b]));
  };

  assert.equal((await chat('q')).status, 200);
  let served = 0;
  let status = 0;
  for (let i = 0; i < 20 && status !== 402 && status !== 429; i++) {
    const res = await chat('r');
    await res.arrayBuffer();
    status = res.status;
    if (res.ok) served++;
  }
  assert.ok(served > 0, 'some calls were served before the budget ran short');
  assert.notEqual(status, 200, 'the budget refused a call');
  const refusedAt = Date.now();
  const b = await budgets();
  const tight = b.tight!;
  assert.ok(tight.spent / tight.limit < 0.9, `refused at ${((100 * tight.spent) / tight.limit).toFixed(1)} % of the limit, not at 100 %`);
  assert.equal(tight.exhausted, false, 'spent + reserved still leave part of the limit');
  assert.equal(tight.refusing, true);
  assert.equal(tight.refused, 1);
  assert.ok(tight.last_refused_at !== null && Math.abs(tight.last_refused_at - refusedAt) < 5_000, `last_refused_at ${tight.last_refused_at}`);
  assert.deepEqual([b.roomy!.refusing, b.roomy!.last_refused_at, b.roomy!.refused, b.roomy!.exhausted], [false, null, 0, false]);

  // Refused again: the count grows and the mark moves.
  offset = 30_000;
  assert.equal((await chat('r')).status, status);
  const again = (await budgets()).tight!;
  assert.equal(again.refused, 2);
  assert.ok(again.last_refused_at! >= tight.last_refused_at! + 29_000);

  // A minute after the latest refusal with no call refused since, the budget no longer counts as refusing.
  offset = 30_000 + 61_000;
  const later = (await budgets()).tight!;
  assert.equal(later.refusing, false);
  assert.equal(later.last_refused_at, again.last_refused_at);
});

test('a budget that skips shadow calls reports refusing while every served call is answered', async (t) => {
  const answer = { default_answer: 'word '.repeat(200) };
  const { url } = await startTestGateway(t, {
    contenders: { m: mockContender('m', answer, { price: PRICE }), s: mockContender('s', answer, { price: PRICE }) },
    races: { r: { champion: 'm', shadow: { contender: 's', rate: 1 } } },
    budgets: { shadow: { contender: 's', period: 'day', limit: 2 * RESERVED, currency: 'CNY' } },
  });
  for (let i = 0; i < 6; i++) {
    const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'r', max_tokens: 200, messages: [{ role: 'user', content: `q ${i}` }] }) });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
  }
  let b: BudgetView | undefined;
  for (let i = 0; i < 200; i++) {
    b = ((await (await fetch(`${url}/admin/budgets`)).json()) as { data: BudgetView[] }).data[0];
    if (b!.reserved === 0 && b!.refused > 0) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.equal(b!.refusing, true, JSON.stringify(b));
  assert.ok(b!.refused >= 3, `${b!.refused} shadows skipped`);
});
