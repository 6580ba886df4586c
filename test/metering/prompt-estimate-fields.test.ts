/**
 * The prompt estimate decides every field of the Chat Completions request. The field lists are read from the
 * official `openai` package's own request types, so a field added there fails this test until it is counted or
 * listed as free, here and in docs/access.md. Counted fields must raise the estimate; free ones must not; a field
 * nobody knows is counted as its JSON text.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { CONTENT_PARTS, estimatePrompt, IMAGE_TOKENS, promptTokensFor, REFERENCED_CONTENT_TOKENS, REQUEST_FIELDS } from '../../src/metering/prompt-estimate.js';

const require = createRequire(import.meta.url);
const types = readFileSync(join(dirname(require.resolve('openai')), 'resources/chat/completions/completions.d.ts'), 'utf8');
const docs = readFileSync(new URL('../../docs/access.md', import.meta.url), 'utf8');

/** Property names of one `export interface X { … }` block, at its first level of nesting. */
function fieldsOf(name: string): string[] {
  const start = types.indexOf(`export interface ${name} {`);
  assert.ok(start >= 0, `${name} not found in the openai types`);
  const end = types.indexOf('\n}\n', start);
  return [...types.slice(start, end).matchAll(/^ {4}([a-z_]+)\??:/gm)].map((m) => m[1]!);
}

test('every request field of the openai types is counted or listed as free, in code and in docs', () => {
  const fields = fieldsOf('ChatCompletionCreateParamsBase');
  assert.ok(fields.length > 30 && fields.includes('messages') && fields.includes('functions'), fields.join(','));
  const decided = new Set(Object.keys(REQUEST_FIELDS));
  const missing = fields.filter((f) => !decided.has(f));
  assert.deepEqual(missing, [], 'request fields neither counted nor listed as free');
  for (const f of Object.keys(REQUEST_FIELDS)) assert.match(docs, new RegExp(`\\| \`${f}\` \\|`), `docs/access.md lists ${f}`);
});

test('every content-part type of the openai types is counted, in code and in docs', () => {
  const union = /export type ChatCompletionContentPart = ([^;]+);/.exec(types)![1]!;
  // The user parts, and the refusal part an assistant message may carry.
  const members = [...union.split('|').map((s) => s.trim().split('.').pop()!), 'ChatCompletionContentPartRefusal'];
  assert.ok(members.length >= 5, union);
  const partTypes = members.map((m) => {
    const at = types.indexOf(`interface ${m} {`);
    assert.ok(at >= 0, `${m} not found`);
    return /type: '([a-z_]+)';/.exec(types.slice(at))![1]!;
  });
  assert.deepEqual([...partTypes].sort(), [...CONTENT_PARTS].sort(), 'part types the estimate knows');
  for (const t of CONTENT_PARTS) assert.match(docs, new RegExp(`\\| content part \`${t}\``), `docs/access.md lists the ${t} part`);
});

test('message fields of every role are counted', async () => {
  for (const role of ['System', 'User', 'Assistant', 'Tool', 'Function', 'Developer']) {
    for (const f of fieldsOf(`ChatCompletion${role}MessageParam`)) {
      const base = { role: role.toLowerCase(), content: 'x' };
      const big = f === 'content' ? { ...base, content: 'lorem ipsum '.repeat(200) } : f === 'audio' ? { ...base, audio: { id: 'audio_1' } } : { ...base, [f]: f === 'role' ? 'assistant-with-a-very-long-role-name '.repeat(20) : { payload: 'lorem ipsum '.repeat(200) } };
      const a = await estimatePrompt({ messages: [base] });
      const b = await estimatePrompt({ messages: [big] });
      assert.ok(b.tokens > a.tokens + 100, `${role}.${f}: ${a.tokens} → ${b.tokens}`);
    }
  }
});

