/**
 * CallAbort, the per-request cancellation the gateway uses instead of AbortController: AbortSignal's semantics
 * for the members we use, and undici honours it before headers and mid-body like a real signal.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CallAbort } from '../../src/providers/call-signal.js';
import { OpenAIAdapter } from '../../src/providers/openai/adapter.js';
import type { UpstreamCall } from '../../src/providers/spec.js';
import { fakeOpenAIContender, startFakeOpenAI } from '../support/fake-openai-upstream.js';

test('listeners run once at the first abort, in order; removed ones and late ones never run', () => {
  const abort = new CallAbort();
  const seen: string[] = [];
  const a = () => seen.push('a');
  const b = () => seen.push('b');
  const c = () => seen.push('c');
  abort.signal.addEventListener('abort', a);
  abort.signal.addEventListener('abort', b, { once: true });
  abort.signal.addEventListener('abort', a); // a second registration of the same listener is ignored, as EventTarget does
  abort.signal.addEventListener('abort', c);
  abort.signal.removeEventListener('abort', c);
  assert.equal(abort.signal.aborted, false);
  assert.equal(abort.signal.reason, undefined);
  const reason = new Error('client went away');
  abort.abort(reason);
  abort.abort(new Error('second'));
  assert.deepEqual(seen, ['a', 'b']);
  assert.equal(abort.signal.aborted, true);
  assert.equal(abort.signal.reason, reason);
  abort.signal.addEventListener('abort', c);
  assert.deepEqual(seen, ['a', 'b'], 'a listener added after the abort does not run');
});

test('the default reason is an AbortError, as AbortController gives', () => {
  const abort = new CallAbort();
  abort.abort();
  assert.ok(abort.signal.reason instanceof DOMException);
  assert.equal((abort.signal.reason as DOMException).name, 'AbortError');
});

test('a throwing listener surfaces as an uncaught exception and the others still run', async () => {
  const abort = new CallAbort();
  const seen: string[] = [];
  abort.signal.addEventListener('abort', () => {
    throw new Error('listener broke');
  });
  abort.signal.addEventListener('abort', () => seen.push('after'));
  const listeners = process.listeners('uncaughtException');
  process.removeAllListeners('uncaughtException');
  const caught = new Promise<Error>((resolve) => process.once('uncaughtException', resolve));
  try {
    abort.abort();
    assert.deepEqual(seen, ['after']);
    assert.equal((await caught).message, 'listener broke');
  } finally {
    for (const l of listeners) process.on('uncaughtException', l);
  }
});

const call = (url: string, stream: boolean): UpstreamCall => ({
  contender: fakeOpenAIContender(url),
  body: { model: 'm', messages: [{ role: 'user', content: 'hi' }] },
  stream,
  clientWantsUsage: false,
  captureText: false,
  requestId: 'r',
});

test('undici stops a call waiting for headers when the CallAbort fires', async (t) => {
  const fake = await startFakeOpenAI({ faults: [{ kind: 'hang' }] });
  const adapter = new OpenAIAdapter();
  t.after(async () => {
    await adapter.close();
    await fake.close();
  });
  const abort = new CallAbort();
  // Aborted once the upstream holds the request (on a busy machine a fixed delay could fire before it arrives).
  const sent = adapter.send(call(fake.url, false), abort.signal);
  while (fake.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
  const started = performance.now();
  abort.abort();
  await assert.rejects(sent, /aborted/);
  const took = performance.now() - started;
  assert.ok(took < 2_000, `the hanging call ended ${took.toFixed(0)} ms after the abort`);
  assert.equal(fake.requests.length, 1);
});

test('an abort mid-stream ends the body and records a failed outcome', async (t) => {
  const fake = await startFakeOpenAI({ answer: 'one two three four five six seven eight nine ten', eventDelayMs: 40 });
  const adapter = new OpenAIAdapter();
  t.after(async () => {
    await adapter.close();
    await fake.close();
  });
  const abort = new CallAbort();
  const reply = await adapter.send(call(fake.url, true), abort.signal);
  let events = 0;
  await assert.rejects(
    (async () => {
      for await (const chunk of reply.body) {
        events += Buffer.from(chunk).toString('utf8').split('data: ').length - 1;
        if (events >= 2) abort.abort();
      }
    })(),
  );
  const outcome = await reply.outcome;
  assert.equal(outcome.ok, false);
  assert.ok(events < 10, `the stream went on for ${events} events after the abort`);
});
