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

/** Prompt tokens of a chat body, counted the way OpenAI's cookbook does for chat models (tools included). */
export function promptTokens(enc: Encoding, body: Record<string, unknown>): number {
  let total = TOKENS_PER_REPLY;
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (const m of messages) {
    total += TOKENS_PER_MESSAGE;
    if (!m || typeof m !== 'object') continue;
    const msg = m as Record<string, unknown>;
    if (typeof msg.role === 'string') total += enc.countTokens(msg.role, AS_TEXT);
    total += enc.countTokens(contentText(msg.content), AS_TEXT);
    if (msg.tool_calls !== undefined) total += enc.countTokens(JSON.stringify(msg.tool_calls), AS_TEXT);
  }
  if (body.tools !== undefined) total += enc.countTokens(JSON.stringify(body.tools), AS_TEXT);
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
