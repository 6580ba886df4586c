/**
 * An Anthropic Messages stream that carries an invalid event (unparsable JSON) or an `error` event fails its
 * attempt whether the event comes first or after the first byte, as an OpenAI stream does. First: a failure before
 * the first byte (retried, then the fallback serves, nothing of it reaches the client, the row says why). After:
 * the stream is cut with one error event, and the breaker counts it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type OpenAI from 'openai';
import { startFakeAnthropic, type FakeAnthropicFault } from '../support/fake-anthropic-upstream.js';
import { mockContender, startTestGateway } from '../support/gateway.js';

const ANSWER = 'one two three four five six';

function claude(url: string, extra: Record<string, unknown> = {}) {
  return { provider: 'anthropic', base_url: url, api_key: 'sk-ant-test-000000000000', model: 'claude-x', price: { input: 1, output: 1 }, ...extra };
}

async function drain(client: OpenAI, model: string): Promise<{ text: string; error: string | null; id: string | null; contender: string | null }> {
  let text = '';
  let id: string | null = null;
  let contender: string | null = null;
  try {
    const { data, response } = await client.chat.completions.create({ model, stream: true, messages: [{ role: 'user', content: 'count' }] }).withResponse();
    id = response.headers.get('x-saima-request-id');
    contender = response.headers.get('x-saima-contender');
    for await (const c of data) text += c.choices[0]?.delta.content ?? '';
    return { text, error: null, id, contender };
  } catch (err) {
    return { text, error: (err as Error).message, id, contender };
  }
}

const firstEvents: Array<[string, FakeAnthropicFault, RegExp]> = [
  ['unparsable JSON', { kind: 'invalid_event', afterEvents: 0 }, /invalid stream event/],
  ['an error event', { kind: 'error_event', afterEvents: 0, errorType: 'overloaded_error', message: 'Overloaded' }, /overloaded_error: Overloaded/],
];

for (const [name, fault, why] of firstEvents) {
  test(`an Anthropic stream whose first event is ${name}: retried, then the fallback serves; the client sees only the answer and the row says why`, async (t) => {
    const fake = await startFakeAnthropic({ answer: { text: ANSWER } });
    t.after(() => fake.close());
    const { client, gw } = await startTestGateway(t, {
      contenders: { claude: claude(fake.url, { retry: { max_retries: 1, base_ms: 1, max_ms: 5 } }), spare: mockContender('spare', { default_answer: 'spare answer' }) },
      races: { r: { champion: 'claude', fallbacks: ['spare'] } },
    });
    // The mock fallback loads its tokenizer on its first call: once per process, not part of any fault's time.
    await client.chat.completions.create({ model: 'spare', messages: [{ role: 'user', content: 'warm up' }] });
    // Once, then a good answer: the retry serves.
    fake.setFaults([fault, { kind: 'ok' }]);
    const retried = await drain(client, 'r');
    assert.equal(retried.error, null);
    assert.equal(retried.text, ANSWER, 'the client saw the retried answer whole, nothing of the broken attempt');
    assert.equal(retried.contender, 'claude');
    assert.equal(fake.requests.length, 2, 'the broken first event was retried');

    // Every time: the retry fails too, and the fallback serves.
    fake.setFaults([fault, fault]);
    const t0 = performance.now();
    const rescued = await drain(client, 'r');
    const ms = performance.now() - t0;
    assert.equal(rescued.error, null);
    assert.equal(rescued.text, 'spare answer');
    assert.equal(rescued.contender, 'spare');
    assert.equal(fake.requests.length, 4);

    await gw.store.requestLog.flush();
    const first = await gw.store.requests.getRequest(retried.id!);
    assert.equal(first?.contender, 'claude');
    assert.equal(first?.attempts, 2);
    assert.equal(first?.failedAttempts?.length, 1);
    assert.match(first!.failedAttempts![0]!.message, why);
    const row = await gw.store.requests.getRequest(rescued.id!);
    assert.equal(row?.contender, 'spare');
    assert.equal(row?.fallbackFrom, 'claude');
    assert.deepEqual(row?.failedAttempts?.map((f) => f.contender), ['claude', 'claude']);
    for (const f of row!.failedAttempts!) {
      assert.equal(f.code, 'upstream_error');
      assert.match(f.message, why);
    }
    t.diagnostic(`Anthropic ${name} first (twice): the fallback's answer in ${ms.toFixed(0)} ms; row: fallback_from=claude, failed_attempts=2×upstream_error`);
  });
}

const midStream: Array<[string, FakeAnthropicFault, RegExp]> = [
  // message_start, ping, content_block_start, then text deltas: after 5 events some text has reached the client.
  ['an invalid event', { kind: 'invalid_event', afterEvents: 5 }, /invalid stream event/],
  ['an error event', { kind: 'error_event', afterEvents: 5, errorType: 'api_error', message: 'Internal' }, /api_error: Internal/],
  ['a cut', { kind: 'cut', afterEvents: 5 }, /stream cut/],
];

for (const [name, fault, why] of midStream) {
  test(`Anthropic streams broken after the first byte by ${name} end in an error and open the breaker`, async (t) => {
    const fake = await startFakeAnthropic({ answer: { text: ANSWER }, eventDelayMs: 2 });
    t.after(() => fake.close());
    const { client, gw } = await startTestGateway(t, {
      contenders: { claude: claude(fake.url, { breaker: { failure_threshold: 3, cooldown_ms: 60_000 }, retry: { max_retries: 0 } }) },
    });
    fake.setFaults([fault, fault, fault, fault]);
    const ids: string[] = [];
    let slowest = 0;
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const r = await drain(client, 'claude');
      slowest = Math.max(slowest, performance.now() - t0);
      assert.match(r.error ?? '', why, `call ${i} ends in an error, not silently`);
      assert.ok(r.text.length > 0 && ANSWER.startsWith(r.text) && r.text !== ANSWER, `a proper prefix reached the client first: ${JSON.stringify(r.text)}`);
      ids.push(r.id!);
    }
    await new Promise((r) => setTimeout(r, 50));
    const fourth = await drain(client, 'claude');
    assert.match(fourth.error ?? '', /circuit open/);
    assert.equal(fake.requests.length, 3, 'the open breaker kept the fourth call away from the upstream');
    await gw.store.requestLog.flush();
    for (const id of ids) {
      const row = await gw.store.requests.getRequest(id);
      assert.equal(row?.outcome, 'cut');
      assert.equal(row?.errorCode, 'upstream_stream_cut');
      assert.match(row?.errorMessage ?? '', why);
    }
    t.diagnostic(`Anthropic ${name} after the first byte: text so far then one error event (slowest ${slowest.toFixed(0)} ms); rows cut; breaker open after 3`);
  });
}
