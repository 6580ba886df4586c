/**
 * A manual rollback on one replica changes routing on the other two within a second: the change is announced on
 * Redis pub/sub and each replica re-reads the race state from the store at once (its one-second poll is only the
 * safety net, so the event counter must show the announcement arrived).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mockContender } from '../support/gateway.js';
import { clusterEnv, metric, startReplicas } from './cluster-harness.js';

async function servedBy(url: string, user: string): Promise<string> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-saima-user': user },
    body: JSON.stringify({ model: 'assistant', messages: [{ role: 'user', content: 'hello' }] }),
  });
  assert.equal(res.status, 200);
  await res.arrayBuffer();
  return res.headers.get('x-saima-contender') ?? '';
}

test('a rollback on one replica reroutes the other two within one second', async (t) => {
  const env = await clusterEnv(t);
  const [a, b, c] = await startReplicas(
    t,
    env,
    {
      contenders: { champ: mockContender('champ'), chall: mockContender('chall') },
      races: { assistant: { champion: 'champ', challengers: [{ contender: 'chall', weight: 50 }] } },
    },
    3,
  );
  // A sticky user whom the split sends to the challenger, on every replica.
  let user = '';
  for (let i = 0; i < 50 && !user; i++) if ((await servedBy(b!.url, `user-${i}`)) === 'chall') user = `user-${i}`;
  assert.ok(user, 'some user lands on the challenger at 50%');
  assert.equal(await servedBy(c!.url, user), 'chall', 'stickiness is the same on every replica');

  const res = await fetch(`${a!.url}/admin/races/assistant/rollback`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ contender: 'chall', reason: 'cluster test: roll back' }),
  });
  assert.equal(res.status, 200, await res.text());
  const t0 = performance.now();
  const rerouted = await Promise.all(
    [b!, c!].map(async (r) => {
      while (performance.now() - t0 < 3_000) {
        if ((await servedBy(r.url, user)) === 'champ') return performance.now() - t0;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return Infinity;
    }),
  );
  t.diagnostic(`rerouted after ${rerouted.map((ms) => ms.toFixed(0)).join(' and ')} ms`);
  for (const ms of rerouted) assert.ok(ms < 1_000, `rerouted after ${ms.toFixed(0)} ms`);
  for (const r of [b!, c!]) assert.ok((await metric(r.url, 'saima_cluster_race_events_received_total')) >= 1, 'the announcement reached the replica');
  assert.equal(await metric(a!.url, 'saima_cluster_race_events_received_total'), 0, 'a replica ignores its own announcements');
});
