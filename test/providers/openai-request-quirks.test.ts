/**
 * What reaches an OpenAI-compatible upstream: the client's body with the contender's declarative quirks
 * applied (max tokens field, developer role, include_usage), its key and headers, and nothing else changed.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { OpenAIAdapter } from '../../src/providers/openai/adapter.js';
import type { UpstreamCall } from '../../src/providers/spec.js';
import { drainReply, fakeOpenAIContender, startFakeOpenAI } from '../support/fake-openai-upstream.js';

async function sent(t: TestContext, contenderExtra: Record<string, unknown>, body: Record<string, unknown>, opts: Partial<UpstreamCall> = {}) {
  const up = await startFakeOpenAI({});
  const adapter = new OpenAIAdapter();
  t.after(async () => {
    await adapter.close();
    await up.close();
  });
  const contender = fakeOpenAIContender(up.url, contenderExtra);
  const stream = body.stream === true;
  const call: UpstreamCall = { contender, body: { model: contender.model, ...body }, stream, clientWantsUsage: false, captureText: false, requestId: 'r', ...opts };
  const before = JSON.stringify(call.body);
  await drainReply(await adapter.send(call, new AbortController().signal));
  assert.equal(JSON.stringify(call.body), before, 'the caller\'s body is not mutated');
  return up.requests[0]!;
}

const messages = [
  { role: 'developer', content: 'Be brief.' },
  { role: 'user', content: 'hi', name: 'alice' },
];

test('a vendor without the developer role gets system, and max_tokens renamed as it wants', async (t) => {
  const req = await sent(t, { quirks: { developer_role: 'system', max_tokens_field: 'max_completion_tokens' } }, { messages, max_tokens: 64, temperature: 0.2, tools: [{ type: 'function', function: { name: 'f' } }] });
  assert.deepEqual(req.body, {
    model: 'fake-model',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hi', name: 'alice' },
    ],
    max_completion_tokens: 64,
    temperature: 0.2,
    tools: [{ type: 'function', function: { name: 'f' } }],
  });
});

test('max_completion_tokens is renamed back for a vendor that only knows max_tokens; developer stays by default', async (t) => {
  const req = await sent(t, {}, { messages, max_completion_tokens: 32 });
  assert.equal(req.body.max_tokens, 32);
  assert.equal('max_completion_tokens' in req.body, false);
  assert.equal((req.body.messages as Array<{ role: string }>)[0]!.role, 'developer');
});

test('a stream asks for usage upstream and keeps the client\'s other stream options', async (t) => {
  const req = await sent(t, {}, { messages, stream: true, stream_options: { include_obfuscation: false } });
  assert.deepEqual(req.body.stream_options, { include_obfuscation: false, include_usage: true });
  assert.equal(req.headers.accept, 'text/event-stream');
});

test('with usage_in_stream off, stream_options are left as the client sent them', async (t) => {
  const req = await sent(t, { quirks: { usage_in_stream: false } }, { messages, stream: true });
  assert.equal('stream_options' in req.body, false);
});

test('the key goes as a bearer token, the contender\'s headers are added, and the body is JSON', async (t) => {
  const req = await sent(t, { headers: { 'x-vendor-project': 'p-1' } }, { messages });
  assert.equal(req.path, '/v1/chat/completions');
  assert.equal(req.method, 'POST');
  assert.equal(req.headers.authorization, 'Bearer sk-fake-upstream-0123456789');
  assert.equal(req.headers['x-vendor-project'], 'p-1');
  assert.equal(req.headers['content-type'], 'application/json');
  assert.equal(req.body.stream, undefined);
});

test('a contender without a key sends no authorization header', async (t) => {
  const up = await startFakeOpenAI({});
  const adapter = new OpenAIAdapter();
  t.after(async () => {
    await adapter.close();
    await up.close();
  });
  const contender = fakeOpenAIContender(up.url, { api_key: undefined });
  assert.equal(contender.apiKey, null);
  await drainReply(await adapter.send({ contender, body: { model: 'm', messages }, stream: false, clientWantsUsage: false, captureText: false, requestId: 'r' }, new AbortController().signal));
  assert.equal(up.requests[0]!.headers.authorization, undefined);
});
