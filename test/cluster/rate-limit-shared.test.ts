/**
 * A requests-per-minute limit is one limit for the whole cluster: 90 concurrent requests from one team, dealt
 * round-robin over three replicas, admit the team's RPM (plus what refills while they run), not three times it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';
import { TEST_ADMIN_KEY, mockContender } from '../support/gateway.js';
import { clusterEnv, roundRobin, startReplicas } from './cluster-harness.js';

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
    },
    3,
    { env: { SAIMA_ADMIN_KEY: TEST_ADMIN_KEY } },
  );
  const next = roundRobin(replicas, TEST_ADMIN_KEY);
  const t0 = Date.now();
  const results = await Promise.allSettled(Array.from({ length: 90 }, (_, i) => next().chat.completions.create({ model: 'r', messages: [{ role: 'user', content: `hi ${i}` }] })));
  const ok = results.filter((r) => r.status === 'fulfilled').length;
  const codes = results.flatMap((r) => (r.status === 'rejected' ? [((r.reason as InstanceType<typeof OpenAI.APIError>).error as { code?: string } | undefined)?.code] : []));
  // The bucket refills continuously at RPM per minute.
  const refill = Math.ceil((RPM * (Date.now() - t0)) / 60_000);
  assert.ok(ok >= RPM && ok <= RPM + refill, `${ok} admitted for an RPM of ${RPM} (+${refill} refilled)`);
  assert.ok(codes.every((c) => c === 'rate_limit_exceeded'), JSON.stringify([...new Set(codes)]));

  // Every replica now refuses, with the shared bucket's numbers in the OpenAI-style headers.
  for (const r of replicas) {
    const res = await fetch(`${r.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` },
      body: JSON.stringify({ model: 'r', messages: [{ role: 'user', content: 'again' }] }),
    });
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('x-ratelimit-limit-requests'), String(RPM));
    assert.equal(res.headers.get('x-ratelimit-remaining-requests'), '0');
    assert.ok(Number(res.headers.get('retry-after')) >= 1);
  }
});
