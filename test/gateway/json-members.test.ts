/**
 * The scanner that finds where each top-level member of a large chat body lies (the body thread splices those bytes
 * into the upstream body unchanged) must agree with JSON.parse on every valid object: same keys, same values,
 * the last of a repeated key, whatever the whitespace, escapes or nesting.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { topLevelMembers } from '../../src/gateway/large-body/json-members.js';

function check(text: string): void {
  const bytes = Buffer.from(text);
  const parsed = JSON.parse(text) as Record<string, unknown>;
  const members = topLevelMembers(bytes);
  assert.deepEqual([...members.keys()].sort(), Object.keys(parsed).sort(), text);
  for (const [key, r] of members) {
    assert.deepEqual(JSON.parse(bytes.subarray(r.valueStart, r.end).toString('utf8')), parsed[key], `${key} in ${text}`);
    assert.deepEqual(JSON.parse(`{${bytes.subarray(r.start, r.end).toString('utf8')}}`), { [key]: parsed[key] }, `${key} in ${text}`);
  }
}

test('hand-picked members: escapes, delimiters inside strings, nesting, whitespace, repeated keys, multi-byte text', () => {
  for (const text of [
    '{}',
    ' \n{ }\t',
    '{"a":1}',
    '{ "a" : -1.5e+3 , "b" : true,"c":null ,"d":false}',
    '{"k\\"ey":"v\\\\","x}":"]},{","y":"\\"}"}',
    '{"m":[{"role":"user","content":"a}b]c"},[],{}],"n":{"o":{"p":[1,[2,[3]]]}}}',
    '{"a":1,"b":2,"a":[3]}',
    '{"中文":"我们的模型","emoji":"😀\\ud83d\\ude00","\\u0041":"A"}',
    '{\r\n  "tools" : [ { "type" : "function" } ] ,\r\n  "z" : "" \r\n}',
  ]) {
    check(text);
  }
});

test('any JSON object, as JSON.stringify writes it with or without indentation', () => {
  fc.assert(
    fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.constantFrom(undefined, 1, '\t'), (obj, indent) => {
      check(JSON.stringify(obj, null, indent));
    }),
    { numRuns: 500 },
  );
});
