/**
 * Budgets resume from the request log only when Redis has no state for the period: a replica that starts while
 * others run finds the shared window and leaves it alone (SET NX), so its seed never counts the spend twice.
 * After a Redis loss, the window is rebuilt from the log: at a replica's start, or at the next reservation.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mockContender } from '../support/gateway.js';
import { openStore } from '../../src/store/index.js';
import { periodKey } from '../../src/metering/periods.js';
import { clusterEnv, deletePrefix, startReplicas } from './cluster-harness.js';

const TZ = 'Asia/Shanghai';

test('a starting replica seeds a budget from the log only if Redis has no window for the period', async (t) => {
  const env = await clusterEnv(t);
  const doc = {
    time_zone: TZ,
    contenders: { m: mockContender('m', {}, { price: { input: 3, output: 7, currency: 'CNY' } }) },
    races: { r: { champion: 'm' } },
    budgets: { monthly: { race: 'r', period: 'month', limit: 100, currency: 'CNY' } },
  };
  const window = `${env.prefix}budget:monthly:${periodKey(Date.now(), 'month', TZ)}`;
  const chat = (url: string, n: number) =>
    Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'r', messages: [{ role: 'user', content: `q${i}` }] }) });
        assert.equal(res.status, 200);
        await res.arrayBuffer();
      }),
    );
  const logged = async () => {
    const store = await openStore(env.storeUrl);
    try {
      return (await store.requests.spendRows({ since: 0 })).reduce((s, r) => s + r.costNanos, 0);
    } finally {
      await store.close();
    }
  };

  const [a] = await startReplicas(t, env, doc, 1);
  await chat(a!.url, 5);
  const [b] = await startReplicas(t, env, doc, 1);
  await Promise.all([chat(a!.url, 5), chat(b!.url, 5)]);
  await Promise.all([a!.close(), b!.close()]);
  const spent = await logged();
  assert.ok(spent > 0);
  assert.equal(Number(await env.redis.hget(window, 'spent')), spent, 'Redis holds exactly the logged spend: the second seed was skipped');
  assert.equal(Number(await env.redis.hget(window, 'reserved')), 0, 'every reservation was settled');

  // Redis lost its state: two replicas start, the first seeds from the log, the second finds it seeded.
  await deletePrefix(env.redis, env.prefix);
  const [c, d] = await startReplicas(t, env, doc, 2);
  assert.equal(Number(await env.redis.hget(window, 'spent')), spent);
  assert.ok((await env.redis.pttl(window)) > 28 * 86_400_000, 'the window outlives its month');

  // Redis loses it again while they run: the next reservation rebuilds the window from the log.
  await deletePrefix(env.redis, env.prefix);
  await Promise.all([chat(c!.url, 3), chat(d!.url, 3)]);
  await Promise.all([c!.close(), d!.close()]);
  const total = await logged();
  assert.ok(total > spent);
  assert.equal(Number(await env.redis.hget(window, 'spent')), total, 'rebuilt from the log, then every settle counted once');
});
