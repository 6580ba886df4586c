/**
 * The upstream half of the chaos suite: each fault a model server can throw at the gateway, as the official OpenAI
 * client sees it, what the request's row says, and how long until the client had its answer (or its error). The
 * assigned contender `bad` is a fault-injecting upstream; `spare` is its fallback. Each test prints its numbers
 * (docs/deploy.md's Failure modes table is filled from them).
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import OpenAI from 'openai';
import type { RequestLogRow } from '../../src/store/index.js';
import { startFakeOpenAI, type FakeOpenAI, type FakeOpenAIFault } from '../support/fake-openai-upstream.js';
import { mockContender, startTestGateway, type TestGateway } from '../support/gateway.js';

const ANSWER = 'one two three four five';
const FIRST_BYTE_MS = 300;

async function setup(t: TestContext, opts: { eventDelayMs?: number; totalMs?: number; splitEvery?: number } = {}): Promise<{ up: FakeOpenAI; g: TestGateway }> {
  const up = await startFakeOpenAI({ answer: ANSWER, ...(opts.eventDelayMs ? { eventDelayMs: opts.eventDelayMs } : {}), ...(opts.splitEvery ? { splitEvery: opts.splitEvery } : {}) });
  t.after(() => up.close());
  const g = await startTestGateway(t, {
    contenders: {
      bad: {
        provider: 'openai',
        base_url: up.url,
        api_key: 'sk-test',
        model: 'm',
        price: { input: 1, output: 1 },
        retry: { max_retries: 1, base_ms: 5, max_ms: 20 },
        timeouts: { first_byte_ms: FIRST_BYTE_MS, total_ms: opts.totalMs ?? 5_000 },
      },
      spare: mockContender('spare', { default_answer: 'spare answer' }),
    },
    races: { r: { champion: 'bad', fallbacks: ['spare'] } },
  });
  // The mock fallback loads its tokenizer on its first call: once per process, not part of any fault's time.
  await g.client.chat.completions.create({ model: 'spare', messages: [{ role: 'user', content: 'warm up' }] });
  return { up, g };
}

interface Seen {
  text: string;
  error: string | null;
  status: number | null;
  id: string;
  ms: number;
}

async function call(g: TestGateway, stream: boolean): Promise<Seen> {
  const t0 = performance.now();
  let text = '';
  let id = '';
  try {
    if (!stream) {
      const { data, response } = await g.client.chat.completions.create({ model: 'r', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
      return { text: data.choices[0]!.message.content ?? '', error: null, status: response.status, id: response.headers.get('x-saima-request-id')!, ms: performance.now() - t0 };
    }
    const { data, response } = await g.client.chat.completions.create({ model: 'r', stream: true, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    id = response.headers.get('x-saima-request-id')!;
    for await (const c of data) text += c.choices[0]?.delta.content ?? '';
    return { text, error: null, status: response.status, id, ms: performance.now() - t0 };
  } catch (err) {
    return { text, error: (err as Error).message, status: err instanceof OpenAI.APIError ? (err.status ?? null) : null, id, ms: performance.now() - t0 };
  }
}

async function rowOf(g: TestGateway, id: string): Promise<RequestLogRow> {
  await g.gw.store.requestLog.flush();
  const row = await g.gw.store.requests.getRequest(id);
  assert.ok(row, `row ${id}`);
  return row;
}

/** Faults before the first byte: retried once, then the fallback answers; the row names the assigned contender's failures. */
const rescued: Array<{ name: string; fault: FakeOpenAIFault; stream: boolean; code: string; message: RegExp; minMs?: number }> = [
  { name: '429', fault: { kind: 'status', status: 429, retryAfter: '0' }, stream: true, code: 'upstream_rate_limited', message: /rate limit/i },
  { name: '500', fault: { kind: 'status', status: 500 }, stream: true, code: 'upstream_error', message: /500/ },
  { name: 'reset before headers', fault: { kind: 'reset' }, stream: true, code: 'upstream_error', message: /reset|socket|closed|terminated/i },
  { name: 'hang before headers (stream)', fault: { kind: 'hang' }, stream: true, code: 'upstream_timeout', message: /first_byte_ms/, minMs: 2 * FIRST_BYTE_MS },
  { name: 'hang before headers (non-stream)', fault: { kind: 'hang' }, stream: false, code: 'upstream_timeout', message: /first_byte_ms/, minMs: 2 * FIRST_BYTE_MS },
  { name: 'error event first', fault: { kind: 'error_event', afterEvents: 0, message: 'The server is overloaded' }, stream: true, code: 'upstream_error', message: /upstream error event: .*overloaded/ },
  { name: 'invalid first event', fault: { kind: 'replay', body: 'data: {not json\n\n', contentType: 'text/event-stream' }, stream: true, code: 'upstream_error', message: /invalid stream event/ },
];

