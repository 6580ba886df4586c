/**
 * The gateway benchmark's zero-delay upstream must stay what the vendors send, or the benchmark measures a door on
 * answers no real upstream gives: the official SDKs read each of its APIs here, streamed and not.
 */
import Anthropic from '@anthropic-ai/sdk';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test, type TestContext } from 'node:test';
import OpenAI from 'openai';

const TEXT = 'Hello there, this is a zero delay upstream answering a benchmark request with just eighteen short plain words.';

async function startUpstream(t: TestContext): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/support/zero-delay-upstream.ts', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => child.kill('SIGTERM'));
  let out = '';
  for await (const chunk of child.stdout) {
    out += String(chunk);
    const port = /READY (\d+)/.exec(out)?.[1];
    if (port) return `http://127.0.0.1:${port}`;
  }
  await once(child, 'exit');
  throw new Error(`the upstream exited without READY: ${out}`);
}

test('the zero-delay upstream answers Anthropic, Responses, chat and embeddings clients as their vendors do', async (t) => {
  const url = await startUpstream(t);
  const anthropic = new Anthropic({ apiKey: 'up-key', baseURL: url, maxRetries: 0 });
  const params = { model: 'bench-model', max_tokens: 64, messages: [{ role: 'user' as const, content: 'hi' }] };
  const message = await anthropic.messages.create(params);
  assert.deepEqual(message.content, [{ type: 'text', text: TEXT }]);
  assert.equal(message.usage.output_tokens, 18);
  const events: string[] = [];
  const streamed = anthropic.messages.stream(params).on('streamEvent', (e) => events.push(e.type));
  const final = await streamed.finalMessage();
  assert.deepEqual(final.content, [{ type: 'text', text: TEXT }]);
  assert.equal(final.stop_reason, 'end_turn');
  assert.equal(final.usage.output_tokens, 18);
  assert.deepEqual(events, ['message_start', 'content_block_start', ...Array<string>(18).fill('content_block_delta'), 'content_block_stop', 'message_delta', 'message_stop']);

  const openai = new OpenAI({ apiKey: 'up-key', baseURL: `${url}/v1`, maxRetries: 0 });
  const response = await openai.responses.create({ model: 'bench-model', input: 'hi', store: false });
  assert.equal(response.output_text, TEXT);
  assert.equal(response.usage?.output_tokens, 18);
  const seen: Array<[string, number]> = [];
  for await (const e of await openai.responses.create({ model: 'bench-model', input: 'hi', store: false, stream: true })) seen.push([e.type, e.sequence_number]);
  assert.deepEqual(seen.map(([, n]) => n), seen.map((_, i) => i));
  assert.deepEqual(seen.map(([type]) => type), [
    'response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added',
    ...Array<string>(18).fill('response.output_text.delta'),
    'response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed',
  ]);
  const completed = await openai.responses.stream({ model: 'bench-model', input: 'hi', store: false }).finalResponse();
  assert.equal(completed.output_text, TEXT);

  const chat = await openai.chat.completions.create({ model: 'bench-model', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(chat.choices[0]?.message.content, TEXT);
  let text = '';
  for await (const c of await openai.chat.completions.create({ model: 'bench-model', messages: [{ role: 'user', content: 'hi' }], stream: true })) text += c.choices[0]?.delta.content ?? '';
  assert.equal(text, TEXT);

  // The SDK asks for base64 by default and decodes it; the same vector comes back as floats when asked.
  const b64 = await openai.embeddings.create({ model: 'bench-model', input: 'hi' });
  const floats = await openai.embeddings.create({ model: 'bench-model', input: 'hi', encoding_format: 'float' });
  assert.equal(b64.data[0]?.embedding.length, 256);
  assert.deepEqual(b64.data[0]?.embedding, floats.data[0]?.embedding);
  assert.equal(b64.usage.prompt_tokens, 6);
});
