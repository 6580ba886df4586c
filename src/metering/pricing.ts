/** Cost of a call from its usage and the contender's price table. Money is integer nanos (1e-9 of the currency). */
import type { Price } from '../config/types.js';
import type { Usage } from '../providers/spec.js';

/** Prices are per million tokens, so one token at price p costs p·1e-6 units = p·1e3 nanos. */
const NANOS_PER_TOKEN_PER_PRICE_UNIT = 1_000;

export function costNanos(usage: Usage, price: Price): number {
  const cached = Math.min(usage.cachedTokens, usage.promptTokens);
  const raw =
    (usage.promptTokens - cached) * price.input + cached * price.cachedInput + usage.completionTokens * price.output;
  return safeNanos(raw * NANOS_PER_TOKEN_PER_PRICE_UNIT);
}

/** Worst-case cost of a call before it is made: every prompt token uncached, `maxOutput` tokens generated. */
export function maxCostNanos(promptTokens: number, maxOutputTokens: number, price: Price): number {
  return safeNanos((promptTokens * price.input + maxOutputTokens * price.output) * NANOS_PER_TOKEN_PER_PRICE_UNIT);
}

/**
 * Rounded to integer nanos and clamped to what sums carry exactly. Callers pass safe-integer token counts, so this
 * is a last line: NaN (∞ × 0) counts as the most money there is, which a budget refuses, never as none.
 */
function safeNanos(raw: number): number {
  if (Number.isNaN(raw)) return Number.MAX_SAFE_INTEGER;
  return Math.min(Number.MAX_SAFE_INTEGER, Math.max(0, Math.round(raw)));
}

export function nanosToUnits(nanos: number): number {
  return nanos / 1e9;
}
