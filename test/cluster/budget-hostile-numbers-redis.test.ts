/**
 * The hostile-number sweep against the shared backends: two replicas (PostgreSQL + Redis budgets and limits) take
 * 600 random bodies with huge, negative, fractional, string and exponent caps and `n` combinations, a price-0
 * downgrade target and a budget covering it; every budget figure, gauge and rate-limit header stays finite.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulberry32 } from '../../src/stats/mulberry32.js';
import { mockContender } from '../support/gateway.js';
import { clusterEnv, startReplicas } from './cluster-harness.js';

test('random hostile bodies leave Redis budgets, buckets and headers finite', async (t) => {
  const env = await clusterEnv(t);
  const replicas = await startReplicas(
    t,
    env,
    {
      contenders: {
        big: mockContender('big', { default_answer: 'word '.repeat(300) }, { price: { input: 1, output: 10, currency: 'CNY' }, context_window: 32_768 }),
        free: mockContender('free', {}, { price: { input: 0, output: 0, currency: 'CNY' } }),
      },
      races: { r: { champion: 'big' } },
      teams: { ops: { limits: { rpm: 1_000_000, tpm: 50_000_000 } } },
      budgets: {
        month: { race: 'r', period: 'month', limit: 0.01, currency: 'CNY', on_exceed: 'downgrade', downgrade_to: 'free' },
        daily: { period: 'day', limit: 100, currency: 'CNY' },
      },
    },
    2,
  );
  const random = mulberry32(16);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const numbers = [1e308, -1e308, 1e20, 2 ** 53, 2 ** 53 + 2, 1_048_577, 40_000, 4096, 100, 1, 0, -1, 0.5, '100', '1e3', null, true, {}];
  const statuses = new Map<number, number>();
  for (let i = 0; i < 600; i++) {
    const body: Record<string, unknown> = { model: pick(['r', 'r', 'free']), messages: [{ role: 'user', content: `hostile ${i}` }] };
    for (const f of ['max_tokens', 'max_completion_tokens', 'n']) if (random() < 0.6) body[f] = f === 'n' && random() < 0.5 ? pick([2, 3, 128]) : pick(numbers);
    let raw = JSON.stringify(body);
    if (random() < 0.05) raw = raw.replace(/"messages"/, '"max_tokens":1e400,"messages"');
    const res = await fetch(`${replicas[i % 2]!.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw });
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    assert.ok([200, 400, 429].includes(res.status), `${res.status} for ${raw}`);
    await res.arrayBuffer();
    for (const [h, v] of res.headers) if (h.startsWith('x-ratelimit-') && !h.startsWith('x-ratelimit-reset')) assert.ok(Number.isFinite(Number(v)), `${h}: ${v}`);
  }
  assert.ok((statuses.get(200) ?? 0) > 30 && (statuses.get(400) ?? 0) > 30, JSON.stringify([...statuses]));
  for (const r of replicas) {
    const budgets = ((await (await fetch(`${r.url}/admin/budgets`)).json()) as { data: Array<{ name: string; spent: number; reserved: number }> }).data;
    for (const b of budgets) assert.ok(Number.isFinite(b.spent) && Number.isFinite(b.reserved) && b.spent >= 0 && b.reserved >= 0, JSON.stringify(b));
    const metrics = await (await fetch(`${r.url}/metrics`)).text();
    assert.deepEqual(metrics.split('\n').filter((l) => /^saima_(budget|rate)/.test(l) && /\s(NaN|[+-]?Inf)/.test(l)), []);
  }
});
