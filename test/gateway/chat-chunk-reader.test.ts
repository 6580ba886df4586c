/**
 * The translating doors read an upstream's chat chunks with `ChatChunkReader`, which skips the parse of a chunk that
 * repeats an earlier one's bytes around one string. Whatever the upstream sends, what it reads must be exactly what
 * `JSON.parse` gives (or the same error), and the JSON it hands back for a read string exactly `JSON.stringify`'s.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ChatChunkReader } from '../../src/gateway/chat-chunk-reader.js';

const HEAD = '{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,';

/** Bytes before a delta's string: the usual ones and the ones that make a naive template lie. */
const BEFORE = [
  `${HEAD}"delta":{"content":`,
  `${HEAD}"delta":{"role":"assistant","content":`,
  `${HEAD}"delta":{"content":null,"reasoning_content":`,
  `${HEAD}"delta":{"reasoning":`,
  `${HEAD}"delta":{"content" : `,
  // The string found is the second of two `content` members: the last one is the value.
  `${HEAD}"delta":{"content":"first","content":`,
  // A `content` that is not the delta's.
  `${HEAD}"delta":{},"logprobs":{"content":`,
  `{"error":{"message":`,
  `{"id":"x","choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":`,
];

/** Bytes after it. */
const AFTER = [
  '},"finish_reason":null}]}',
  '}}]}',
  // A later member overrides the string.
  ',"content":"override"},"finish_reason":null}]}',
  '},"finish_reason":null},{"index":1,"delta":{"content":"second"}}]}',
  '},"finish_reason":null}],"obfuscation":"abc"}',
  '}}]}  ',
  '}}]',
  ',"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]}}]}',
  // The last `content` string in the text is not the delta's.
  '},"logprobs":{"content":"lp"},"finish_reason":null}]}',
  '}}}',
];

const escapeAll = (s: string) => `"${[...s].map((c) => (c.length === 1 ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : c)).join('')}"`;

/** What lies between: JSON strings written every way JSON allows, other values, and broken text. */
const LITERAL = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }).map((s) => JSON.stringify(s)) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }).map((s) => JSON.stringify(s)) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }).map(escapeAll) },
  { weight: 1, arbitrary: fc.string({ maxLength: 4 }).map((s) => ` ${JSON.stringify(s)}\n`) },
  // Raw lone surrogates and raw control characters: the first JSON takes, the second it refuses.
  { weight: 1, arbitrary: fc.constantFrom('"\ud800"', '"a\udc00b"', '"\u0001"', '"tab\there"') },
  {
    weight: 2,
    arbitrary: fc.constantFrom('1', 'null', 'true', '{"a":"b"}', '["x"]', '""', '"a","content":"b"', '"a"}', '"\\', '"', '"x\\"', '"\\/"', '"a"  ', '"\\u00e9"', '"\\ud83d\\ude00"', '"\\ud800"', '"a" "b"', ''),
  },
);

/**
 * A stream: a few shapes (bytes before and after), each chunk one of them around a literal, as an upstream's token
 * chunks are, so that templates are made and matched often; now and then a chunk again, byte for byte.
 */
const STREAM = fc
  .tuple(fc.array(fc.tuple(fc.nat(BEFORE.length - 1), fc.nat(AFTER.length - 1)), { minLength: 1, maxLength: 3 }), fc.array(fc.tuple(fc.nat(2), LITERAL, fc.boolean()), { minLength: 1, maxLength: 40 }))
  .map(([shapes, picks]) => {
    const texts: string[] = [];
    for (const [s, lit, again] of picks) {
      const [b, a] = shapes[s % shapes.length]!;
      texts.push(again && texts.length > 0 ? texts[texts.length - 1]! : BEFORE[b]! + lit + AFTER[a]!);
    }
    return texts;
  });

/** JSON.parse's answer, as a value or the error's class. */
function parsed(text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text) };
  } catch (err) {
    return { error: (err as Error).constructor.name };
  }
}

function read(reader: ChatChunkReader, text: string): { value: unknown } | { error: string } {
  try {
    // A copy: the reader may hand back the same object, changed, for the next chunk.
    return { value: structuredClone(reader.read(text)) };
  } catch (err) {
    return { error: (err as Error).constructor.name };
  }
}

/** The strings a translator writes back out: every delta text member the chunk has. */
function deltaStrings(value: unknown): string[] {
  const delta = (value as { choices?: Array<{ delta?: Record<string, unknown> }> } | null)?.choices?.[0]?.delta;
  if (typeof delta !== 'object' || delta === null) return [];
  return ['content', 'reasoning_content', 'reasoning'].map((k) => delta[k]).filter((v): v is string => typeof v === 'string');
}

test('every stream of chunks reads as JSON.parse reads each chunk, and each delta string writes back as JSON.stringify writes it', () => {
  fc.assert(
    fc.property(STREAM, (texts) => {
      const reader = new ChatChunkReader();
      for (const text of texts) {
        const got = read(reader, text);
        assert.deepStrictEqual(got, parsed(text), text);
        if ('value' in got) for (const s of deltaStrings(reader.read(text))) assert.equal(reader.json(s), JSON.stringify(s), text);
      }
    }),
    { numRuns: 3000 },
  );
});

test('a stream whose chunks repeat around their text is read with a handful of parses, and one that never repeats with a bounded few more than one per chunk', () => {
  const words = Array.from({ length: 200 }, (_, i) => (i % 7 === 0 ? `"q${i}" \\ \u00e9\ud83d\ude00` : ` w${i}`));
  const chunk = (delta: object, extra: object = {}) => JSON.stringify({ id: 'chatcmpl-9', object: 'chat.completion.chunk', created: 5, model: 'm', choices: [{ index: 0, delta, finish_reason: null }], ...extra });
  const repeating = [chunk({ role: 'assistant', content: '' }), ...words.map((w) => chunk({ content: w })), chunk({})];
  const reader = new ChatChunkReader();
  for (const text of repeating) assert.deepStrictEqual(reader.read(text), JSON.parse(text));
  // The role chunk, the first text chunk and its probe, the last chunk.
  assert.equal(reader.parses, 4);

  // Every chunk padded differently (as an upstream obfuscating its stream's lengths does): templates stop being made.
  const padded = words.map((w, i) => chunk({ content: w }, { obfuscation: 'x'.repeat(i % 13) }));
  const other = new ChatChunkReader();
  for (const text of padded) assert.deepStrictEqual(other.read(text), JSON.parse(text));
  assert.ok(other.parses <= padded.length + 3, `${other.parses} parses for ${padded.length} chunks`);
});
