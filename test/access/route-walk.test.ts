/**
 * Every registered route, called with no key, a wrong key, and keys of every scope of one team (one of them limited
 * to a race), while another team has traffic, feedback and battles of its own: each answer is 401, 403 or 404 exactly
 * as docs/access.md's table says, never a 5xx, and no answer to the first team quotes anything of the second's (its
 * team name, key ids, request ids, comments, or its share of a race's counts). The table in route-access.ts and
 * the registered routes are the same set, and docs/access.md shows that table.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import OpenAI from 'openai';
import { ROUTE_ACCESS } from '../../src/gateway/route-access.js';
import { mockContender, startTestGateway } from '../support/gateway.js';

async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

test('every route: the scope table holds for every key, and no answer shows another team', async (t) => {
  const { url, gw, key: admin } = await startTestGateway(t, {
    auth: { mode: 'keys' },
    contenders: { m: mockContender('m'), n: mockContender('n'), o: mockContender('o') },
    races: { r1: { champion: 'm', challengers: [{ contender: 'n', weight: 50 }] }, r2: { champion: 'o' } },
  });
  const call = (method: string, path: string, key: string | null, body?: unknown) =>
    fetch(`${url}${path}`, {
      method,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  const makeKey = async (body: Record<string, unknown>) => {
    const res = await call('POST', '/admin/keys', admin!, body);
    assert.equal(res.status, 201);
    const k = (await res.json()) as { key: string; id: string };
    return k;
  };
  const bravo = await makeKey({ team: 'bravo', scopes: ['chat', 'feedback', 'arena:vote'] });
  const keys = {
    chat: await makeKey({ team: 'alpha', scopes: ['chat'] }),
    feedback: await makeKey({ team: 'alpha', scopes: ['feedback'] }),
    voter: await makeKey({ team: 'alpha', scopes: ['arena:vote'] }),
    limited: await makeKey({ team: 'alpha', scopes: ['chat', 'feedback', 'arena:vote'], races: ['r1'] }),
  };

  // Team bravo's own activity: 9 calls to each race, a rated answer, a voted match.
  const clientB = new OpenAI({ baseURL: `${url}/v1`, apiKey: bravo.key, maxRetries: 0 });
  const bravoIds: string[] = [];
  for (let i = 0; i < 9; i++) {
    for (const model of ['r1', 'r2']) {
      const r = await clientB.chat.completions.create({ model, messages: [{ role: 'user', content: `b${i}` }], user: `bravo-user-${i}` }).withResponse();
      bravoIds.push(r.response.headers.get('x-saima-request-id')!);
    }
  }
  assert.equal((await call('POST', '/v1/feedback', bravo.key, { request_id: bravoIds[0], thumbs: 'up', comment: 'bravo-comment-9d1' })).status, 201);
  const bMatch = await json(await call('POST', '/v1/arena/match', bravo.key, { race: 'r1', prompt: 'bravo prompt' }));
  assert.equal((await call('POST', '/v1/arena/vote', bravo.key, { match_id: bMatch.id, winner: 'a' })).status, 200);
  // Team alpha's: two calls to r1, one to r2.
  const clientA = new OpenAI({ baseURL: `${url}/v1`, apiKey: keys.chat.key, maxRetries: 0 });
  for (const model of ['r1', 'r1', 'r2']) await clientA.chat.completions.create({ model, messages: [{ role: 'user', content: 'a' }] });

  // The table is exactly the registered routes (registration already fails on a route missing from the table).
  for (const entry of Object.keys(ROUTE_ACCESS)) {
    const [method, path] = entry.split(' ') as [string, string];
    assert.ok(gw.app.hasRoute({ method: method as 'GET', url: path }), `${entry} is in the table but not registered`);
  }
  // docs/access.md shows every rule of the table.
  const doc = readFileSync(new URL('../../docs/access.md', import.meta.url), 'utf8');
  for (const [entry, rule] of Object.entries(ROUTE_ACCESS)) {
    assert.ok(doc.includes(`| \`${entry}\` | ${rule.access} | ${rule.sees} |`), `docs/access.md lacks the row of ${entry}`);
  }

  const markers = ['bravo', bravo.id, ...bravoIds, String(bMatch.id)];
  const principals: Array<[string, string | null, ReadonlySet<string>]> = [
    ['no key', null, new Set()],
    ['a wrong key', 'sk-saima-not-a-real-key-0000000000000000000000000', new Set()],
    ['chat', keys.chat.key, new Set(['chat'])],
    ['feedback', keys.feedback.key, new Set(['feedback'])],
    ['arena:vote', keys.voter.key, new Set(['arena:vote'])],
    ['limited to r1', keys.limited.key, new Set(['chat', 'feedback', 'arena:vote'])],
  ];
  const fill = (path: string) =>
    path.replace(':name', 'r1').replace(':run', 'run_none').replace('*', 'index.html').replace(':id', path.startsWith('/admin/keys') ? bravo.id : bravoIds[0]!);

  for (const [entry, rule] of Object.entries(ROUTE_ACCESS)) {
    const [method, path] = entry.split(' ') as [string, string];
    for (const [who, key, scopes] of principals) {
      const sent = fill(path);
      const res = await call(method, sent, key, method === 'GET' || method === 'DELETE' ? undefined : {});
      const text = await res.text();
      const where = `${entry} with ${who}`;
      // The Messages API's routes answer in Anthropic's error shape: its type stands for the code.
      const errorOf = (): string => {
        const body = JSON.parse(text) as { type?: string; error: { code?: string; type: string } };
        return body.type === 'error' ? ({ authentication_error: 'invalid_api_key', permission_error: 'permission_denied' }[body.error.type] ?? body.error.type) : (body.error.code ?? '');
      };
      assert.ok(res.status < 500, `${where}: ${res.status} ${text.slice(0, 200)}`);
      if (rule.access === 'public') {
        assert.ok(res.status !== 401 && res.status !== 403, `${where}: a public route answered ${res.status}`);
      } else if (key === null || who === 'a wrong key') {
        assert.equal(res.status, 401, where);
        assert.equal(errorOf(), 'invalid_api_key', where);
      } else if (rule.access !== 'key' && !scopes.has(rule.access)) {
        assert.equal(res.status, 403, where);
        assert.equal(errorOf(), 'permission_denied', where);
      } else {
        assert.ok(res.status !== 401 && res.status !== 403, `${where}: ${res.status} ${text.slice(0, 200)}`);
      }
      // An id the caller sent may be echoed in a 404's message; anything else of bravo's may not appear.
      for (const m of markers) assert.ok(sent.includes(m) || !text.includes(m), `${where} shows team bravo's ${m}`);
    }
  }

  // A race report shows alpha's evidence only: 2 of r1's 20 served calls are alpha's.
  const report = await json(await call('GET', '/admin/races/r1', keys.chat.key));
  const served = (report.contenders as Array<{ n: number }>).reduce((s, c) => s + c.n, 0);
  assert.equal(served, 2);
  assert.equal(report.monitor, null);
  assert.deepEqual(report.decisions, []);
  const adminReport = await json(await call('GET', '/admin/races/r1', admin!));
  assert.equal((adminReport.contenders as Array<{ n: number }>).reduce((s, c) => s + c.n, 0), 11);

  // A race-limited key sees its race everywhere and nothing of the other.
  const limited = keys.limited.key;
  const races = await json(await call('GET', '/admin/races', limited));
  assert.deepEqual((races.data as Array<{ name: string }>).map((r) => r.name), ['r1']);
  for (const path of ['/admin/races/r2', '/admin/races/r2/decisions', '/v1/arena/leaderboard?race=r2', '/v1/arena/battles?race=r2']) {
    const res = await call('GET', path, limited);
    assert.ok(res.status === 404 || res.status === 403, `${path}: ${res.status}`);
  }
  assert.equal((await call('POST', '/v1/arena/match', limited, { race: 'r2', prompt: 'x' })).status, 404);
  const own = await json(await call('GET', '/admin/requests', limited));
  assert.deepEqual([...new Set((own.data as Array<{ race: string }>).map((r) => r.race))], ['r1']);
  const models = await json(await call('GET', '/v1/models', limited));
  assert.deepEqual((models.data as Array<{ id: string }>).map((m) => m.id), ['r1']);
});

test('probes and scrapers answer with a query string; unknown paths ask for a key first', async (t) => {
  const { url } = await startTestGateway(t, { auth: { mode: 'keys' }, contenders: { m: mockContender('m') } });
  for (const path of ['/health?x=1', '/metrics?x=1', '/ready?x', '/health?', '/ui/?lang=zh']) {
    const res = await fetch(`${url}${path}`);
    assert.ok(res.status === 200 || res.status === 503, `${path}: ${res.status}`);
  }
  const unknown = await fetch(`${url}/admin/nothing-here`);
  assert.equal(unknown.status, 401);
});
