/**
 * Reads a stream's chat completion chunks for a translating front door: exactly what `JSON.parse` gives, without a
 * parse for the chunks that differ from an earlier one only in the text of their delta.
 *
 * Parsing is most of what a translated stream costs per token (some 10,000 instructions a chunk, the garbage it
 * leaves included), and an upstream's token chunks are the same bytes but for one string: `id`, `created`, `model`
 * and the choice's shape repeat. So after a chunk whose delta holds text, the reader keeps its bytes before and after
 * that text's JSON string (a template). A later chunk made of the same bytes around one JSON string value is the same
 * JSON but for that value: the JSON tokens before the string are the same, the string is one token whatever it holds,
 * and the tokens after it are the same again. Its parse is the template's object with the value replaced, which the
 * reader returns (the same object each time: callers read a chunk before they read the next, and keep only strings).
 *
 * That the template's string is the one `JSON.parse` makes the delta's text (not a duplicate key that a later one
 * overrides, not a string elsewhere that looks alike) is not assumed from where it was found: the template is parsed
 * once with another string in its place, and is kept only when the delta's text came out as that string.
 *
 * A stream whose chunks never repeat (an upstream that pads each one with random bytes) stops making templates after
 * a few that matched nothing, so it pays at most those few extra parses.
 */

import { isObject } from './translated-answer.js';

type Json = Record<string, unknown>;

/** The delta members a token's text arrives in, in the order a template is looked for. */
const TEXT_KEYS = ['content', 'reasoning_content', 'reasoning'] as const;

/** A JSON string with nothing escaped: its value is what lies between its quotes, and `JSON.stringify` of that value gives it back when the value is well formed. */
const PLAIN_STRING = /^"[^"\\\u0000-\u001f]*"$/;

/** A value no upstream sends as a delta's text, to see where the template's string lands. */
const PROBE = '\u0000saima-template-probe\u0000';
const PROBE_JSON = JSON.stringify(PROBE);

/** Templates made that matched no chunk, after which a stream gets no more. */
const MAX_UNUSED_TEMPLATES = 2;

export class ChatChunkReader {
  #before: string | null = null;
  #after = '';
  /** The template's parse, whose delta (`#delta`) gets each matching chunk's value in `#key`. */
  #chunk: Json | null = null;
  #delta: Json | null = null;
  #key = '';
  #hits = 0;
  #unused = 0;
  /** The last value read from a template and its JSON string, when `JSON.stringify(value)` gives exactly that string. */
  #value: string | null = null;
  #valueJson = '';
  /** Texts given to `JSON.parse` (chunks and probes): how much of the stream the templates spared. */
  parses = 0;

  /** `JSON.parse(text)`, which it throws like; the object returned may be the one returned before, changed. */
  read(text: string): unknown {
    const before = this.#before;
    const after = this.#after;
    // Compared as slices: `startsWith` with a prefix this long measured several times slower than the parse it saves.
    if (before !== null && text.length > before.length + after.length + 1 && text.slice(0, before.length) === before && text.slice(text.length - after.length) === after) {
      const literal = text.slice(before.length, text.length - after.length);
      const value = this.#stringValue(literal);
      if (value !== undefined) {
        this.#hits++;
        this.#delta![this.#key] = value;
        return this.#chunk;
      }
    }
    this.parses++;
    const chunk: unknown = JSON.parse(text);
    if (this.#unused < MAX_UNUSED_TEMPLATES) this.#learn(text, chunk);
    return chunk;
  }

  /** `JSON.stringify(value)`, without the work when `value` was just read from a template's plain string. */
  json(value: string): string {
    return value === this.#value ? this.#valueJson : JSON.stringify(value);
  }

  /** The string value of the JSON text `literal` (one string, maybe with white space around), or undefined. */
  #stringValue(literal: string): string | undefined {
    if (PLAIN_STRING.test(literal)) {
      const value = literal.slice(1, -1);
      // A lone surrogate is escaped by JSON.stringify, so such a value's JSON is not the literal.
      if (value.isWellFormed()) {
        this.#value = value;
        this.#valueJson = literal;
      }
      return value;
    }
    let v: unknown;
    try {
      v = JSON.parse(literal);
    } catch {
      return undefined;
    }
    return typeof v === 'string' ? v : undefined;
  }

  /** Makes `text` (parsed: `chunk`) the template, when its delta holds text and the probe confirms where. */
  #learn(text: string, chunk: unknown): void {
    if (!isObject(chunk) || !Array.isArray(chunk.choices) || !isObject(chunk.choices[0])) return;
    const delta = chunk.choices[0].delta;
    if (!isObject(delta)) return;
    const key = TEXT_KEYS.find((k) => typeof delta[k] === 'string' && delta[k] !== '');
    if (key === undefined) return;
    const span = lastStringValueOf(text, key);
    if (span === null) return;
    const [start, end] = span;
    const before = text.slice(0, start);
    const after = text.slice(end);
    let probed: unknown;
    this.parses++;
    try {
      probed = JSON.parse(before + PROBE_JSON + after);
    } catch {
      return;
    }
    if (!isObject(probed) || !Array.isArray(probed.choices) || !isObject(probed.choices[0])) return;
    const probedDelta = probed.choices[0].delta;
    // The text was not the probe and is now: it comes from that string, and from nothing else.
    if (!isObject(probedDelta) || probedDelta[key] !== PROBE || delta[key] === PROBE) return;
    if (this.#before !== null && this.#hits === 0) this.#unused++;
    this.#before = before;
    this.#after = after;
    this.#chunk = chunk;
    this.#delta = delta;
    this.#key = key;
    this.#hits = 0;
  }
}

/**
 * Where the JSON string value of the last `"key":` member in `text` starts and ends (its quotes included), or null.
 * Only a guess at which string is the member's value: the probe decides.
 */
function lastStringValueOf(text: string, key: string): [number, number] | null {
  const name = `"${key}"`;
  const at = text.lastIndexOf(name);
  if (at < 0) return null;
  let i = at + name.length;
  while (text.charCodeAt(i) === 0x20) i++;
  if (text.charCodeAt(i) !== 0x3a) return null;
  i++;
  while (text.charCodeAt(i) === 0x20) i++;
  if (text.charCodeAt(i) !== 0x22) return null;
  const start = i;
  for (i++; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22) return [start, i + 1];
  }
  return null;
}
