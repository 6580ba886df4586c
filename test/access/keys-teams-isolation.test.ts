/** Keys through /admin/keys: scopes, race restrictions, team isolation of reads, expiry and fast revocation. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';
import { mockContender, startTestGateway } from '../support/gateway.js';

const CONFIG = {
  auth: { mode: 'keys' },
  contenders: { m: mockContender('m'), n: mockContender('n') },
  races: { search: { champion: 'm' }, coder: { champion: 'n' } },
};

async function makeKey(url: string, admin: string, body: Record<string, unknown>) {
  const res = await fetch(`${url}/admin/keys`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: JSON.stringify(body) });
  assert.equal(res.status, 201, await res.clone().text());
  return (await res.json()) as { id: string; key: string; prefix: string; team: string };
}

function get(url: string, path: string, key: string) {
  return fetch(`${url}${path}`, { headers: { authorization: `Bearer ${key}` } });
}

test('team A cannot read, infer or spend against team B', async (t) => {
  const { url, key: admin } = await startTestGateway(t, CONFIG);
  const a = await makeKey(url, admin!, { team: 'team-a', scopes: ['chat', 'feedback'] });
  const b = await makeKey(url, admin!, { team: 'team-b', scopes: ['chat', 'feedback'] });
  assert.match(a.key, /^sk-saima-[A-Za-z0-9_-]{43}$/);
  const clientA = new OpenAI({ baseURL: `${url}/v1`, apiKey: a.key, maxRetries: 0 });
  const clientB = new OpenAI({ baseURL: `${url}/v1`, apiKey: b.key, maxRetries: 0 });
  const ra = await clientA.chat.completions.create({ model: 'search', messages: [{ role: 'user', content: 'a' }] }).withResponse();
  const rb = await clientB.chat.completions.create({ model: 'search', messages: [{ role: 'user', content: 'b' }] }).withResponse();
  const idA = ra.response.headers.get('x-saima-request-id')!;
  const idB = rb.response.headers.get('x-saima-request-id')!;

  const listA = (await (await get(url, '/admin/requests', a.key)).json()) as { data: Array<{ id: string; team: string }> };
  assert.deepEqual(listA.data.map((r) => r.id), [idA]);
  // Another team's request looks exactly like one that does not exist.
  const foreign = await get(url, `/admin/requests/${idB}`, a.key);
  const missing = await get(url, '/admin/requests/req_does-not-exist', a.key);
  assert.equal(foreign.status, 404);
  assert.equal(missing.status, 404);
  assert.deepEqual(
    { ...((await foreign.json()) as { error: object }).error, message: '' },
    { ...((await missing.json()) as { error: object }).error, message: '' },
  );
  // Nor can A attach feedback to B's request.
  const fb = await fetch(`${url}/v1/feedback`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${a.key}` }, body: JSON.stringify({ request_id: idB, thumbs: 'down' }) });
  assert.equal(fb.status, 404);
  // Spend: A sees only its own team, even when it asks for B's.
  const spend = (await (await get(url, '/admin/spend?by=team&team=team-b', a.key)).json()) as { data: Array<{ key: { team: string }; requests: number }> };
  assert.deepEqual(spend.data.map((g) => g.key.team), ['team-a']);
  // The admin sees both.
  const all = (await (await get(url, '/admin/spend?by=team', admin!)).json()) as { data: Array<{ key: { team: string } }> };
  assert.deepEqual(all.data.map((g) => g.key.team).sort(), ['team-a', 'team-b']);
  // Keys are admin-only.
  assert.equal((await get(url, '/admin/keys', a.key)).status, 403);
});

test('scopes and race restrictions are enforced', async (t) => {
  const { url, key: admin } = await startTestGateway(t, CONFIG);
  const voter = await makeKey(url, admin!, { team: 'x', scopes: ['feedback'] });
  const coderOnly = await makeKey(url, admin!, { team: 'x', scopes: ['chat'], races: ['coder'] });
  const post = (key: string, model: string) =>
    fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ model, messages: [{ role: 'user', content: 'x' }] }) });
  assert.equal((await post(voter.key, 'search')).status, 403);
  assert.equal((await post(coderOnly.key, 'coder')).status, 200);
  const hidden = await post(coderOnly.key, 'search');
  assert.equal(hidden.status, 404, 'a race the key may not call looks like no race at all');
  const models = (await (await get(url, '/v1/models', coderOnly.key)).json()) as { data: Array<{ id: string }> };
  assert.deepEqual(models.data.map((m) => m.id), ['coder']);
});

test('expired keys fail; revoked keys stop working within one second, even when revoked by another process', async (t) => {
  const { url, key: admin, gw } = await startTestGateway(t, CONFIG);
  const short = await makeKey(url, admin!, { team: 'x', scopes: ['chat'], expires: '1s' });
  assert.equal((await get(url, '/v1/models', short.key)).status, 200);
  await new Promise((r) => setTimeout(r, 1100));
  assert.equal((await get(url, '/v1/models', short.key)).status, 401);

  const k = await makeKey(url, admin!, { team: 'x', scopes: ['chat'] });
  assert.equal((await get(url, '/v1/models', k.key)).status, 200);
  // Revoke straight in the store, as `saima keys revoke` from another process would.
  await gw.store.apiKeys.revoke(k.id, Date.now());
  const t0 = Date.now();
  for (;;) {
    // Judged by when the request was sent: on a loaded machine the answer to an on-time request can arrive late.
    const sent = Date.now();
    if ((await get(url, '/v1/models', k.key)).status !== 200) break;
    assert.ok(sent - t0 < 1000, 'still accepted a second after revocation');
    await new Promise((r) => setTimeout(r, 50));
  }
  // Through the admin API the revocation is immediate on this replica.
  const k2 = await makeKey(url, admin!, { team: 'x', scopes: ['chat'] });
  assert.equal((await get(url, '/v1/models', k2.key)).status, 200);
  const del = await fetch(`${url}/admin/keys/${k2.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${admin}` } });
  assert.equal(((await del.json()) as { status: string }).status, 'revoked');
  assert.equal((await get(url, '/v1/models', k2.key)).status, 401);
  const listed = (await (await get(url, '/admin/keys', admin!)).json()) as { data: Array<Record<string, unknown>> };
  assert.ok(listed.data.every((row) => !('hash' in row) && !('key' in row)), 'listing never shows secrets or hashes');
});

test('bad key requests get clear 400s', async (t) => {
  const { url, key: admin } = await startTestGateway(t, CONFIG);
  const post = (body: unknown) => fetch(`${url}/admin/keys`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: JSON.stringify(body) });
  for (const [body, param] of [
    [{ scopes: ['chat'] }, 'team'],
    [{ team: 'x', scopes: ['fly'] }, 'scopes'],
    [{ team: 'x', expires: 'soon' }, 'expires'],
    [{ team: 'x', rpm: -1 }, 'rpm'],
  ] as const) {
    const res = await post(body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(((await res.json()) as { error: { param: string } }).error.param, param);
  }
});
