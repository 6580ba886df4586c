/**
 * Access holds across three replicas sharing PostgreSQL and Redis: a key revoked through one replica is refused by
 * the others within the key cache's second; one team reading through any replica never sees another team's rows
 * written through the others; duplicate ratings of one answer, sent to all three replicas at once, count once; and
 * the evidence limit of a key is one limit for the whole cluster.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TEST_ADMIN_KEY, mockContender } from '../support/gateway.js';
import { clusterEnv, startReplicas } from './cluster-harness.js';

test('three replicas: revocation, team isolation, feedback once and the evidence limit', async (t) => {
  const env = await clusterEnv(t);
  const replicas = await startReplicas(
    t,
    env,
    {
      auth: { mode: 'keys' },
      key_defaults: { evidence_rpm: 40 },
      contenders: { m: mockContender('m'), n: mockContender('n') },
      races: { r: { champion: 'm', challengers: [{ contender: 'n', weight: 50 }] } },
    },
    3,
    { env: { SAIMA_ADMIN_KEY: TEST_ADMIN_KEY } },
  );
  const [a, b, c] = replicas.map((r) => r.url) as [string, string, string];
  const call = (url: string, method: string, path: string, key: string, body?: unknown) =>
    fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  const makeKey = async (team: string) => ((await (await call(a, 'POST', '/admin/keys', TEST_ADMIN_KEY, { team, scopes: ['chat', 'feedback'] })).json()) as { key: string; id: string });
  const alpha = await makeKey('alpha');
  const bravo = await makeKey('bravo');

  // Bravo's traffic through replica c; alpha reads through a and b.
  const bravoIds: string[] = [];
  for (let i = 0; i < 4; i++) {
    const res = await call(c, 'POST', '/v1/chat/completions', bravo.key, { model: 'r', messages: [{ role: 'user', content: `b${i}` }] });
    assert.equal(res.status, 200);
    bravoIds.push(res.headers.get('x-saima-request-id')!);
  }
  const mine = await call(a, 'POST', '/v1/chat/completions', alpha.key, { model: 'r', messages: [{ role: 'user', content: 'a' }] });
  const alphaId = mine.headers.get('x-saima-request-id')!;
  for (const url of [a, b]) {
    const text = await (await call(url, 'GET', '/admin/requests', alpha.key)).text();
    assert.ok(text.includes(alphaId));
    for (const id of bravoIds) assert.ok(!text.includes(id), `replica ${url} shows bravo's ${id}`);
    assert.equal((await call(url, 'GET', `/admin/requests/${bravoIds[0]}`, alpha.key)).status, 404);
    const report = (await (await call(url, 'GET', '/admin/races/r', alpha.key)).json()) as { contenders: Array<{ n: number }> };
    assert.equal(report.contenders.reduce((s, x) => s + x.n, 0), 1, 'a race report counts only alpha');
  }

  // Thirty identical ratings of one answer, ten through each replica at once, count once.
  const statuses = await Promise.all(Array.from({ length: 30 }, (_, i) => call(replicas[i % 3]!.url, 'POST', '/v1/feedback', alpha.key, { request_id: alphaId, thumbs: 'up' }).then((r) => r.status)));
  assert.deepEqual([...new Set(statuses)], [201]);
  const admin = (await (await call(b, 'GET', '/admin/races/r', TEST_ADMIN_KEY)).json()) as { feedback: Array<{ n: number }> };
  assert.equal(admin.feedback.reduce((s, f) => s + f.n, 0), 1);
  // The key's evidence limit (40 a minute) is shared: 10 more pass somewhere in the cluster, then every replica refuses.
  const more = await Promise.all(Array.from({ length: 15 }, (_, i) => call(replicas[i % 3]!.url, 'POST', '/v1/feedback', alpha.key, { request_id: alphaId, thumbs: 'up' }).then((r) => r.status)));
  assert.ok(more.filter((s) => s === 201).length <= 11, JSON.stringify(more));
  assert.ok(more.filter((s) => s === 429).length >= 4, JSON.stringify(more));

  // Revoked through a: b and c refuse it within the key cache's second.
  const listed = (await (await call(a, 'GET', '/admin/keys', TEST_ADMIN_KEY)).json()) as { data: Array<{ id: string; team: string }> };
  const bravoId = listed.data.find((k) => k.team === 'bravo')!.id;
  assert.equal((await call(a, 'DELETE', `/admin/keys/${bravoId}`, TEST_ADMIN_KEY)).status, 200);
  assert.equal((await call(a, 'GET', '/admin/requests', bravo.key)).status, 401, 'at once on the replica that revoked it');
  await new Promise((r) => setTimeout(r, 1100));
  for (const url of [b, c]) assert.equal((await call(url, 'POST', '/v1/chat/completions', bravo.key, { model: 'r', messages: [{ role: 'user', content: 'x' }] })).status, 401);
});
