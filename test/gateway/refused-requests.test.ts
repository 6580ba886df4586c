/**
 * Requests refused at admission (a spent budget, a rate limit) appear in `GET /admin/requests`, counted per minute
 * and combination instead of one row each: 500 refusals in a minute are one stored record holding 500, written a
 * handful of times, never 500 rows. On SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { storeUrlFor, testDialects } from '../support/databases.js';
import { mockContender, startTestGateway, TEST_ADMIN_KEY } from '../support/gateway.js';

interface Entry {
  object: 'request' | 'refusal';
  id: string;
  ts: number;
  until?: number;
  outcome: string;
  status: number;
  race: string | null;
  contender: string | null;
  team: string | null;
  key_id: string | null;
  error_code: string | null;
  error_message: string | null;
  count?: number;
  first_ts?: number;
  last_ts?: number;
  first_id?: string;
}
interface Page {
  data: Entry[];
  total: number;
  total_capped: boolean;
  refused_requests: number;
  has_more: boolean;
  next_cursor: string | null;
}

const PRICE = { input: 0, output: 10, currency: 'CNY' };
const REFUSED = 500;

/** A clock 5 s into the current minute, moving with real time: a run of a few seconds stays inside one minute. */
function minuteClock(): { now: () => number; minute: number } {
  const start = Date.now();
  const minute = start - (start % 60_000);
  return { now: () => minute + 5_000 + (Date.now() - start), minute };
}

for (const dialect of testDialects()) {
  test(`${dialect}: 500 requests refused by a budget are one record of 500 in the request log, not 500 rows`, async (t) => {
    const clock = minuteClock();
    const { url, gw } = await startTestGateway(
      t,
      {
        store: await storeUrlFor(dialect, t),
        contenders: { m: mockContender('m', {}, { price: PRICE }), free: mockContender('free') },
        races: { r: { champion: 'm' }, open: { champion: 'free' } },
        // Far less than one call reserves (200 tokens at 10 per million): every call to `r` is refused.
        budgets: { tiny: { race: 'r', period: 'day', limit: 1e-6, currency: 'CNY' } },
      },
      { now: clock.now },
    );
    const chat = async (model: string) => {
      const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model, max_tokens: 200, messages: [{ role: 'user', content: 'hi' }] }) });
      const body = (await res.json()) as { error?: { code: string } };
      return { status: res.status, code: body.error?.code ?? null, id: res.headers.get('x-saima-request-id') };
    };
    const get = async (q: string) => {
      const res = await fetch(`${url}/admin/requests?${q}`);
      assert.equal(res.status, 200, q);
      return (await res.json()) as Page;
    };
    for (let i = 0; i < 3; i++) assert.equal((await chat('open')).status, 200);

    const results: Array<{ status: number; code: string | null; id: string | null }> = [];
    for (let wave = 0; wave < REFUSED / 50; wave++) results.push(...(await Promise.all(Array.from({ length: 50 }, () => chat('r')))));
    assert.ok(results.every((r) => r.status === 429 && r.code === 'budget_exceeded'), JSON.stringify(results.find((r) => r.status !== 429 || r.code !== 'budget_exceeded')));
    await gw.store.requestLog.flush();
    await gw.store.refusalLog.flush();

    // What the store holds: one record for the minute, no request rows for the refused calls.
    const stored = await sql<{ n: number; total: number }>`select count(*) as n, sum(count) as total from refusals`.execute(gw.store.db);
    assert.equal(Number(stored.rows[0]!.n), 1, 'one record for the minute');
    assert.equal(Number(stored.rows[0]!.total), REFUSED);
    const rows = await sql<{ n: number }>`select count(*) as n from requests`.execute(gw.store.db);
    assert.equal(Number(rows.rows[0]!.n), 3, 'only the served calls have rows');
    // Written once a second at most, however fast the refusals came: a few writes, not one per refusal.
    assert.ok(gw.store.refusalLog.recordsWritten <= 10, `${gw.store.refusalLog.recordsWritten} records written for ${REFUSED} refusals`);
    assert.equal(gw.store.refusalLog.noted, REFUSED);

    const refused = await get('outcome=refused');
    assert.equal(refused.data.length, 1);
    assert.equal(refused.total, 1);
    assert.equal(refused.total_capped, false);
    assert.equal(refused.refused_requests, REFUSED);
    const rec = refused.data[0]!;
    assert.equal(rec.object, 'refusal');
    assert.deepEqual(
      [rec.outcome, rec.status, rec.error_code, rec.count, rec.race, rec.contender, rec.ts, rec.until],
      ['refused', 429, 'budget_exceeded', REFUSED, 'r', 'm', clock.minute, clock.minute + 60_000],
    );
    assert.match(rec.error_message!, /Budget 'tiny' is spent/);
    assert.ok(rec.first_ts! >= clock.minute + 5_000 && rec.last_ts! >= rec.first_ts! && rec.last_ts! < clock.minute + 60_000);
    assert.ok(results.some((r) => r.id === rec.first_id), 'first_id is the id one refused request was answered with');
    // Found by that id, too.
    assert.equal((await get(`id=${encodeURIComponent(rec.first_id!)}`)).data[0]?.id, rec.id);
    // A refused call has no row, and its id opens the record that counted it (it used to answer 404), as does the
    // record's own id; an id nobody was answered with is still a 404.
    for (const id of [rec.first_id!, rec.id]) {
      const res = await fetch(`${url}/admin/requests/${encodeURIComponent(id)}`);
      assert.equal(res.status, 200, id);
      const detail = (await res.json()) as Entry;
      assert.deepEqual([detail.object, detail.id, detail.count, detail.error_code, detail.first_id], ['refusal', rec.id, REFUSED, 'budget_exceeded', rec.first_id]);
    }
    assert.equal((await fetch(`${url}/admin/requests/req_nobody`)).status, 404);

    // Unfiltered, the log holds the served calls and the refusals; its total counts the record as one entry.
    const all = await get('limit=10');
    assert.equal(all.total, 4);
    assert.equal(all.refused_requests, REFUSED);
    assert.deepEqual(all.data.map((e) => e.object).sort(), ['refusal', 'request', 'request', 'request']);
    // Pages of one entry visit each once, across both kinds.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await get(`limit=1${cursor ? `&before=${encodeURIComponent(cursor)}` : ''}`);
      seen.push(...page.data.map((e) => e.id));
      cursor = page.next_cursor;
    } while (cursor);
    assert.deepEqual(seen.sort(), all.data.map((e) => e.id).sort());

    // Other statuses, a user, another race: no refusals.
    assert.equal((await get('outcome=error')).total, 0);
    assert.equal((await get('outcome=ok')).total, 3);
    assert.equal((await get('user=alice')).total, 0);
    assert.equal((await get('race=open')).total, 3);
    assert.equal((await get('race=r')).data[0]?.count, REFUSED);
    assert.equal((await get('outcome=refused&until=2m')).total, 0, 'a window that ended before the minute');

    // More refusals in the same minute add to the same record.
    for (let i = 0; i < 5; i++) await chat('r');
    await gw.store.refusalLog.flush();
    assert.equal((await get('outcome=refused')).data[0]?.count, REFUSED + 5);
    assert.equal(Number((await sql<{ n: number }>`select count(*) as n from refusals`.execute(gw.store.db)).rows[0]!.n), 1);
  });
}

