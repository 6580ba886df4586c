/**
 * Evidence integrity: a request has one current rating. A thousand duplicate thumbs-up on one answer (sent 50 at a
 * time) move the race's feedback n by one, on SQLite and on PostgreSQL; a later rating replaces the earlier and
 * every rating stays in the history; only the request's team (or an admin) may rate it; feedback and votes are
 * rate limited per key; and a store that already holds duplicates is folded to one current rating per request by
 * its migration. Before, each POST added a row and the monitor counted all of them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kysely, Migrator } from 'kysely';
import { openDatabase } from '../../src/store/db.js';
import { migrationProvider } from '../../src/store/migrations/index.js';
import { storeUrlFor, testDialects } from '../support/databases.js';
import { mockContender, startTestGateway } from '../support/gateway.js';

const RACE = {
  auth: { mode: 'keys' },
  key_defaults: { evidence_rpm: 100_000 },
  contenders: { m: mockContender('m'), n: mockContender('n') },
  races: { r: { champion: 'm', challengers: [{ contender: 'n', weight: 50 }] } },
};

for (const dialect of testDialects()) {
  test(`${dialect}: 1,000 duplicate thumbs-up on one request count once`, async (t) => {
    const { url, client, key: admin } = await startTestGateway(t, { ...RACE, store: await storeUrlFor(dialect, t) });
    const post = (key: string, body: unknown) =>
      fetch(`${url}/v1/feedback`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body) });
    const makeKey = async (team: string, scopes: string[]) => {
      const res = await fetch(`${url}/admin/keys`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: JSON.stringify({ team, scopes }) });
      return ((await res.json()) as { key: string }).key;
    };
    const app = await makeKey('app', ['chat', 'feedback']);
    const other = await makeKey('other', ['feedback']);
    const { response } = await client.chat.completions.create({ model: 'r', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    const requestId = response.headers.get('x-saima-request-id')!;
    const feedbackN = async () => {
      const report = (await (await fetch(`${url}/admin/races/r`, { headers: { authorization: `Bearer ${admin}` } })).json()) as { feedback: Array<{ n: number; mean: number }> };
      return { n: report.feedback.reduce((s, f) => s + f.n, 0), means: report.feedback.map((f) => f.mean) };
    };
    const before = (await feedbackN()).n;

    for (let i = 0; i < 20; i++) {
      const statuses = await Promise.all(Array.from({ length: 50 }, () => post(admin!, { request_id: requestId, thumbs: 'up' }).then((r) => r.status)));
      assert.deepEqual([...new Set(statuses)], [201]);
    }
    assert.equal((await feedbackN()).n, before + 1);

    // A later rating replaces the earlier one (the race's mean follows it), and the history keeps all of them.
    assert.equal((await post(admin!, { request_id: requestId, thumbs: 'down', comment: 'changed my mind' })).status, 201);
    const after = await feedbackN();
    assert.equal(after.n, before + 1);
    assert.deepEqual(after.means, [-1]);
    const listed = (await (await fetch(`${url}/admin/feedback`, { headers: { authorization: `Bearer ${admin}` } })).json()) as { data: Array<{ score: number; comment: string }> };
    assert.equal(listed.data.length, 1);
    assert.equal(listed.data[0]!.comment, 'changed my mind');

    // Another team's key cannot rate it (it answers like a missing request); admin requests belong to team admin.
    assert.equal((await post(other, { request_id: requestId, thumbs: 'down' })).status, 404);
    assert.equal((await post(app, { request_id: requestId, thumbs: 'down' })).status, 404);
    assert.equal((await feedbackN()).n, before + 1);
  });
}

test('feedback and votes are rate limited per key (key_defaults.evidence_rpm)', async (t) => {
  const { url, client, key: admin } = await startTestGateway(t, { ...RACE, key_defaults: { evidence_rpm: 5 } });
  const { response } = await client.chat.completions.create({ model: 'r', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
  const requestId = response.headers.get('x-saima-request-id')!;
  const statuses: number[] = [];
  let retryAfter: string | null = null;
  for (let i = 0; i < 8; i++) {
    const res = await fetch(`${url}/v1/feedback`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: JSON.stringify({ request_id: requestId, score: 0.5 }) });
    statuses.push(res.status);
    if (res.status === 429) {
      retryAfter = res.headers.get('retry-after');
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'rate_limit_exceeded');
    }
  }
  assert.deepEqual(statuses, [201, 201, 201, 201, 201, 429, 429, 429]);
  assert.ok(retryAfter !== null && Number(retryAfter) >= 1, `retry-after ${retryAfter}`);
  // Chat is limited separately: evidence limits do not spend a key's request budget.
  await client.chat.completions.create({ model: 'r', messages: [{ role: 'user', content: 'still fine' }] });
});

for (const dialect of testDialects()) {
  test(`${dialect}: the migration folds stored duplicates to one current rating per request, history kept`, async (t) => {
    const url = await storeUrlFor(dialect, t);
    const handle = await openDatabase(url);
    t.after(() => handle.close());
    const db = handle.db;
    const schema = handle.dialect === 'postgres' ? handle.schema : null;
    const migrator = new Migrator({ db, provider: migrationProvider, ...(schema ? { migrationTableSchema: schema } : {}) });
    const to4 = await migrator.migrateTo('0004-fallback-from');
    assert.equal(to4.error, undefined);
    const rows = [
      { id: 'fb-1', ts: 1, request_id: 'req-a', score: 1 },
      { id: 'fb-2', ts: 2, request_id: 'req-a', score: 1 },
      { id: 'fb-3', ts: 3, request_id: 'req-a', score: -1 },
      { id: 'fb-4', ts: 1, request_id: 'req-b', score: 0.5 },
    ].map((r) => ({ ...r, race: 'r', contender: 'm', team: 't', key_id: 'k', comment: null }));
    await (db as unknown as Kysely<{ feedback: (typeof rows)[number] }>).insertInto('feedback').values(rows).execute();
    const latest = await migrator.migrateToLatest();
    assert.equal(latest.error, undefined);
    const typed = db as unknown as Kysely<{ feedback: { id: string }; feedback_history: { id: string } }>;
    const current = (await typed.selectFrom('feedback').select('id').orderBy('id').execute()).map((r) => r.id);
    assert.deepEqual(current, ['fb-3', 'fb-4']);
    const history = (await typed.selectFrom('feedback_history').select('id').orderBy('id').execute()).map((r) => r.id);
    assert.deepEqual(history, ['fb-1', 'fb-2', 'fb-3', 'fb-4']);
  });
}

test('/admin/feedback filters by team before its limit; a zero key lifetime is refused', async (t) => {
  const { url, key: admin } = await startTestGateway(t, RACE);
  const headers = (key: string) => ({ 'content-type': 'application/json', authorization: `Bearer ${key}` });
  const makeKey = async (body: Record<string, unknown>) => fetch(`${url}/admin/keys`, { method: 'POST', headers: headers(admin!), body: JSON.stringify(body) });
  const alpha = ((await (await makeKey({ team: 'alpha', scopes: ['chat', 'feedback'] })).json()) as { key: string }).key;
  const bravo = ((await (await makeKey({ team: 'bravo', scopes: ['chat', 'feedback'] })).json()) as { key: string }).key;
  const rate = async (key: string) => {
    const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: headers(key), body: JSON.stringify({ model: 'r', messages: [{ role: 'user', content: 'x' }] }) });
    const id = res.headers.get('x-saima-request-id')!;
    assert.equal((await fetch(`${url}/v1/feedback`, { method: 'POST', headers: headers(key), body: JSON.stringify({ request_id: id, thumbs: 'up' }) })).status, 201);
  };
  await rate(alpha);
  for (let i = 0; i < 5; i++) await rate(bravo);
  const listed = (await (await fetch(`${url}/admin/feedback?limit=1`, { headers: headers(alpha) })).json()) as { data: Array<{ team: string }> };
  assert.deepEqual(listed.data.map((r) => r.team), ['alpha'], "a team sees its own newest row even when others wrote more");

  for (const expires of ['0s', '0d', '99999d']) {
    const res = await makeKey({ team: 'alpha', scopes: ['chat'], expires });
    assert.equal(res.status, 400, expires);
    assert.equal(((await res.json()) as { error: { param: string } }).error.param, 'expires');
  }
});
