/**
 * A requests-per-minute limit is one limit for the whole cluster: 90 concurrent requests from one team, dealt
 * round-robin over three replicas, admit the team's RPM (plus what refills while they run), not three times it,
 * and the replicas refuse the rest with the shared bucket's numbers. A budget asked in the same round trip keeps no
 * hold of a refused request.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TEST_ADMIN_KEY, mockContender } from '../support/gateway.js';
import { clusterEnv, startReplicas } from './cluster-harness.js';

const RPM = 30;

test('a team RPM limit is shared by three replicas', async (t) => {
  const env = await clusterEnv(t);
  const replicas = await startReplicas(
    t,
    env,
    {
      auth: { mode: 'keys' },
      contenders: { m: mockContender('m') },
      races: { r: { champion: 'm' } },
      teams: { admin: { limits: { rpm: RPM } } },
      budgets: { daily: { race: 'r', period: 'day', limit: 100, currency: 'CNY' } },
    },
    3,
    { env: { SAIMA_ADMIN_KEY: TEST_ADMIN_KEY } },
  );
  const t0 = Date.now();
  const results = await Promise.all(
    Array.from({ length: 90 }, async (_, i) => {
      const replica = i % 3;
      const res = await fetch(`${replicas[replica]!.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` },
        body: JSON.stringify({ model: 'r', messages: [{ role: 'user', content: `hi ${i}` }] }),
      });
      const body = (await res.json()) as { error?: { code: string } };
      return { replica, status: res.status, code: body.error?.code ?? null, limit: res.headers.get('x-ratelimit-limit-requests'), retryAfter: Number(res.headers.get('retry-after')) };
    }),
  );
  // The bucket refills continuously at RPM per minute.
  const refill = Math.ceil((RPM * (Date.now() - t0)) / 60_000);
  const ok = results.filter((r) => r.status === 200).length;
  assert.ok(ok >= RPM && ok <= RPM + refill, `${ok} admitted for an RPM of ${RPM} (+${refill} refilled)`);
  const refused = results.filter((r) => r.status !== 200);
  assert.ok(refused.every((r) => r.status === 429 && r.code === 'rate_limit_exceeded' && r.retryAfter >= 1), JSON.stringify(refused[0]));
  assert.ok(results.every((r) => r.limit === String(RPM)), 'every answer reports the one shared limit');
  // Alone, each replica would have admitted all 30 of its requests.
  assert.ok(new Set(refused.map((r) => r.replica)).size >= 2, 'refusals came from several replicas');

  // The budget was asked alongside the limiter; the holds of refused requests were given back, the others settled.
  await Promise.all(replicas.map((r) => r.close()));
  const windows = (await env.redis.keys(`${env.prefix}budget:daily:*`)).filter((k) => !k.endsWith(':holds'));
  assert.equal(windows.length, 1);
  assert.equal(Number(await env.redis.hget(windows[0]!, 'reserved')), 0, 'no hold left behind');
  assert.equal(await env.redis.zcard(`${windows[0]!}:holds`), 0);
});