test('rate-limit refusals name the key and team, and a team key sees only its own team', async (t) => {
  const clock = minuteClock();
  const { url, gw } = await startTestGateway(
    t,
    {
      auth: { mode: 'keys' },
      contenders: { m: mockContender('m') },
      races: { r: { champion: 'm' } },
      teams: { lab: { limits: { rpm: 2 } }, ops: {} },
    },
    { now: clock.now },
  );
  const admin = async (path: string, body: unknown) => {
    const res = await fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return (await res.json()) as { id: string; key: string };
  };
  const lab = await admin('/admin/keys', { team: 'lab', scopes: ['chat'] });
  const ops = await admin('/admin/keys', { team: 'ops', scopes: ['chat'] });
  const chat = (key: string) =>
    fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'r', messages: [{ role: 'user', content: 'hi' }] }) }).then(async (r) => {
      await r.arrayBuffer();
      return r.status;
    });
  const statuses: number[] = [];
  for (let i = 0; i < 10; i++) statuses.push(await chat(lab.key));
  assert.equal(statuses.filter((s) => s === 429).length, 8, statuses.join(','));
  assert.equal(await chat(ops.key), 200);
  await gw.store.requestLog.flush();
  await gw.store.refusalLog.flush();
  const get = async (q: string, key: string) => (await (await fetch(`${url}/admin/requests?${q}`, { headers: { authorization: `Bearer ${key}` } })).json()) as Page;

  const refused = await get('outcome=refused', TEST_ADMIN_KEY);
  assert.equal(refused.data.length, 1);
  const rec = refused.data[0]!;
  assert.deepEqual([rec.error_code, rec.count, rec.team, rec.status], ['rate_limit_exceeded', 8, 'lab', 429]);
  assert.equal(rec.key_id, lab.id);
  assert.match(rec.error_message!, /requests per minute/);
  // A key confined to its team sees its own team's refusals only.
  assert.equal((await get('outcome=refused', lab.key)).data[0]?.count, 8);
  const opsView = await get('outcome=refused', ops.key);
  assert.deepEqual([opsView.total, opsView.data.length, opsView.refused_requests], [0, 0, 0]);
  assert.equal((await get('', ops.key)).total, 1, 'the ops key sees its one served call');
  // The refused call's id opens its record for its own team, and for another team reads like a missing request.
  const detail = async (key: string) => fetch(`${url}/admin/requests/${encodeURIComponent(rec.first_id!)}`, { headers: { authorization: `Bearer ${key}` } });
  assert.equal((await detail(lab.key)).status, 200);
  assert.equal((await detail(ops.key)).status, 404);
});

