/**
 * A stream that fails after content reached the client ends with exactly one OpenAI-style error event and no
 * `[DONE]`, and its outcome reports the cut; a client that goes away still gets its outcome settled.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { createParser } from 'eventsource-parser';
import { AnthropicAdapter } from '../../src/providers/anthropic/adapter.js';
import type { CallOutcome, UpstreamCall } from '../../src/providers/spec.js';
import { fakeAnthropicContender, startFakeAnthropic, type FakeAnthropicFault } from '../support/fake-anthropic-upstream.js';

const TEXT = 'one two three four five six seven eight';

async function setup(t: TestContext) {
  // A pause between events, so they reach the adapter in separate reads as a real stream does.
  const fake = await startFakeAnthropic({ answer: { text: TEXT }, chunkChars: 4, eventDelayMs: 5 });
  const adapter = new AnthropicAdapter();
  t.after(async () => {
    await adapter.close();
    await fake.close();
  });
  const contender = fakeAnthropicContender(fake.url);
  const call: UpstreamCall = { contender, body: { model: 'claude-test', messages: [{ role: 'user', content: 'count' }] }, stream: true, clientWantsUsage: true, captureText: true, requestId: 'r' };
  return { fake, adapter, call };
}

async function run(t: TestContext, fault: FakeAnthropicFault): Promise<{ events: string[]; outcome: CallOutcome }> {
  const { fake, adapter, call } = await setup(t);
  fake.setFaults([fault]);
  const reply = await adapter.send(call, new AbortController().signal);
  const events: string[] = [];
  const parser = createParser({ onEvent: (e) => events.push(e.data) });
  for await (const c of reply.body) parser.feed(Buffer.from(c).toString('utf8'));
  return { events, outcome: await reply.outcome };
}

function checkCut(events: string[], outcome: CallOutcome, messagePattern: RegExp): void {
  assert.ok(!events.includes('[DONE]'), 'a cut stream must not end with [DONE]');
  const last = JSON.parse(events.at(-1)!) as { error?: { message: string; type: string; param: null; code: string } };
  assert.equal(last.error?.code, 'upstream_stream_cut');
  assert.equal(last.error?.type, 'api_error');
  assert.equal(last.error?.param, null);
  assert.match(last.error?.message ?? '', messagePattern);
  assert.equal(events.filter((e) => e.includes('"error"')).length, 1, 'exactly one error event');
  const content = events.slice(0, -1).map((e) => (JSON.parse(e) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? '').join('');
  assert.ok(content.length > 0 && TEXT.startsWith(content) && content !== TEXT, `a proper prefix was delivered: ${JSON.stringify(content)}`);
  assert.equal(outcome.ok, false);
  assert.equal(outcome.error?.code, 'upstream_stream_cut');
  assert.equal(outcome.error?.phase, 'mid_stream');
  assert.match(outcome.error?.message ?? '', messagePattern);
  assert.equal(outcome.text, content, 'the captured text is what the client saw');
  assert.equal(outcome.finishReason, null);
}

test('a socket cut mid-stream ends with one upstream_stream_cut error event', async (t) => {
  // message_start, ping, content_block_start, then 4 text deltas: the cut lands inside the text.
  const { events, outcome } = await run(t, { kind: 'cut', afterEvents: 7 });
  checkCut(events, outcome, /stream cut/);
});

test('an error event mid-stream ends the same way and names the upstream error', async (t) => {
  const { events, outcome } = await run(t, { kind: 'error_event', afterEvents: 6, errorType: 'overloaded_error', message: 'Overloaded' });
  checkCut(events, outcome, /overloaded_error: Overloaded/);
});

test('when the consumer stops reading and the call is aborted, the outcome still settles', async (t) => {
  const { adapter, call } = await setup(t);
  const ac = new AbortController();
  const reply = await adapter.send(call, ac.signal);
  const it = reply.body[Symbol.asyncIterator]();
  const first = await it.next();
  assert.equal(first.done, false);
  ac.abort(); // the client went away; the gateway holds the chunk and never pulls again
  const outcome = await Promise.race([reply.outcome, new Promise<'stuck'>((r) => setTimeout(() => r('stuck'), 2000))]);
  assert.notEqual(outcome, 'stuck');
  assert.equal((outcome as CallOutcome).finishReason, null);
});
