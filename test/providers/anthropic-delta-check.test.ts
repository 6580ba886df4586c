/**
 * The hand-written check of a `content_block_delta` (the stream's most frequent event, checked without zod) accepts
 * exactly what the stream's zod schema accepts, and a stream fed such events fails or not as the schema says.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { EventSchema, isDeltaEvent, StreamTranslator } from '../../src/providers/anthropic/translate-stream.js';

const anyValue = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.double(),
  fc.constantFrom(Infinity, -Infinity, Number.NaN, -0, 0, 3),
  fc.string({ maxLength: 6 }),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }),
);
const field = (values: fc.Arbitrary<unknown>) => fc.option(values, { nil: undefined });
const delta = fc.oneof(
  anyValue,
  fc.record(
    {
      type: field(fc.oneof(fc.constantFrom('text_delta', 'thinking_delta', 'input_json_delta', 'signature_delta'), anyValue)),
      text: field(fc.oneof(fc.string({ maxLength: 6 }), anyValue)),
      thinking: field(fc.oneof(fc.string({ maxLength: 6 }), anyValue)),
      partial_json: field(fc.oneof(fc.string({ maxLength: 6 }), anyValue)),
      signature: field(anyValue),
    },
    { requiredKeys: [] },
  ),
);
const event = fc.record({ type: fc.constant('content_block_delta'), index: field(fc.oneof(fc.integer({ min: 0, max: 3 }), anyValue)), delta: field(delta) }, { requiredKeys: ['type'] });

test('isDeltaEvent accepts a content_block_delta exactly when the zod schema does', () => {
  fc.assert(
    fc.property(event, (raw) => {
      assert.equal(isDeltaEvent(raw), EventSchema.safeParse(raw).success, JSON.stringify(raw));
    }),
    { numRuns: 5000 },
  );
});

test('a stream fails on a delta the schema refuses, whether or not JSON can write its index', () => {
  const feed = (data: string) => {
    const t = new StreamTranslator(false);
    t.event({ event: 'message_start', data: '{"type":"message_start","message":{"id":"msg_1","model":"m","usage":{"input_tokens":1}}}', id: undefined });
    t.event({ event: 'content_block_delta', data, id: undefined });
    return t;
  };
  assert.equal(feed('{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}}').failure, null);
  assert.notEqual(feed('{"type":"content_block_delta","index":1e999,"delta":{"type":"text_delta","text":"hi"}}').failure, null);
  assert.notEqual(feed('{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":null}}').failure, null);
  assert.notEqual(feed('{"type":"content_block_delta","index":0,"delta":[]}').failure, null);
  assert.equal(feed('{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}}').text, 'hi');
});
