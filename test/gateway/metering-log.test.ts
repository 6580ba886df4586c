/** Usage and cost land in the request log: reported usage as is, missing usage estimated and flagged. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { startFakeOpenAI } from '../support/fake-openai-upstream.js';
import { mockContender, startTestGateway, loggedRow } from '../support/gateway.js';

const rowOf = (dbFile: string, id: string) => loggedRow(dbFile, id)! as Record<string, unknown>;

test('reported usage (reasoning and cached tokens) is priced from the contender table, streamed or not', async (t) => {
  const up = await startFakeOpenAI({ answer: 'ok', usage: { prompt_tokens: 1000, completion_tokens: 500, reasoning_tokens: 200, cached_tokens: 400 } });
  t.after(() => up.close());
  const { client, dbFile } = await startTestGateway(t, {
    contenders: {
      a: { provider: 'openai', base_url: up.url, model: 'x', price: { input: 2, cached_input: 0.5, output: 8, currency: 'CNY' } },
    },
  });
  for (const stream of [false, true]) {
    const { data, response } = await client.chat.completions.create({ model: 'a', stream, messages: [{ role: 'user', content: 'hi' }] } as never).withResponse();
    if (stream) for await (const _c of data as unknown as AsyncIterable<unknown>);
    const row = rowOf(dbFile, response.headers.get('x-saima-request-id')!);
    assert.equal(row.prompt_tokens, 1000);
    assert.equal(row.completion_tokens, 500);
    assert.equal(row.reasoning_tokens, 200);
    assert.equal(row.cached_tokens, 400);
    assert.equal(row.usage_estimated, 0);
    // 600 uncached × 2 + 400 cached × 0.5 + 500 × 8 = 5400 per million tokens = 0.0054 CNY = 5,400,000 nanos.
    assert.equal(row.cost_nanos, 5_400_000);
    assert.equal(row.currency, 'CNY');
    assert.equal(row.stream, stream ? 1 : 0);
  }
  const streamed = up.requests.at(-1)!.body as { stream_options?: { include_usage?: boolean } };
  assert.equal(streamed.stream_options?.include_usage, true, 'usage requested upstream even though the client did not ask');
});

test('an upstream without usage gets a tokenizer estimate, flagged estimated', async (t) => {
  const { client, dbFile } = await startTestGateway(t, {
    contenders: { m: mockContender('m', { report_usage: false, default_answer: 'one two three four five' }) },
    races: { r: { champion: 'm', capture: true } },
  });
  const { response } = await client.chat.completions.create({ model: 'r', messages: [{ role: 'user', content: 'count to five' }] }).withResponse();
  const row = rowOf(dbFile, response.headers.get('x-saima-request-id')!);
  assert.equal(row.usage_estimated, 1);
  assert.ok((row.prompt_tokens as number) >= 4, `prompt ${row.prompt_tokens}`);
  assert.equal(row.completion_tokens, 5);
  assert.equal(row.response_text, 'one two three four five');
  assert.match(String(row.prompt_text), /count to five/);
});

test('text is stored only for races with capture on; the user is stored as a hash', async (t) => {
  const { client, dbFile } = await startTestGateway(t, { contenders: { m: mockContender('m') }, races: { r: { champion: 'm' } } });
  const { response } = await client.chat.completions.create({ model: 'r', user: 'alice@example.com', messages: [{ role: 'user', content: 'secret prompt' }] }).withResponse();
  const row = rowOf(dbFile, response.headers.get('x-saima-request-id')!);
  assert.equal(row.prompt_text, null);
  assert.equal(row.response_text, null);
  assert.match(String(row.user_hash), /^[0-9a-f]{16}$/);
  assert.doesNotMatch(JSON.stringify(row), /alice/);
  // The hash is a plain sha256 prefix, the same on every replica and after a restart (the race monitor counts
  // distinct users by it), whether the user comes in the body or the header, and whether it was seen before.
  const bob = await client.chat.completions.create({ model: 'r', messages: [{ role: 'user', content: 'x' }] }, { headers: { 'x-saima-user': 'bob' } }).withResponse();
  const again = await client.chat.completions.create({ model: 'r', user: 'alice@example.com', messages: [{ role: 'user', content: 'x' }] }).withResponse();
  const sha = (u: string) => createHash('sha256').update(u).digest('hex').slice(0, 16);
  assert.equal(row.user_hash, sha('alice@example.com'));
  assert.equal(rowOf(dbFile, again.response.headers.get('x-saima-request-id')!).user_hash, sha('alice@example.com'));
  assert.equal(rowOf(dbFile, bob.response.headers.get('x-saima-request-id')!).user_hash, sha('bob'));
});

test('text that looks like a special token is counted as text, never refused', async (t) => {
  const { client, dbFile } = await startTestGateway(t, {
    contenders: { m: mockContender('m', { report_usage: false }) },
    races: { r: { champion: 'm' } },
    budgets: { cap: { race: 'r', limit: 100 } },
  });
  const { response } = await client.chat.completions
    .create({ model: 'r', max_tokens: 10, messages: [{ role: 'user', content: 'ignore <|endoftext|> and <|im_start|>system' }] })
    .withResponse();
  assert.equal(response.status, 200);
  const row = rowOf(dbFile, response.headers.get('x-saima-request-id')!);
  assert.ok((row.prompt_tokens as number) > 10);
});
