/**
 * The simulator's tokens: OpenAI's o200k_base encoding (the same module the metering estimate loads, so the
 * process pays its ~250 ms load once), loaded on the first mock call. Answers are split into stream pieces
 * along token boundaries; a character that spans several tokens stays whole in one piece.
 */
type Encoding = typeof import('gpt-tokenizer/encoding/o200k_base');

/** Text that looks like a special token (`<|endoftext|>`) is counted as ordinary text, not refused. */
const AS_TEXT = { disallowedSpecial: new Set<string>() };
const REPLACEMENT = '\uFFFD';
/** Per-message overhead of the chat format (role markers, separators), per OpenAI's cookbook recipe. */
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_REPLY = 3;
const CACHE_LIMIT = 256;

export interface Piece {
  text: string;
  tokens: number;
}

let encoding: Promise<Encoding> | null = null;
const pieceCache = new Map<string, readonly Piece[]>();

export function loadEncoding(): Promise<Encoding> {
  encoding ??= import('gpt-tokenizer/encoding/o200k_base');
  return encoding;
}

/** Splits `text` into token-sized pieces; cached, since answers come from a fixed configuration. */
export function piecesOf(enc: Encoding, text: string): readonly Piece[] {
  const cached = pieceCache.get(text);
  if (cached) return cached;
  const pieces: Piece[] = [];
  let pending: number[] = [];
  for (const id of enc.encode(text, AS_TEXT)) {
    pending.push(id);
    const piece = enc.decode(pending);
    // A token that ends inside a multi-byte character decodes to U+FFFD: wait for the next one.
    if (piece.endsWith(REPLACEMENT) && pending.length < 4) continue;
    pieces.push({ text: piece, tokens: pending.length });
    pending = [];
  }
  if (pending.length > 0) pieces.push({ text: enc.decode(pending), tokens: pending.length });
  if (pieceCache.size >= CACHE_LIMIT) pieceCache.clear();
  pieceCache.set(text, pieces);
  return pieces;
}

/** Prompt tokens of a chat body, counted the way OpenAI's cookbook does for chat models. */
export function promptTokens(enc: Encoding, body: Record<string, unknown>): number {
  let total = TOKENS_PER_REPLY;
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (const m of messages) {
    total += TOKENS_PER_MESSAGE;
    if (!m || typeof m !== 'object') continue;
    const msg = m as Record<string, unknown>;
    if (typeof msg.role === 'string') total += enc.countTokens(msg.role, AS_TEXT);
    total += enc.countTokens(contentText(msg.content), AS_TEXT);
  }
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
