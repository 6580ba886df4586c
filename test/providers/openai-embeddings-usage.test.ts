/**
 * The usage of a large embeddings reply, read from a slice of its bytes by brace matching instead of a parse of the
 * whole: nested detail objects, braces and escaped quotes inside strings, and what is not a usage member.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { usageIn } from '../../src/providers/openai/read-embeddings.js';

const tail = (s: string) => usageIn(Buffer.from(s), true);

test('usage read from the tail: nested details, braces and escapes in strings', () => {
  assert.equal(tail('0.1,0.2]}],"model":"m","usage":{"prompt_tokens":12,"total_tokens":12}}')?.promptTokens, 12);
  assert.equal(tail('"usage" : { "prompt_tokens" : 7 , "prompt_tokens_details" : { "cached_tokens" : 3 }, "total_tokens": 7 }\n}')?.cachedTokens, 3);
  assert.equal(tail('"usage":{"note":"a } and \\" and {","prompt_tokens":5}}')?.promptTokens, 5);
  // The last `"usage"` key wins from the tail, the first from the head.
  assert.equal(tail('"usage":{"prompt_tokens":1},"x":{"usage":{"prompt_tokens":2}}}')?.promptTokens, 2);
  assert.equal(usageIn(Buffer.from('{"usage":{"prompt_tokens":1},"data":[{"usage":{"prompt_tokens":2}}'), false)?.promptTokens, 1);
});

test('no usage member, a cut one, or one without a count: null (the call is then charged the estimate)', () => {
  assert.equal(tail('0.1,0.2]}],"model":"m"}'), null);
  assert.equal(tail('"usage":{"prompt_tokens":12,"total_'), null);
  assert.equal(tail('"usage":null}'), null);
  assert.equal(tail('"usage":{"total_tokens":12}}'), null);
  assert.equal(tail('"usage":{"prompt_tokens":"12"}}'), null);
  assert.equal(tail('"usage"'), null);
});
