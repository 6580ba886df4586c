/**
 * Lost calls settled while running: three replicas (PostgreSQL + Redis) share a budget; one is killed with -9 while
 * its budgeted calls are with a slow upstream that serves and bills every one. Without any restart, the surviving
 * replicas find its heartbeat gone, log each of its unlogged calls as `lost` at its reservation, and add that spend to
 * the shared budget: upstream calls served = rows + lost rows, and the budget counts them all.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sql } from 'kysely';
import { openStore } from '../../src/store/index.js';
import { startBillingUpstream } from '../support/fake-billing-upstream.js';
import { clusterEnv, spawnReplica, startReplicas } from './cluster-harness.js';

const MAX_TOKENS = 100;
const PER_CALL_NANOS = MAX_TOKENS * 10 * 1_000;

test('a live replica settles a killed replica\'s in-flight calls as lost, and the shared budget counts them', async (t) => {
  const env = await clusterEnv(t);
  const up = await startBillingUpstream({ honours: 'max_tokens', delayMs: 2_500 });
  t.after(() => up.close());
  const spools = mkdtempSync(join(tmpdir(), 'saima-lost-live-'));
  t.after(() => rmSync(spools, { recursive: true, force: true }));
  const doc = (name: string) => ({
    log: { level: 'silent' },
    contenders: { m: { provider: 'openai', base_url: up.url, api_key: 'sk-upstream-test', model: 'm-1', price: { input: 0, output: 10 } } },
    budgets: { day: { contender: 'm', period: 'day', limit: (1000 * PER_CALL_NANOS) / 1e9, currency: 'CNY' } },
    store_options: { spool_path: join(spools, `${name}.jsonl`) },
  });
  const victim = await spawnReplica(t, env, doc('victim'));
  const survivors = await startReplicas(t, env, doc('survivor'), 2);
  const urls = [victim.url, ...survivors.map((s) => s.url)];
  const ask = (url: string, i: number) =>
    fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', max_tokens: MAX_TOKENS, messages: [{ role: 'user', content: `q ${i}` }] }) })
      .then((r) => r.status)
      .catch(() => null);
  // 60 calls round-robin over the three replicas: 20 of them with the victim when it dies.
  const calls = Array.from({ length: 60 }, (_, i) => ask(urls[i % 3]!, i));
  for (let i = 0; i < 200 && up.requests.length < 60; i++) await new Promise((r) => setTimeout(r, 25));
  assert.equal(up.requests.length, 60, 'every call reached the upstream');
  victim.child.kill('SIGKILL');
  const statuses = await Promise.all(calls);
  assert.equal(statuses.filter((s) => s === 200).length, 40, 'the survivors answered theirs');
  assert.equal(statuses.filter((s) => s === null).length, 20, "the victim's clients saw no answer");

  const store = await openStore(env.storeUrl);
  t.after(() => store.close());
  const count = async () =>
    (await sql<{ served: string; lost: string; spent: string }>`select count(*) filter (where outcome = 'ok') as served, count(*) filter (where outcome = 'lost') as lost, coalesce(sum(cost_nanos), 0) as spent from requests`.execute(store.db)).rows[0]!;
  const t0 = Date.now();
  let c = await count();
  while (Number(c.lost) < 20 && Date.now() - t0 < 20_000) {
    await new Promise((r) => setTimeout(r, 250));
    c = await count();
  }
  console.log(`rows ${c.served}, lost rows ${c.lost} after ${Date.now() - t0} ms without a restart; upstream served ${up.requests.length}`);
  assert.equal(Number(c.served) + Number(c.lost), up.requests.length, 'upstream calls served = rows + lost rows');
  assert.equal(Number(c.lost), 20);
  assert.equal(Number(c.spent), 60 * PER_CALL_NANOS);
  const journal = await store.db.selectFrom('admissions').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  assert.equal(Number(journal.n), 0, 'the journal is empty');
  // The charges follow the sweep's commit by a Redis round trip.
  const key = (await env.redis.keys(`${env.prefix}budget:day:*`)).find((k) => !k.endsWith(':holds'))!;
  const spent = async () => Number(await env.redis.hget(key, 'spent'));
  for (let i = 0; i < 40 && (await spent()) < 60 * PER_CALL_NANOS; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(await spent(), 60 * PER_CALL_NANOS, 'the shared budget counts every call, the lost ones too');
});
