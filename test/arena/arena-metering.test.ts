/**
 * Arena spend is visible and bounded: every answer a match asks for is a request-log row of the voter's team (not
 * served traffic, so marked shadow), it counts in spend reports, and the team's budget stops matches — before any
 * call is paid for, and without naming the budget or a contender.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { mockContender, startTestGateway } from '../support/gateway.js';

test('match calls are metered to the voter team and stopped by its budget', async (t) => {
  const priced = (model: string) => mockContender(model, { default_answer: 'word '.repeat(100).trim() }, { price: { input: 0, output: 100, currency: 'CNY' } });
  const { url, key: admin, dbFile, gw } = await startTestGateway(t, {
    auth: { mode: 'keys' },
    contenders: { 'acme-large': priced('acme-large'), 'rival-chat': priced('rival-chat') },
    races: { assistant: { champion: 'acme-large', challengers: [{ contender: 'rival-chat', weight: 50 }] } },
    budgets: { 'raters-day': { team: 'raters', limit: 0.065 } },
  });
  const made = await fetch(`${url}/admin/keys`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: JSON.stringify({ team: 'raters', scopes: ['arena:vote'] }) });
  const { key, id: keyId } = (await made.json()) as { key: string; id: string };
  const match = () => fetch(`${url}/v1/arena/match`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ race: 'assistant', prompt: 'Tell me a story.', max_tokens: 200 }) });

  // Each answer costs 100 tokens × 100 CNY/M = 0.01; each call reserves max_tokens × price = 0.02 first.
  assert.equal((await match()).status, 201);
  assert.equal((await match()).status, 201);
  const refused = await match();
  assert.equal(refused.status, 429);
  const err = ((await refused.json()) as { error: { code: string; message: string } }).error;
  assert.equal(err.code, 'budget_exceeded');
  assert.ok(!/raters-day|acme|rival/.test(err.message), err.message);

  await gw.store.requestLog.flush();
  const db = new Database(dbFile, { readonly: true });
  t.after(() => db.close());
  const rows = db.prepare("select team, key_id, race, shadow, parent_id, cost_nanos, contender from requests where id like 'arena_%'").all() as Array<Record<string, unknown>>;
  assert.equal(rows.length, 4, 'the refused match made no call at all');
  for (const r of rows) assert.deepEqual([r.team, r.key_id, r.race, r.shadow, r.parent_id, r.cost_nanos], ['raters', keyId, 'assistant', 1, null, 10_000_000]);
  assert.deepEqual(rows.map((r) => r.contender).sort(), ['acme-large', 'acme-large', 'rival-chat', 'rival-chat']);

  const spend = await fetch(`${url}/admin/spend?by=team`, { headers: { authorization: `Bearer ${admin}` } });
  const report = (await spend.json()) as { data: Array<{ key: { team?: string }; cost: number; requests: number }> };
  const raters = report.data.find((g) => g.key.team === 'raters');
  assert.deepEqual([raters?.requests, raters?.cost], [4, 0.04]);
});

test('a paid match without max_tokens is sent the cap it was reserved at: the smaller default of the pair', async (t) => {
  const priced = (model: string, cap: number) => mockContender(model, { default_answer: 'word '.repeat(400).trim() }, { price: { input: 0, output: 100, currency: 'CNY' }, max_output_tokens: cap });
  const { url, key: admin, dbFile, gw } = await startTestGateway(t, {
    auth: { mode: 'keys' },
    contenders: { a: priced('a', 150), b: priced('b', 300) },
    races: { assistant: { champion: 'a', challengers: [{ contender: 'b', weight: 50 }] } },
    budgets: { 'raters-day': { team: 'raters', limit: 10 } },
  });
  const made = await fetch(`${url}/admin/keys`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: JSON.stringify({ team: 'raters', scopes: ['arena:vote'] }) });
  const { key } = (await made.json()) as { key: string };
  const res = await fetch(`${url}/v1/arena/match`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ race: 'assistant', prompt: 'Tell me a long story.' }) });
  assert.equal(res.status, 201);
  await gw.store.requestLog.flush();
  const db = new Database(dbFile, { readonly: true });
  t.after(() => db.close());
  const rows = db.prepare("select output_cap, completion_tokens, source from requests where id like 'arena_%'").all();
  assert.deepEqual(rows, [
    { output_cap: 150, completion_tokens: 150, source: 'arena' },
    { output_cap: 150, completion_tokens: 150, source: 'arena' },
  ]);
});
