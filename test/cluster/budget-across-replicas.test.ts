/**
 * Three replicas, one hard budget sized for N requests, 300 concurrent requests dealt round-robin: the budget is
 * one budget, not one per replica. About N succeed (alone, each replica would have admitted N of its 100), the
 * rest get `budget_exceeded`, and the spend settled in the shared request log stays within the budget plus one
 * request's settle-vs-reserve error.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';
import { mockContender } from '../support/gateway.js';
import { clusterEnv, roundRobin, startReplicas } from './cluster-harness.js';
import { openStore } from '../../src/store/index.js';

const N = 40;
const MAX_TOKENS = 50;
const PRICE = { input: 2, output: 10, currency: 'CNY' }; // per million tokens

test('a hard budget holds across three replicas under 300 concurrent requests', async (t) => {
  const env = await clusterEnv(t);
  // About one request's cost: a short prompt (priced, so reservation and settle can differ) + MAX_TOKENS of output.
  const perRequest = ((15 * PRICE.input + MAX_TOKENS * PRICE.output) / 1e6) * 1e9;
  const replicas = await startReplicas(
    t,
    env,
    {
      contenders: { m: mockContender('m', { default_answer: 'word '.repeat(200) }, { price: PRICE }) },
      races: { r: { champion: 'm' } },
      budgets: { daily: { race: 'r', period: 'day', limit: (N * perRequest) / 1e9, currency: 'CNY' } },
    },
    3,
  );
  const next = roundRobin(replicas);
  const results = await Promise.allSettled(
    Array.from({ length: 300 }, (_, i) =>
      next().chat.completions.create({ model: 'r', max_tokens: MAX_TOKENS, messages: [{ role: 'user', content: `question ${i}` }] }).withResponse(),
    ),
  );
  const ok = results.filter((r) => r.status === 'fulfilled');
  const codes = results.flatMap((r) => (r.status === 'rejected' ? [((r.reason as InstanceType<typeof OpenAI.APIError>).error as { code?: string } | undefined)?.code] : []));
  // Alone, each replica would have admitted about N of its 100; together they admit about N in all.
  assert.ok(ok.length >= N - 2 && ok.length <= N + 2, `${ok.length} succeeded for a budget of about ${N}`);
  assert.ok(codes.every((c) => c === 'budget_exceeded'), JSON.stringify([...new Set(codes)]));

  await Promise.all(replicas.map((r) => r.close()));
  const store = await openStore(env.storeUrl);
  t.after(() => store.close());
  const rows = (await store.requests.spendRows({ since: 0 })).filter((r) => r.costNanos > 0);
  assert.equal(rows.length, ok.length, 'one logged, paid row per success');
  const spent = rows.reduce((s, r) => s + r.costNanos, 0);
  const one = Math.max(...rows.map((r) => r.costNanos));
  const limit = Math.round(N * perRequest);
  assert.ok(spent <= limit + one, `settled ${spent} nanos against a limit of ${limit}`);
  assert.ok(spent > limit - 2 * one, `the budget was used (${spent} of ${limit}), not refused early`);
});
