/**
 * An upstream's reported token counts, made safe to bill and to count: whole numbers from 0 to 2^31 - 1 (rounded
 * up: a fraction of a token is billed as one). A real
 * call reports far less; a hostile or broken upstream that claims 1e308 tokens (or -5, or 1.5) must not turn a
 * cost, a budget or a rate-limit bucket into Infinity or NaN, nor a row into one the database refuses.
 */
export const MAX_REPORTED_TOKENS = 2 ** 31 - 1;

/** null for anything that is not a number at all; otherwise a whole count in [0, MAX_REPORTED_TOKENS]. */
export function reportedTokens(v: unknown): number | null {
  if (typeof v !== 'number' || Number.isNaN(v)) return null;
  return Math.min(MAX_REPORTED_TOKENS, Math.max(0, Math.ceil(v)));
}
