/**
 * The hostile budget paths on three replicas (PostgreSQL + Redis): two cap fields against an upstream that honours
 * the larger, no cap against an upstream that writes 10,000 tokens uncapped, legacy functions against an upstream
 * that bills every text, and shadows under a race budget. 200 concurrent requests dealt round-robin under one budget
 * sized for 40 settle within the limit plus one request's maximum.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import OpenAI from 'openai';
import { openStore } from '../../src/store/index.js';
import { startBillingUpstream, type BillingUpstreamOptions } from '../support/fake-billing-upstream.js';
import { mockContender } from '../support/gateway.js';
import { clusterEnv, roundRobin, startReplicas } from './cluster-harness.js';

const N = 40;

async function run(t: TestContext, doc: Record<string, unknown>, body: (i: number) => Record<string, unknown>, perRequestNanos: number) {
  const env = await clusterEnv(t);
  const limit = N * perRequestNanos;
  const replicas = await startReplicas(t, env, { ...doc, budgets: { b: { race: 'r', period: 'day', limit: limit / 1e9, currency: 'CNY' } } }, 3);
  const next = roundRobin(replicas);
  const results = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => next().chat.completions.create({ model: 'r', ...body(i) } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming)));
  const ok = results.filter((r) => r.status === 'fulfilled').length;
  const codes = new Set(results.flatMap((r) => (r.status === 'rejected' ? [((r.reason as InstanceType<typeof OpenAI.APIError>).error as { code?: string } | undefined)?.code] : [])));
  await Promise.all(replicas.map((r) => r.close()));
  const store = await openStore(env.storeUrl);
  t.after(() => store.close());
  const rows = await store.requests.spendRows({ since: 0 });
  const spent = rows.reduce((s, r) => s + r.costNanos, 0);
  return { ok, codes, spent, limit };
}

function upstreamDoc(up: { url: string }, price: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { contenders: { m: { provider: 'openai', base_url: up.url, api_key: 'sk-upstream-test', model: 'm-1', price, ...extra } }, races: { r: { champion: 'm' } } };
}

async function billing(t: TestContext, opts: BillingUpstreamOptions) {
  const up = await startBillingUpstream(opts);
  t.after(() => up.close());
  return up;
}

const OUT = { input: 0, output: 10, currency: 'CNY' };
const IN = { input: 10, output: 0, currency: 'CNY' };

test('three replicas: max_completion_tokens 1 beside max_tokens 200', async (t) => {
  const up = await billing(t, { honours: 'max_tokens' });
  const r = await run(t, upstreamDoc(up, OUT), (i) => ({ max_completion_tokens: 1, max_tokens: 200, messages: [{ role: 'user', content: `q ${i}` }] }), 200 * 10_000);
  assert.deepEqual([...r.codes], ['budget_exceeded']);
  assert.ok(r.ok >= N - 2 && r.spent <= r.limit + 200 * 10_000, `${r.ok} served, spent ${r.spent / r.limit} of the limit`);
});

test('three replicas: no cap against an upstream writing 10,000 tokens uncapped', async (t) => {
  const up = await billing(t, { honours: 'max_tokens', uncappedTokens: 10_000 });
  const r = await run(t, upstreamDoc(up, OUT, { max_output_tokens: 1000 }), (i) => ({ messages: [{ role: 'user', content: `q ${i}` }] }), 1000 * 10_000);
  assert.ok(r.ok >= N - 2 && r.spent <= r.limit + 1000 * 10_000, `${r.ok} served, spent ${r.spent / r.limit} of the limit`);
});

test('three replicas: 40 kB of legacy functions', async (t) => {
  const up = await billing(t, {});
  const description = 'The quick brown fox jumps over the lazy dog, again and again. '.repeat(650);
  const r = await run(t, upstreamDoc(up, IN), (i) => ({ max_tokens: 1, functions: [{ name: 'lookup', description }], messages: [{ role: 'user', content: `q ${i}` }] }), 9_000 * 10_000);
  assert.ok(r.ok > 0 && r.spent <= r.limit + 45_000 * 10_000, `${r.ok} served, spent ${r.spent / r.limit} of the limit`);
});

test('three replicas: shadows pay from the race budget', async (t) => {
  const answer = { default_answer: 'word '.repeat(200) };
  const doc = {
    contenders: { m: mockContender('m', answer, { price: OUT }), s: mockContender('s', answer, { price: OUT }) },
    races: { r: { champion: 'm', shadow: { contender: 's', rate: 1 } } },
  };
  const r = await run(t, doc, (i) => ({ max_tokens: 50, messages: [{ role: 'user', content: `q ${i}` }] }), 50 * 10_000);
  assert.ok(r.ok > 0 && r.spent <= r.limit + 50 * 10_000, `${r.ok} served, spent ${r.spent / r.limit} of the limit`);
});
