/**
 * The prompt estimate behind a budget covers every billable field, and costs linear time. Against an upstream that
 * bills every text it receives (legacy `functions`, images, tool results, response_format schemas), 200 concurrent
 * requests under a budget sized for 40 settle within the limit plus one request's maximum. The estimate of a body
 * near the body limit takes milliseconds, not the minutes a whole-body byte-pair count took.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { estimatePrompt } from '../../src/metering/prompt-estimate.js';
import { loadEncoding } from '../../src/providers/chat-tokens.js';
import { startBillingUpstream, type BillingUpstreamOptions } from '../support/fake-billing-upstream.js';
import { startTestGateway } from '../support/gateway.js';

const N = 40;
const INPUT_PRICE = 10; // CNY per million tokens; output is free so only the prompt matters here

async function budgeted(t: TestContext, upstream: BillingUpstreamOptions, perRequestTokens: number) {
  const up = await startBillingUpstream(upstream);
  t.after(() => up.close());
  const limit = N * perRequestTokens * INPUT_PRICE * 1_000;
  const gw = await startTestGateway(t, {
    contenders: { m: { provider: 'openai', base_url: up.url, api_key: 'sk-upstream-test', model: 'm-1', price: { input: INPUT_PRICE, output: 0, currency: 'CNY' } } },
    races: { r: { champion: 'm' } },
    budgets: { daily: { race: 'r', period: 'day', limit: limit / 1e9, currency: 'CNY' } },
  });
  return { up, gw, limit };
}

function settled(dbFile: string): { spent: number; most: number } {
  const db = new Database(dbFile, { readonly: true });
  try {
    return db.prepare('select coalesce(sum(cost_nanos), 0) as spent, coalesce(max(cost_nanos), 0) as most from requests').get() as { spent: number; most: number };
  } finally {
    db.close();
  }
}

const text = (n: number) => 'The quick brown fox jumps over the lazy dog, again and again. '.repeat(n);

const HOSTILE_BODIES: Record<string, (i: number) => Record<string, unknown>> = {
  'legacy functions with 40 kB of text': (i) => ({ messages: [{ role: 'user', content: `q ${i}` }], functions: [{ name: 'lookup', description: text(650) }] }),
  'four images by URL and base64': (i) => ({
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: `q ${i}` },
          ...[0, 1].map(() => ({ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } })),
          ...[0, 1].map(() => ({ type: 'image_url', image_url: { url: `data:image/png;base64,${'iVBORw0KGgo'.repeat(20)}` } })),
        ],
      },
    ],
  }),
  'a tool result, a tool call and a response_format schema': (i) => ({
    messages: [
      { role: 'user', content: `q ${i}` },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: JSON.stringify({ q: text(20) }) } }] },
      { role: 'tool', tool_call_id: 'c1', content: [{ type: 'text', text: text(100) }] },
    ],
    response_format: { type: 'json_schema', json_schema: { name: 's', schema: { type: 'object', description: text(100) } } },
  }),
};

for (const [name, body] of Object.entries(HOSTILE_BODIES)) {
  test(`a budget holds with ${name}`, async (t) => {
    // One request's real bill, measured on a gateway without budget; the budget is sized for N of them.
    const probe = await startBillingUpstream({ delayMs: 0 });
    t.after(() => probe.close());
    const free = await startTestGateway(t, { contenders: { m: { provider: 'openai', base_url: probe.url, api_key: 'sk-upstream-test', model: 'm-1' } } });
    const one = await free.client.chat.completions.create({ model: 'm', max_tokens: 1, ...body(0) } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming);
    const perRequest = one.usage!.prompt_tokens;
    assert.ok(perRequest > 400, `one request bills ${perRequest} prompt tokens`);

    const { gw, limit } = await budgeted(t, {}, perRequest);
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) => gw.client.chat.completions.create({ model: 'r', max_tokens: 1, ...body(i) } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming)),
    );
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    const codes = new Set(results.flatMap((r) => (r.status === 'rejected' ? [((r.reason as InstanceType<typeof OpenAI.APIError>).error as { code?: string })?.code] : [])));
    assert.deepEqual([...codes], ['budget_exceeded']);
    const { spent, most } = settled(gw.dbFile);
    assert.ok(ok > 0 && spent <= limit + most, `${ok} admitted; spent ${spent / 1e9} CNY of ${limit / 1e9}`);
  });
}

test('the prompt estimate of a body near the body limit is linear: milliseconds, and an upper bound', async () => {
  // Unbroken runs of one letter, CJK and base64: the inputs a byte-pair encoder fed whole is slowest on.
  const content = ['a'.repeat(1_600_000), '我们的模型在比赛中胜出了'.repeat(40_000), Buffer.from('x'.repeat(700_000)).toString('base64')].join(' ');
  const parsed = { model: 'r', max_tokens: 1, messages: [{ role: 'user', content }] };
  await loadEncoding();
  const t0 = performance.now();
  const estimate = await estimatePrompt(parsed);
  const estimateMs = performance.now() - t0;
  // A byte-pair encoder fed this body whole takes minutes; the event loop under such bodies: large-bodies.test.ts.
  assert.ok(estimateMs < 100, `estimate took ${estimateMs.toFixed(1)} ms`);
  assert.ok(estimate.tokens >= Buffer.byteLength(content) - 16_384, 'past the tokenized share, one token per byte: an upper bound');
});
