/** An Anthropic contender behind the gateway, as the official OpenAI client sees it, including a fallback. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { startFakeAnthropic } from '../support/fake-anthropic-upstream.js';
import { mockContender, startTestGateway } from '../support/gateway.js';

test('the OpenAI client talks to a Claude contender; usage and cost land in the log; a 529 falls back', async (t) => {
  const fake = await startFakeAnthropic({ answer: { text: 'Bonjour!', thinking: 'French greeting.', usage: { input_tokens: 20, output_tokens: 5, cache_read_input_tokens: 10 } } });
  t.after(() => fake.close());
  const { client, dbFile } = await startTestGateway(t, {
    contenders: {
      claude: { provider: 'anthropic', base_url: fake.url, api_key: 'sk-ant-test-000000000000', model: 'claude-x', price: { input: 3, cached_input: 0.3, output: 15, currency: 'USD' }, retry: { max_retries: 0 } },
      spare: mockContender('spare', { default_answer: 'spare answer' }),
    },
    races: { r: { champion: 'claude', fallbacks: ['spare'] } },
  });
  const { data, response } = await client.chat.completions
    .create({ model: 'r', messages: [{ role: 'system', content: 'Answer in French.' }, { role: 'user', content: 'Hello' }] })
    .withResponse();
  assert.equal(data.choices[0]!.message.content, 'Bonjour!');
  assert.equal(response.headers.get('x-saima-contender'), 'claude');
  const sent = fake.requests.at(-1)!;
  assert.equal(sent.headers['x-api-key'], 'sk-ant-test-000000000000');
  assert.equal(sent.body.system, 'Answer in French.');
  assert.equal(sent.body.model, 'claude-x');

  const stream = await client.chat.completions.create({ model: 'r', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Hello' }] });
  let text = '';
  let usage = null;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? '';
    if (chunk.usage) usage = chunk.usage;
  }
  assert.equal(text, 'Bonjour!');
  assert.ok(usage && usage.prompt_tokens === 30 && usage.completion_tokens === 5);

  fake.setFaults([{ kind: 'status', status: 529 }]);
  const fb = await client.chat.completions.create({ model: 'r', messages: [{ role: 'user', content: 'Hello' }] }).withResponse();
  assert.equal(fb.response.headers.get('x-saima-contender'), 'spare');

  const db = new Database(dbFile, { readonly: true });
  t.after(() => db.close());
  const row = db.prepare('select * from requests where id = ?').get(response.headers.get('x-saima-request-id')) as Record<string, number | string>;
  assert.equal(row.prompt_tokens, 30);
  assert.equal(row.cached_tokens, 10);
  // (20 uncached × 3 + 10 cached × 0.3 + 5 × 15) per million = 138e-6 USD = 138,000 nanos.
  assert.equal(row.cost_nanos, 138_000);
  assert.equal(row.currency, 'USD');
});
