/**
 * The official `openai` client reads the adapter's translated bytes as it would read OpenAI: a bare HTTP
 * endpoint serves `reply.body` of the adapter (no gateway), with the fake Anthropic behind it.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import OpenAI from 'openai';
import { AnthropicAdapter } from '../../src/providers/anthropic/adapter.js';
import { fakeAnthropicContender, startFakeAnthropic } from '../support/fake-anthropic-upstream.js';

test('chat.completions.create and the streaming helper accept the translated answers', async (t) => {
  const fake = await startFakeAnthropic({
    answer: { thinking: 'Use the tool.', text: 'Looking it up.', toolUses: [{ id: 'toolu_X', name: 'lookup', input: { q: 'saima', limit: 3 } }], usage: { input_tokens: 9, output_tokens: 21, cache_read_input_tokens: 1 } },
    chunkChars: 3,
  });
  const adapter = new AnthropicAdapter();
  const contender = fakeAnthropicContender(fake.url);
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', async () => {
      const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>;
      const stream = body.stream === true;
      const wantsUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
      const reply = await adapter.send({ contender, body: { ...body, model: contender.model }, stream, clientWantsUsage: wantsUsage, captureText: false, requestId: 'r' }, new AbortController().signal);
      res.writeHead(reply.status, { 'content-type': reply.contentType });
      for await (const chunk of reply.body) res.write(chunk);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(async () => {
    await new Promise((r) => server.close(r));
    await adapter.close();
    await fake.close();
  });
  const client = new OpenAI({ baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, apiKey: 'unused', maxRetries: 0 });
  const request = { model: 'assistant', messages: [{ role: 'user' as const, content: 'find saima' }], tools: [{ type: 'function' as const, function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } } }] };

  const done = await client.chat.completions.create(request);
  assert.equal(done.choices[0]?.finish_reason, 'tool_calls');
  assert.equal(done.choices[0]?.message.content, 'Looking it up.');
  assert.equal(done.usage?.prompt_tokens, 10);

  const stream = client.chat.completions.stream({ ...request, stream_options: { include_usage: true } });
  const final = await stream.finalChatCompletion();
  const msg = final.choices[0]?.message;
  assert.equal(msg?.content, 'Looking it up.');
  const call = msg?.tool_calls?.[0];
  assert.ok(call?.type === 'function');
  assert.equal(call.id, 'toolu_X');
  assert.equal(call.function.name, 'lookup');
  assert.deepEqual(JSON.parse(call.function.arguments), { q: 'saima', limit: 3 });
  assert.equal(final.choices[0]?.finish_reason, 'tool_calls');
  assert.equal(final.usage?.completion_tokens, 21);
  assert.equal(final.usage?.prompt_tokens_details?.cached_tokens, 1);
});
