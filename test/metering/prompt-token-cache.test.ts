/**
 * Prompt counting remembers recent texts (conversations resend their history every turn). Whatever it remembers,
 * evicts or recounts, every count must equal a fresh byte-pair count of the same body.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AS_TEXT, loadEncoding, promptTokens } from '../../src/providers/chat-tokens.js';

test('cached prompt counts equal fresh counts through growth, repetition and eviction', async () => {
  const enc = await loadEncoding();
  const fresh = (body: { messages: Array<{ role: string; content: string }>; tools?: unknown }): number =>
    3 + body.messages.reduce((n, m) => n + 3 + enc.countTokens(m.role, AS_TEXT) + enc.countTokens(m.content, AS_TEXT), 0) +
    (body.tools === undefined ? 0 : enc.countTokens(JSON.stringify(body.tools), AS_TEXT));
  const system = { role: 'system', content: 'You are a careful assistant. 你是一个细心的助手。' };
  const tools = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } } }];
  // A conversation growing turn by turn, interleaved with 10,000 one-off prompts that push it out of the cache.
  const history = [system];
  for (let turn = 0; turn < 60; turn++) {
    history.push({ role: turn % 2 ? 'assistant' : 'user', content: `turn ${turn}: ${'词'.repeat(turn)} some words ${turn * 7}` });
    const body = { messages: [...history], tools };
    assert.equal(promptTokens(enc, body), fresh(body), `conversation turn ${turn}`);
    for (let i = 0; i < 170; i++) {
      const one = { messages: [{ role: 'user', content: `one-off ${turn}-${i} ${'x'.repeat(i % 13)}` }] };
      assert.equal(promptTokens(enc, one), fresh(one));
    }
  }
  // The same body twice gives the same count, and a text past the cache's length bound is still counted right.
  const long = { messages: [{ role: 'user', content: 'long text '.repeat(5000) }] };
  assert.equal(promptTokens(enc, long), fresh(long));
  assert.equal(promptTokens(enc, long), fresh(long));
});
