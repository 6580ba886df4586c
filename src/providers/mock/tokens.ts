/**
 * The simulator's tokens: OpenAI's o200k_base encoding (the same module the metering estimate loads, so the
 * process pays its ~250 ms load once), loaded on the first mock call. Answers are split into stream pieces
 * along token boundaries; a character that spans several tokens stays whole in one piece.
 */
import { AS_TEXT, type Encoding } from '../chat-tokens.js';

export { contentText, loadEncoding, promptTokens } from '../chat-tokens.js';

const REPLACEMENT = '\uFFFD';
const CACHE_LIMIT = 256;

export interface Piece {
  text: string;
  tokens: number;
}

const pieceCache = new Map<string, readonly Piece[]>();

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
