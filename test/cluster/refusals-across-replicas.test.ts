/**
 * Refusals in a cluster: three replicas share one team RPM limit and one store; each counts the requests it refuses
 * and adds its counts into the same per-minute record, so any replica's `GET /admin/requests?outcome=refused` shows
 * one record holding every replica's refusals.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { TEST_ADMIN_KEY, mockContender } from '../support/gateway.js';
import { clusterEnv, startReplicas } from './cluster-harness.js';

const RPM = 10;

test('three replicas add their refusals into one record per minute', async (t) => {
  const env = await clusterEnv(t);
  const replicas = await startReplicas(
    t,
    env,
    { auth: { mode: 'keys' }, contenders: { m: mockContender('m') }, races: { r: { champion: 'm' } }, teams: { admin: { limits: { rpm: RPM } } } },
    3,
    { env: { SAIMA_ADMIN_KEY: TEST_ADMIN_KEY } },
  );
  // Every call below falls in one minute: start early enough in it.
  const into = Date.now() % 60_000;
  if (into > 45_000) await new Promise((r) => setTimeout(r, 60_000 - into + 100));
  const statuses = await Promise.all(
    Array.from({ length: 60 }, async (_, i) => {
      const res = await fetch(`${replicas[i % 3]!.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` },
        body: JSON.stringify({ model: 'r', messages: [{ role: 'user', content: `hi ${i}` }] }),
      });
      await res.arrayBuffer();
      return { replica: i % 3, status: res.status };
    }),
  );
  const refused = statuses.filter((s) => s.status === 429);
  assert.ok(refused.length >= 60 - RPM - 2, `${refused.length} refused`);
  assert.ok(new Set(refused.map((s) => s.replica)).size === 3, 'every replica refused some');
  await Promise.all(replicas.map((r) => r.store.refusalLog.flush()));

  for (const replica of replicas) {
    const res = await fetch(`${replica.url}/admin/requests?outcome=refused`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
    const page = (await res.json()) as { data: Array<{ count: number; error_code: string; team: string }>; refused_requests: number };
    assert.equal(page.data.length, 1, 'one record for the minute, whatever replica counted');
    assert.deepEqual([page.data[0]!.count, page.data[0]!.error_code, page.data[0]!.team, page.refused_requests], [refused.length, 'rate_limit_exceeded', 'admin', refused.length]);
  }
  const stored = await sql<{ n: number }>`select count(*) as n from refusals`.execute(replicas[0]!.store.db);
  assert.equal(Number(stored.rows[0]!.n), 1);
});