test('counted fields raise the estimate, free fields do not, unknown fields count as their JSON', async () => {
  const messages = [{ role: 'user', content: 'hello' }];
  const base = (await estimatePrompt({ messages })).tokens;
  const text = 'The quick brown fox jumps over the lazy dog. '.repeat(100);
  const counted: Record<string, unknown> = {
    tools: [{ type: 'function', function: { name: 'f', description: text } }],
    functions: [{ name: 'f', description: text }],
    function_call: { name: text.slice(0, 2000) },
    tool_choice: { type: 'function', function: { name: text.slice(0, 2000) } },
    response_format: { type: 'json_schema', json_schema: { name: 's', schema: { description: text } } },
  };
  for (const [k, v] of Object.entries(counted)) {
    const e = await estimatePrompt({ messages, [k]: v });
    assert.ok(e.tokens > base + 300, `${k}: ${e.tokens}`);
  }
  const predicted = await estimatePrompt({ messages, prediction: { type: 'content', content: text } });
  assert.equal(predicted.tokens, base);
  assert.ok(predicted.predicted > 900, 'prediction is reserved as output');
  for (const [k, v] of Object.entries({ stop: [text.slice(0, 100)], metadata: { a: text.slice(0, 400) }, user: text.slice(0, 200), temperature: 1 })) {
    assert.equal((await estimatePrompt({ messages, [k]: v })).tokens, base, `${k} is free`);
  }
  const unknown = await estimatePrompt({ messages, some_new_vendor_field: { instructions: text } });
  assert.ok(unknown.tokens > base + 900, 'an unknown field counts as its JSON text');
});

test('media parts count at their stated bounds, whatever their bytes', async () => {
  const img = (url: string) => ({ role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url, detail: 'high' } }] });
  const small = await estimatePrompt({ messages: [img('https://example.com/a.png')] });
  const b64 = await estimatePrompt({ messages: [img(`data:image/png;base64,${'A'.repeat(400_000)}`)] });
  assert.equal(small.images, 1);
  assert.deepEqual([b64.images, b64.tokens], [1, small.tokens]);
  assert.equal(promptTokensFor(b64, null) - b64.tokens, IMAGE_TOKENS);
  assert.equal(promptTokensFor(b64, 48_169) - b64.tokens, 48_169, "a contender's image_tokens replaces the bound");
  const audio = await estimatePrompt({ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'A'.repeat(64_000), format: 'wav' } }] }] });
  assert.ok(audio.tokens >= 1000, `audio ${audio.tokens}`);
  const file = await estimatePrompt({ messages: [{ role: 'user', content: [{ type: 'file', file: { filename: 'a.pdf', file_data: 'A'.repeat(10_000) } }] }] });
  assert.ok(file.tokens >= 10_000, `file ${file.tokens}`);
  const byId = await estimatePrompt({ messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-1' } }] }] });
  assert.ok(byId.tokens >= REFERENCED_CONTENT_TOKENS);
});

test('a long text costs linear time and is still bounded from above by its bytes', async () => {
  const run = 'a'.repeat(200_000); // one unbroken run: quadratic for a byte-pair encoder fed whole
  const t0 = performance.now();
  const e = await estimatePrompt({ messages: [{ role: 'user', content: run }] });
  assert.ok(performance.now() - t0 < 200, `${performance.now() - t0} ms`);
  assert.ok(e.tokens >= 200_000 / 8, 'at least what the tokenizer would count');
  // Within the tokenized budget the chunked count is never below a whole count.
  const { AS_TEXT, loadEncoding } = await import('../../src/providers/chat-tokens.js');
  const enc = await loadEncoding();
  for (const s of ['词语'.repeat(3000), 'The quick brown fox. '.repeat(600), Buffer.from('x'.repeat(6000)).toString('base64'), '😀a'.repeat(2500)]) {
    const whole = enc.countTokens(s, AS_TEXT);
    const chunked = (await estimatePrompt({ messages: [{ role: 'user', content: `${s} ` }] })).tokens;
    assert.ok(chunked >= whole, `${chunked} < ${whole}`);
  }
});
