/**
 * The prompt estimate behind a budget covers every billable field, and costs linear time. Against an upstream that
 * bills every text it receives (legacy `functions`, images, tool results, response_format schemas), 200 concurrent
 * requests under a budget sized for 40 settle within the limit plus one request's maximum. A body near the body
 * limit is admitted under a budget without stalling the event loop: p99 delay ≤ 20 ms, /health answers meanwhile.
 */
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
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

/** Event-loop delay (ms) in this process while `gw` takes one 3.9 MB body every two seconds, /health polled. */
async function loopDelayUnderLargeBodies(url: string, body: Buffer): Promise<{ p99: number; max: number; healthWorst: number }> {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  let healthWorst = 0;
  let polling = true;
  const poll = (async () => {
    while (polling) {
      const t0 = performance.now();
      const res = await fetch(`${url}/health`);
      assert.equal(res.status, 200);
      await res.arrayBuffer();
      healthWorst = Math.max(healthWorst, performance.now() - t0);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  delay.enable();
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const answer = await res.text();
    assert.equal(res.status, 200, answer);
    await new Promise((r) => setTimeout(r, Math.max(0, 2000 - (performance.now() - t0))));
  }
  delay.disable();
  polling = false;
  await poll;
  return { p99: delay.percentile(99) / 1e6, max: delay.max / 1e6, healthWorst };
}

test('a body near the body limit is admitted under a budget without stalling the event loop', async (t) => {
  // The upstream bills body bytes / 4 without parsing them, so the event loop measured is the gateway's.
  const upstream = { promptBytesPerToken: 4, skipParse: true, uncappedTokens: 1, delayMs: 0 };
  const { gw } = await budgeted(t, upstream, 2_000_000);
  const bare = await startBillingUpstream(upstream);
  t.after(() => bare.close());
  const unbudgeted = await startTestGateway(t, { contenders: { m: { provider: 'openai', base_url: bare.url, api_key: 'sk-upstream-test', model: 'm-1' } }, races: { r: { champion: 'm' } } });
  // Unbroken runs of one letter, CJK and base64: the inputs a byte-pair encoder fed whole is slowest on.
  const content = ['a'.repeat(1_600_000), '我们的模型在比赛中胜出了'.repeat(40_000), Buffer.from('x'.repeat(700_000)).toString('base64')].join(' ');
  const body = Buffer.from(JSON.stringify({ model: 'r', max_tokens: 1, messages: [{ role: 'user', content }] }));
  assert.ok(body.length > 3_900_000 && body.length < 4 * 1024 * 1024, `${body.length} bytes`);

  // The gateway loads the tokenizer's tables at start (a pause of a few hundred ms, once): not part of a request.
  await loadEncoding();
  const without = await loopDelayUnderLargeBodies(unbudgeted.url, body);
  const withBudget = await loopDelayUnderLargeBodies(gw.url, body);
  const report = `p99 ${withBudget.p99.toFixed(1)} ms, max ${withBudget.max.toFixed(1)} ms under a budget; p99 ${without.p99.toFixed(1)} ms without`;
  // Parsing, re-serialising and sending 3.9 MB of JSON pauses the loop for tens (at first, hundreds) of ms with or
  // without a budget; the estimate must add no more than a pause of its own (~10 ms), where a byte-pair encoder fed
  // the same body whole blocked for seconds.
  assert.ok(withBudget.p99 <= Math.max(20, without.p99 + 10), report);
  assert.ok(withBudget.healthWorst < 1000, `/health took up to ${withBudget.healthWorst.toFixed(0)} ms; ${report}`);
});
