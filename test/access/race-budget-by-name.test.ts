/**
 * A race budget cannot be escaped by calling the race's contenders by name. The rule: a contender taking part in a
 * race under a race-scoped budget answers direct calls only for keys granted that contender by name; everyone else
 * gets 403 `permission_denied` and is pointed at the race. 200 concurrent direct calls under a race budget sized
 * for 40 spend nothing past it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { mockContender, startTestGateway } from '../support/gateway.js';

const N = 40;
const PRICE = { input: 0, output: 10, currency: 'CNY' };
const PER_REQUEST = (50 * PRICE.output) / 1e6;
const CONFIG = {
  contenders: {
    champ: mockContender('champ', { default_answer: 'word '.repeat(200) }, { price: PRICE }),
    chall: mockContender('chall', { default_answer: 'word '.repeat(200) }, { price: PRICE }),
    loose: mockContender('loose', { default_answer: 'word '.repeat(200) }, { price: PRICE }),
  },
  races: { assistant: { champion: 'champ', challengers: [{ contender: 'chall', weight: 10 }] }, open: { champion: 'loose' } },
  budgets: { assistant: { race: 'assistant', period: 'day', limit: N * PER_REQUEST, currency: 'CNY' } },
};

const ask = (client: OpenAI, model: string, i = 0) => client.chat.completions.create({ model, max_tokens: 50, messages: [{ role: 'user', content: `q ${i}` }] });

test('direct calls to a budgeted race contender are refused, and the race budget holds', async (t) => {
  const { client, dbFile } = await startTestGateway(t, CONFIG);
  for (const name of ['champ', 'chall']) {
    const err = await ask(client, name).then(
      () => null,
      (e: unknown) => e as InstanceType<typeof OpenAI.APIError>,
    );
    assert.equal(err?.status, 403, name);
    assert.deepEqual([(err?.error as { code?: string }).code, (err?.error as { param?: string }).param], ['permission_denied', 'model']);
    assert.match(err!.message, /race 'assistant'/);
  }
  // A contender of a race without a budget still answers by name.
  assert.equal((await ask(client, 'loose')).choices.length, 1);
  const results = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => ask(client, i % 2 ? 'champ' : 'assistant', i)));
  const ok = results.filter((r) => r.status === 'fulfilled').length;
  assert.ok(ok >= N - 1 && ok <= N, `${ok} served`);
  const db = new Database(dbFile, { readonly: true });
  t.after(() => db.close());
  const { spent } = db.prepare("select coalesce(sum(cost_nanos), 0) as spent from requests where contender in ('champ', 'chall')").get() as { spent: number };
  assert.ok(spent <= Math.round(N * PER_REQUEST * 1e9), `spent ${spent / 1e9} CNY of ${N * PER_REQUEST}`);
});

test('a key granted the contender by name may call it; a key granted the race only may not', async (t) => {
  const { url, key: admin } = await startTestGateway(t, { ...CONFIG, auth: { mode: 'keys' } });
  const make = async (races: string[]) => {
    const res = await fetch(`${url}/admin/keys`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: JSON.stringify({ team: 'x', scopes: ['chat'], races }) });
    assert.equal(res.status, 201);
    return new OpenAI({ baseURL: `${url}/v1`, apiKey: ((await res.json()) as { key: string }).key, maxRetries: 0 });
  };
  const granted = await make(['assistant', 'champ']);
  const raceOnly = await make(['assistant']);
  const adminClient = new OpenAI({ baseURL: `${url}/v1`, apiKey: admin!, maxRetries: 0 });
  assert.equal((await ask(granted, 'champ')).choices.length, 1);
  assert.equal((await ask(raceOnly, 'assistant')).choices.length, 1);
  await assert.rejects(ask(raceOnly, 'champ'), (e: InstanceType<typeof OpenAI.APIError>) => e.status === 404);
  // An admin key sees every model but is granted none by name: the race budget binds it too.
  await assert.rejects(ask(adminClient, 'champ'), (e: InstanceType<typeof OpenAI.APIError>) => e.status === 403);
});
