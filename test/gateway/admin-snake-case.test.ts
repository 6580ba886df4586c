/**
 * Admin and dashboard APIs speak one casing, snake_case as OpenAI's API does: every field name in every GET answer
 * on a gateway with requests (served, rescued, failed), feedback, an arena vote and a race decision.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mockContender, startTestGateway } from '../support/gateway.js';

function camelKeys(v: unknown, path: string, out: Set<string>): void {
  if (Array.isArray(v)) v.forEach((x) => camelKeys(x, `${path}[]`, out));
  else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (/[a-z][A-Z]/.test(k)) out.add(`${path}.${k}`);
      // Decision details and monitor figures are keyed partly by contender names, which are data.
      if (k !== 'details') camelKeys(x, `${path}.${k}`, out);
    }
  }
}

test('every admin and dashboard GET answers with snake_case field names', async (t) => {
  const gw = await startTestGateway(t, {
    contenders: { a: mockContender('a'), b: mockContender('b', { error_rate: 1 }), c: mockContender('c') },
    races: { r: { champion: 'a', challengers: [{ contender: 'b', weight: 50 }], fallbacks: ['c'] } },
    budgets: { d: { race: 'r', period: 'day', limit: 10, currency: 'CNY' } },
  });
  const post = (p: string, b: unknown) => fetch(`${gw.url}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(b) });
  let id = '';
  for (let i = 0; i < 10; i++) {
    const res = await post('/v1/chat/completions', { model: 'r', user: `u${i}`, messages: [{ role: 'user', content: 'q' }] });
    id = res.headers.get('x-saima-request-id')!;
    await res.text();
  }
  assert.equal((await post('/v1/feedback', { request_id: id, thumbs: 'up' })).status, 201);
  const match = (await (await post('/v1/arena/match', { race: 'r', prompt: 'x' })).json()) as { id: string };
  await post('/v1/arena/vote', { match_id: match.id, winner: 'a' });
  await post('/admin/races/r/weights', { contender: 'b', weight: 10, reason: 'test' });
  const paths = ['/v1/models', '/v1/arena/battles', '/v1/arena/leaderboard?race=r', '/admin/session', '/admin/requests', `/admin/requests/${id}`, '/admin/feedback', '/admin/spend', '/admin/budgets', '/admin/races', '/admin/races/r', '/admin/races/r/decisions', '/admin/keys', '/admin/evals', '/admin/evals/headlines', '/admin/gates', '/health', '/ready'];
  const found: string[] = [];
  for (const p of paths) {
    const res = await fetch(`${gw.url}${p}`);
    assert.equal(res.status, 200, p);
    const out = new Set<string>();
    camelKeys(await res.json(), '', out);
    found.push(...[...out].map((k) => `${p} ${k}`));
  }
  assert.deepEqual(found, []);
});
