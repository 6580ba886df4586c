/**
 * The breaker judges an attempt by how its answer ended: a contender whose streams are always cut, stalled or
 * broken after the first byte loses its traffic like one that fails before it. An invalid first event is a
 * failure before the first byte: retried, then a fallback serves, and the client never sees it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';
import { startFakeOpenAI, type FakeOpenAIFault } from '../support/fake-openai-upstream.js';
import { startTestGateway } from '../support/gateway.js';

function contender(url: string, extra: Record<string, unknown> = {}) {
  return { provider: 'openai', base_url: url, api_key: 'sk-test', model: 'm', price: { input: 1, output: 1 }, ...extra };
}

async function drain(client: OpenAI, model: string): Promise<{ text: string; error: string | null }> {
  let text = '';
  try {
    for await (const c of await client.chat.completions.create({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] })) text += c.choices[0]?.delta.content ?? '';
    return { text, error: null };
  } catch (err) {
    return { text, error: (err as Error).message };
  }
}

const midStream: Array<[string, FakeOpenAIFault]> = [
  ['cut', { kind: 'cut', afterEvents: 2 }],
  ['stall', { kind: 'stall', afterEvents: 2 }],
  ['invalid event', { kind: 'replay', body: 'data: {"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"a"}}]}\n\ndata: {broken\n\n', contentType: 'text/event-stream' }],
];

for (const [name, fault] of midStream) {
  test(`streams that fail after the first byte (${name}) open the breaker`, async (t) => {
    const up = await startFakeOpenAI({ answer: 'one two three four five' });
    t.after(() => up.close());
    const { client } = await startTestGateway(t, {
      contenders: { bad: contender(up.url, { breaker: { failure_threshold: 3, cooldown_ms: 60_000 }, retry: { max_retries: 0 }, timeouts: { first_byte_ms: 300 } }) },
    });
    up.setFaults([fault, fault, fault, fault, fault]);
    for (let i = 0; i < 3; i++) {
      const r = await drain(client, 'bad');
      assert.ok(r.error !== null, `call ${i} ends in an error, not silently`);
    }
    await new Promise((r) => setTimeout(r, 50));
    const fourth = await drain(client, 'bad');
    assert.match(fourth.error ?? '', /circuit open/);
    assert.equal(up.requests.length, 3, 'the open breaker kept the fourth call away from the upstream');
  });
}

test('an invalid first event is a failure before the first byte: retried, never shown to the client', async (t) => {
  const up = await startFakeOpenAI({ answer: 'fine answer' });
  t.after(() => up.close());
  const { client } = await startTestGateway(t, { contenders: { c: contender(up.url, { retry: { max_retries: 1, base_ms: 1 } }) } });
  up.setFaults([{ kind: 'replay', body: 'data: {not json at all\n\ndata: [DONE]\n\n', contentType: 'text/event-stream' }, { kind: 'ok' }]);
  const r = await drain(client, 'c');
  assert.equal(r.error, null);
  assert.equal(r.text, 'fine answer');
  assert.equal(up.requests.length, 2);
});

test('a non-stream call to an upstream that hangs before headers fails over after first_byte_ms, not total_ms, and says which limit fired', async (t) => {
  const hung = await startFakeOpenAI({});
  const good = await startFakeOpenAI({ answer: 'rescued' });
  t.after(() => Promise.all([hung.close(), good.close()]));
  const { client, gw } = await startTestGateway(t, {
    contenders: {
      slow: contender(hung.url, { timeouts: { first_byte_ms: 300 }, retry: { max_retries: 0 } }),
      spare: contender(good.url),
    },
    races: { r: { champion: 'slow', fallbacks: ['spare'] } },
  });
  hung.setFaults([{ kind: 'hang' }, { kind: 'hang' }]);
  const t0 = performance.now();
  const { data: rescued, response } = await client.chat.completions.create({ model: 'r', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
  const ms = performance.now() - t0;
  assert.equal(rescued.choices[0]!.message.content, 'rescued');
  assert.ok(ms < 2_000, `rescued in ${ms.toFixed(0)} ms`);
  // The rescued row says why the assigned contender failed, and how long it took.
  await gw.store.requestLog.flush();
  const row = await gw.store.requests.getRequest(response.headers.get('x-saima-request-id')!);
  assert.equal(row?.contender, 'spare');
  assert.equal(row?.fallbackFrom, 'slow');
  assert.equal(row?.failedAttempts?.length, 1);
  const [failed] = row!.failedAttempts!;
  assert.equal(failed!.contender, 'slow');
  assert.equal(failed!.code, 'upstream_timeout');
  assert.match(failed!.message, /first_byte_ms/);
  assert.ok(failed!.ms >= 250 && failed!.ms < 1_500, `the failed attempt took ${failed!.ms} ms`);

  const alone = await client.chat.completions.create({ model: 'slow', messages: [{ role: 'user', content: 'hi' }] }).then(() => null, (e: unknown) => e);
  assert.ok(alone instanceof OpenAI.APIError);
  assert.equal(alone.status, 504);
  assert.match(alone.message, /no response headers within 300 ms \(timeouts\.first_byte_ms\)/);
});

test('a non-stream body that stalls half-way fails after the stall limit (first_byte_ms) and the fallback answers', async (t) => {
  const stalled = await startFakeOpenAI({ answer: 'never whole' });
  const good = await startFakeOpenAI({ answer: 'rescued' });
  t.after(() => Promise.all([stalled.close(), good.close()]));
  const { client } = await startTestGateway(t, {
    contenders: {
      slow: contender(stalled.url, { timeouts: { first_byte_ms: 300 }, retry: { max_retries: 0 } }),
      spare: contender(good.url),
    },
    races: { r: { champion: 'slow', fallbacks: ['spare'] } },
  });
  stalled.setFaults([{ kind: 'stall', afterEvents: 0 }, { kind: 'stall', afterEvents: 0 }]);
  const t0 = performance.now();
  const rescued = await client.chat.completions.create({ model: 'r', messages: [{ role: 'user', content: 'hi' }] });
  const ms = performance.now() - t0;
  assert.equal(rescued.choices[0]!.message.content, 'rescued');
  assert.ok(ms >= 250 && ms < 2_000, `rescued in ${ms.toFixed(0)} ms`);
  const alone = await client.chat.completions.create({ model: 'slow', messages: [{ role: 'user', content: 'hi' }] }).then(() => null, (e: unknown) => e);
  assert.ok(alone instanceof OpenAI.APIError);
  assert.match(alone.message, /stalled for 300 ms \(timeouts\.first_byte_ms\)/);
});