test('refused arena matches, votes and feedback are counted in the request log like refused chat calls', async (t) => {
  const clock = minuteClock();
  const priced = (model: string) => mockContender(model, {}, { price: PRICE });
  const { url, gw } = await startTestGateway(
    t,
    {
      auth: { mode: 'keys' },
      key_defaults: { evidence_rpm: 2 },
      contenders: { a: priced('a'), b: priced('b') },
      races: { duel: { champion: 'a', challengers: [{ contender: 'b', weight: 50 }] } },
      // Far less than one answer reserves: every match of the raters is refused before a call is made.
      budgets: { 'raters-day': { team: 'raters', period: 'day', limit: 1e-6, currency: 'CNY' } },
    },
    { now: clock.now },
  );
  const post = async (path: string, key: string, body: unknown) => {
    const res = await fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, code: res.status >= 400 ? ((JSON.parse(text) as { error: { code: string } }).error.code) : null, id: res.headers.get('x-saima-request-id') };
  };
  const makeKey = async (team: string, scopes: string[]) => (await (await fetch(`${url}/admin/keys`, { method: 'POST', headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ team, scopes }) })).json()) as { id: string; key: string };
  const rater = await makeKey('raters', ['arena:vote']);
  const lab = await makeKey('lab', ['chat', 'feedback']);

  // Three matches refused by the budget (one asked as a stream: still refused before the first byte).
  const matches = [
    await post('/v1/arena/match', rater.key, { race: 'duel', prompt: 'Tell me a story.', max_tokens: 200 }),
    await post('/v1/arena/match', rater.key, { race: 'duel', prompt: 'Another one.', max_tokens: 200 }),
    await post('/v1/arena/match', rater.key, { race: 'duel', prompt: 'A streamed one.', max_tokens: 200, stream: true }),
  ];
  assert.deepEqual(matches.map((m) => [m.status, m.code]), Array(3).fill([429, 'budget_exceeded']));
  // Votes and feedback past the key's evidence limit (2 a minute): the admitted ones find no match or request.
  const votes = [];
  for (let i = 0; i < 3; i++) votes.push(await post('/v1/arena/vote', rater.key, { match_id: `m_${i}`, winner: 'a' }));
  assert.deepEqual(votes.map((v) => v.status), [404, 404, 429]);
  const ratings = [];
  for (let i = 0; i < 4; i++) ratings.push(await post('/v1/feedback', lab.key, { request_id: `req_${i}`, thumbs: 'up' }));
  assert.deepEqual(ratings.map((r) => r.status), [404, 404, 429, 429]);
  await gw.store.refusalLog.flush();

  const page = (await (await fetch(`${url}/admin/requests?outcome=refused`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } })).json()) as Page;
  const seen = page.data.map((e) => [e.team, e.key_id, e.race, e.contender, e.status, e.error_code, e.count]).sort((x, y) => `${x[0]} ${x[5]}`.localeCompare(`${y[0]} ${y[5]}`));
  assert.deepEqual(seen, [
    ['lab', lab.id, null, null, 429, 'rate_limit_exceeded', 2],
    ['raters', rater.id, 'duel', null, 429, 'budget_exceeded', 3],
    ['raters', rater.id, null, null, 429, 'rate_limit_exceeded', 1],
  ]);
  assert.equal(page.refused_requests, 6);
  const match = page.data.find((e) => e.error_code === 'budget_exceeded')!;
  assert.ok(matches.some((m) => m.id === match.first_id), 'first_id is the id a refused match was answered with');
  // The match's pair stays unnamed in the log, as it was in the answer: the message names neither contender.
  assert.doesNotMatch(match.error_message!, /\b[ab]\b/);
  const opened = await fetch(`${url}/admin/requests/${encodeURIComponent(match.first_id!)}`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
  assert.equal(((await opened.json()) as Entry).count, 3);
});

test('token counts refused by the request rate are counted in the request log too', async (t) => {
  const clock = minuteClock();
  const { url, gw } = await startTestGateway(
    t,
    { auth: { mode: 'keys' }, contenders: { m: mockContender('m') }, races: { r: { champion: 'm' } }, teams: { lab: { limits: { rpm: 1 } } } },
    { now: clock.now },
  );
  const lab = (await (await fetch(`${url}/admin/keys`, { method: 'POST', headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ team: 'lab', scopes: ['chat'] }) })).json()) as { id: string; key: string };
  const statuses: number[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${url}/v1/messages/count_tokens`, { method: 'POST', headers: { authorization: `Bearer ${lab.key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'r', messages: [{ role: 'user', content: 'hi' }] }) });
    statuses.push(res.status);
    await res.arrayBuffer();
  }
  assert.deepEqual(statuses, [200, 429, 429]);
  await gw.store.refusalLog.flush();
  const page = (await (await fetch(`${url}/admin/requests?outcome=refused`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } })).json()) as Page;
  assert.deepEqual(page.data.map((e) => [e.team, e.key_id, e.race, e.contender, e.error_code, e.count]), [['lab', lab.id, 'r', 'm', 'rate_limit_exceeded', 2]]);
});