for (const c of rescued) {
  test(`upstream ${c.name}: retried, then the fallback answers; the row records both failed attempts`, async (t) => {
    const { up, g } = await setup(t);
    up.setFaults([c.fault, c.fault]);
    const seen = await call(g, c.stream);
    assert.equal(seen.error, null, 'the client gets an answer, not an error');
    assert.equal(seen.text, 'spare answer');
    assert.ok(seen.ms < 3_000, `answered in ${seen.ms.toFixed(0)} ms`);
    if (c.minMs) assert.ok(seen.ms >= c.minMs - 20, `two first_byte_ms waits came first: ${seen.ms.toFixed(0)} ms`);
    const row = await rowOf(g, seen.id);
    assert.equal(row.contender, 'spare');
    assert.equal(row.fallbackFrom, 'bad');
    assert.equal(row.outcome, 'ok');
    assert.equal(row.attempts, 3);
    assert.deepEqual(row.failedAttempts?.map((f) => [f.contender, f.code]), [['bad', c.code], ['bad', c.code]]);
    for (const f of row.failedAttempts!) assert.match(f.message, c.message);
    // The fault gone, the assigned contender answers the next call itself.
    const next = await call(g, c.stream);
    assert.equal(next.text, ANSWER);
    t.diagnostic(`${c.name}: client got the fallback's answer in ${seen.ms.toFixed(0)} ms (row latency ${row.latencyMs.toFixed(0)} ms); row: contender=spare fallback_from=bad failed_attempts=2×${c.code} (${row.failedAttempts!.map((f) => `${f.ms.toFixed(0)} ms`).join(', ')}); next call served by bad`);
  });
}

/** Faults after the first byte: too late to retry; the stream ends in one error event and the row says `cut`. */
const FIRST_EVENT = 'data: {"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"one"}}]}\n\n';
const cut: Array<{ name: string; fault: FakeOpenAIFault; message: RegExp; minMs?: number; splitEvery?: number }> = [
  { name: 'cut mid-stream', fault: { kind: 'cut', afterEvents: 2 }, message: /stream cut/ },
  { name: 'hang mid-body', fault: { kind: 'stall', afterEvents: 2 }, message: /stalled for 300 ms \(timeouts\.first_byte_ms\)/, minMs: FIRST_BYTE_MS },
  {
    name: 'invalid event mid-stream',
    fault: { kind: 'replay', body: `${FIRST_EVENT}data: {broken\n\n`, contentType: 'text/event-stream' },
    message: /invalid stream event/,
    // The first event reaches the gateway (and the client) in a read of its own, before the broken one.
    splitEvery: Buffer.byteLength(FIRST_EVENT),
  },
];

for (const c of cut) {
  test(`upstream ${c.name}: the client gets the text so far and one error event; the row says cut`, async (t) => {
    const { up, g } = await setup(t, c.splitEvery ? { splitEvery: c.splitEvery } : {});
    up.setFaults([c.fault]);
    const seen = await call(g, true);
    assert.match(seen.error ?? '', c.message);
    assert.ok(seen.text.length > 0 && ANSWER.startsWith(seen.text) && seen.text !== ANSWER, `a proper prefix: ${JSON.stringify(seen.text)}`);
    if (c.minMs) assert.ok(seen.ms >= c.minMs - 20, `ended after the stall limit: ${seen.ms.toFixed(0)} ms`);
    assert.ok(seen.ms < 2_000, `ended in ${seen.ms.toFixed(0)} ms`);
    const row = await rowOf(g, seen.id);
    assert.equal(row.contender, 'bad');
    assert.equal(row.outcome, 'cut');
    assert.equal(row.errorCode, 'upstream_stream_cut');
    assert.match(row.errorMessage ?? '', c.message);
    const next = await call(g, true);
    assert.equal(next.text, ANSWER);
    t.diagnostic(`${c.name}: client got ${JSON.stringify(seen.text)} then an error event after ${seen.ms.toFixed(0)} ms; row: outcome=cut error_code=upstream_stream_cut; next call whole`);
  });
}

test('a slow trickle within the stall limit is a slow answer, not a failure; past total_ms it is cut and says which limit fired', async (t) => {
  // 120 ms between events, under the 300 ms stall limit: every event resets the stall clock.
  const slow = await setup(t, { eventDelayMs: 120 });
  const whole = await call(slow.g, true);
  assert.equal(whole.error, null);
  assert.equal(whole.text, ANSWER);
  assert.ok(whole.ms >= 500, `the trickle took its time: ${whole.ms.toFixed(0)} ms`);
  const row = await rowOf(slow.g, whole.id);
  assert.equal(row.outcome, 'ok');
  assert.equal(row.contender, 'bad');
  assert.ok(row.latencyMs >= 500);

  // The same trickle with total_ms 450: cut at the limit, whatever the stall clock says.
  const capped = await setup(t, { eventDelayMs: 120, totalMs: 450 });
  const seen = await call(capped.g, true);
  assert.match(seen.error ?? '', /total_ms/);
  assert.ok(seen.ms >= 430 && seen.ms < 1_500, `cut at the total limit: ${seen.ms.toFixed(0)} ms`);
  const cutRow = await rowOf(capped.g, seen.id);
  assert.equal(cutRow.outcome, 'cut');
  assert.match(cutRow.errorMessage ?? '', /timeouts\.total_ms/);
  t.diagnostic(`slow trickle: whole answer in ${whole.ms.toFixed(0)} ms (row ok, latency ${row.latencyMs.toFixed(0)} ms); with total_ms 450 cut after ${seen.ms.toFixed(0)} ms (row cut, "${cutRow.errorMessage}")`);
});
