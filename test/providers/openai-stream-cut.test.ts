/**
 * A stream that fails after bytes reached the client ends with exactly one OpenAI-style error event and no
 * `[DONE]`, and its outcome reports `upstream_stream_cut`: never a silent truncation. A client that goes away
 * still gets its outcome settled.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { createParser } from 'eventsource-parser';
import { OpenAIAdapter } from '../../src/providers/openai/adapter.js';
import type { CallOutcome, UpstreamCall } from '../../src/providers/spec.js';
import { UpstreamError } from '../../src/providers/upstream-error.js';
import { fakeOpenAIContender, startFakeOpenAI, type FakeOpenAIFault } from '../support/fake-openai-upstream.js';

const ANSWER = 'one two three four five six seven eight';

async function setup(t: TestContext, extra: Record<string, unknown> = {}) {
  const up = await startFakeOpenAI({ answer: ANSWER, eventDelayMs: 3 });
  const adapter = new OpenAIAdapter();
  t.after(async () => {
    await adapter.close();
    await up.close();
  });
  const contender = fakeOpenAIContender(up.url, { timeouts: { first_byte_ms: 300 }, ...extra });
  const call: UpstreamCall = { contender, body: { model: 'm', messages: [{ role: 'user', content: 'count' }], stream: true }, stream: true, clientWantsUsage: false, captureText: true, requestId: 'r' };
  return { up, adapter, call };
}

async function run(t: TestContext, fault: FakeOpenAIFault, extra: Record<string, unknown> = {}): Promise<{ raw: string; events: string[]; outcome: CallOutcome }> {
  const { up, adapter, call } = await setup(t, extra);
  up.setFaults([fault]);
  const reply = await adapter.send(call, new AbortController().signal);
  let raw = '';
  for await (const c of reply.body) raw += Buffer.from(c).toString();
  const events: string[] = [];
  const parser = createParser({ onEvent: (e) => events.push(e.data) });
  parser.feed(raw);
  return { raw, events, outcome: await reply.outcome };
}

function checkCut({ raw, events, outcome }: { raw: string; events: string[]; outcome: CallOutcome }, pattern: RegExp): void {
  assert.doesNotMatch(raw, /\[DONE\]/);
  assert.match(raw, /\n\ndata: \{"error":\{[^\n]*\}\}\n\n$/, 'the error event stands alone at the very end');
  const last = JSON.parse(events.at(-1)!) as { error: { message: string; type: string; param: null; code: string } };
  assert.deepEqual(Object.keys(last.error), ['message', 'type', 'param', 'code']);
  assert.equal(last.error.code, 'upstream_stream_cut');
  assert.equal(last.error.type, 'api_error');
  assert.match(last.error.message, pattern);
  const content = events
    .slice(0, -1)
    .map((e) => (JSON.parse(e) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? '')
    .join('');
  assert.ok(content.length > 0 && ANSWER.startsWith(content) && content !== ANSWER, `a proper prefix arrived: ${content}`);
  assert.equal(outcome.ok, false);
  assert.equal(outcome.error?.code, 'upstream_stream_cut');
  assert.equal(outcome.error?.phase, 'mid_stream');
  assert.match(outcome.error?.message ?? '', pattern);
  assert.equal(outcome.text, content, 'the captured text is what the client saw');
  assert.equal(outcome.usage, null);
}

test('a socket destroyed mid-stream ends with one upstream_stream_cut event', async (t) => {
  checkCut(await run(t, { kind: 'cut', afterEvents: 3 }), /stream cut: network error/);
});

test('an upstream that ends cleanly but without [DONE] is a cut, not a complete answer', async (t) => {
  const result = await run(t, { kind: 'no_done' });
  assert.equal(result.outcome.error?.code, 'upstream_stream_cut');
  assert.match(result.outcome.error?.message ?? '', /without data: \[DONE\]/);
  assert.equal(result.outcome.finishReason, 'stop', 'what was learned is kept');
  assert.match(result.raw, /"code":"upstream_stream_cut"/);
});

test('a stream that stalls mid-way is cut after first_byte_ms of silence', async (t) => {
  const t0 = performance.now();
  checkCut(await run(t, { kind: 'stall', afterEvents: 4 }), /stalled for 300 ms/);
  assert.ok(performance.now() - t0 >= 280);
});

test('total_ms bounds the whole call even while bytes keep coming', async (t) => {
  const { up, adapter, call } = await setup(t, { timeouts: { total_ms: 200 } });
  up.setFaults([{ kind: 'ok', answer: 'a '.repeat(200) }]);
  const reply = await adapter.send(call, new AbortController().signal);
  let raw = '';
  for await (const c of reply.body) raw += Buffer.from(c).toString();
  const outcome = await reply.outcome;
  assert.equal(outcome.error?.code, 'upstream_stream_cut');
  assert.match(outcome.error?.message ?? '', /within 200 ms/);
  assert.match(raw, /"code":"upstream_stream_cut"\}\}\n\n$/);
});

test('an error event from the upstream mid-stream is passed on once, and the outcome reports it', async (t) => {
  const { raw, outcome } = await run(t, { kind: 'error_event', afterEvents: 3, message: 'overloaded, try later' });
  assert.equal(raw.match(/"error"/g)?.length, 1, 'no second error event of ours');
  assert.equal(outcome.ok, false);
  assert.equal(outcome.error?.code, 'upstream_error');
  assert.equal(outcome.error?.phase, 'mid_stream');
  assert.match(outcome.error?.message ?? '', /overloaded, try later/);
});

test('a client that goes away mid-stream still gets its outcome settled', async (t) => {
  const { up, adapter, call } = await setup(t);
  up.setFaults([{ kind: 'ok', answer: 'word '.repeat(100) }]);
  const ac = new AbortController();
  const reply = await adapter.send(call, ac.signal);
  const it = reply.body[Symbol.asyncIterator]();
  assert.equal((await it.next()).done, false);
  ac.abort(); // the gateway stops pulling: the iterator stays parked at its yield
  const outcome = await reply.outcome;
  assert.equal(outcome.ok, true, 'not an upstream failure: the caller knows why it aborted');
  assert.ok(outcome.ttftMs !== null);
});

test('a consumer that stops early (return) settles the outcome', async (t) => {
  const { adapter, call } = await setup(t);
  const reply = await adapter.send(call, new AbortController().signal);
  for await (const _chunk of reply.body) break;
  const outcome = await reply.outcome;
  assert.equal(outcome.error, null);
});

test('a client that goes away before the first event gets a thrown, non-retryable error, not an empty success', async (t) => {
  const { up, adapter, call } = await setup(t);
  up.setFaults([{ kind: 'stall', afterEvents: 0 }]);
  const ac = new AbortController();
  const reply = await adapter.send(call, ac.signal);
  setTimeout(() => ac.abort(), 30);
  await assert.rejects(reply.body[Symbol.asyncIterator]().next(), (err: unknown) => err instanceof UpstreamError && !err.retryable && err.phase === 'first_byte');
  const outcome = await reply.outcome;
  assert.equal(outcome.ok, false);
});
