/**
 * Token counting for chat bodies with OpenAI's o200k_base encoding, shared by the mock simulator (its reported
 * usage) and metering (estimates when an upstream reports none). Loaded lazily: the ranks table costs ~250 ms and
 * tens of MB, and most deployments never need it.
 */
export type Encoding = typeof import('gpt-tokenizer/encoding/o200k_base');

/** Text that looks like a special token (`<|endoftext|>`) is counted as ordinary text, not refused. */
export const AS_TEXT = { disallowedSpecial: new Set<string>() };
/** Per-message overhead of the chat format (role markers, separators), per OpenAI's cookbook recipe. */
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_REPLY = 3;

let encoding: Promise<Encoding> | null = null;

export function loadEncoding(): Promise<Encoding> {
  encoding ??= import('gpt-tokenizer/encoding/o200k_base');
  return encoding;
}

/**
 * Counts of texts seen recently. Chat clients resend the whole conversation every turn, and the same system prompt
 * and tool definitions with every request, so most of a prompt's text was counted moments ago; a Map lookup
 * (hashing the string once) is far cheaper than byte-pair encoding it again. Two generations of at most
 * `GENERATION` entries each bound the memory: a hit in the older one moves the entry to the younger.
 */
const GENERATION = 4096;
/** Longer texts are counted every time: rarely repeated verbatim, and they would pin a lot of memory. */
const MAX_CACHED_CHARS = 32_768;
let young = new Map<string, number>();
let old = new Map<string, number>();

function countCached(enc: Encoding, text: string): number {
  if (text === '') return 0;
  if (text.length > MAX_CACHED_CHARS) return enc.countTokens(text, AS_TEXT);
  let n = young.get(text);
  if (n !== undefined) return n;
  n = old.get(text) ?? enc.countTokens(text, AS_TEXT);
  if (young.size >= GENERATION) {
    old = young;
    young = new Map();
  }
  young.set(text, n);
  return n;
}

/** Prompt tokens of a chat body, counted the way OpenAI's cookbook does for chat models (tools included). */
export function promptTokens(enc: Encoding, body: Record<string, unknown>): number {
  let total = TOKENS_PER_REPLY;
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (const m of messages) {
    total += TOKENS_PER_MESSAGE;
    if (!m || typeof m !== 'object') continue;
    const msg = m as Record<string, unknown>;
    if (typeof msg.role === 'string') total += countCached(enc, msg.role);
    total += countCached(enc, contentText(msg.content));
    if (msg.tool_calls !== undefined) total += countCached(enc, JSON.stringify(msg.tool_calls));
  }
  if (body.tools !== undefined) total += countCached(enc, JSON.stringify(body.tools));
  return total;
}

/** The text of a message's content: a string, or the `text` of its parts. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let out = '';
  for (const part of content) {
    if (part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string') out += (part as { text: string }).text;
  }
  return out;
}

export function countText(enc: Encoding, text: string): number {
  return text === '' ? 0 : enc.countTokens(text, AS_TEXT);
}
