/**
 * The output cap: what a request may make an upstream generate, reserved at admission and sent upstream as exactly
 * one field. A body may carry both `max_tokens` and `max_completion_tokens`; vendors honour one or the other, so the
 * larger is what the upstream may bill, and that is the one reserved and sent. A request without a cap gets the one
 * it was reserved at, so an upstream that writes until its own limit cannot bill past the reservation.
 */
import type { Contender } from '../config/types.js';
import { SaimaError } from '../errors.js';

/** Reserved (and sent) output when neither the request nor the contender caps it. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 4096;
/** Largest output cap accepted for a contender without a `context_window`: above every model's output limit. */
export const OUTPUT_CAP_CEILING = 1_048_576;

type CapField = 'max_tokens' | 'max_completion_tokens';

export interface RequestedCap {
  /** The largest cap any field grants, per choice; null when the request sets none. */
  tokens: number | null;
  /** The field that granted it, for error messages. */
  param: CapField | null;
  /** Choices asked for (`n`). */
  choices: number;
}

/**
 * Reads the caps of a validated body. A cap above the contender's context window (or, without one, the ceiling)
 * is refused as OpenAI refuses it: 400 `invalid_value` naming the parameter, before anything is reserved.
 */
export function requestedCap(body: Record<string, unknown>, contender: Contender | undefined): RequestedCap {
  let tokens: number | null = null;
  let param: CapField | null = null;
  for (const field of ['max_tokens', 'max_completion_tokens'] as const) {
    const v = body[field];
    if (typeof v !== 'number') continue;
    const limit = contender?.contextWindow ?? OUTPUT_CAP_CEILING;
    // Also refuses what validation let through as "an integer" but is no safe integer (1e308).
    if (!Number.isSafeInteger(v) || v > limit) {
      throw new SaimaError(
        'invalid_value',
        `${field} is too large: ${v}. This model supports at most ${limit} completion tokens, whereas you provided ${v}.`,
        field,
      );
    }
    if (tokens === null || v > tokens) {
      tokens = v;
      param = field;
    }
  }
  const n = body.n;
  return { tokens, param, choices: typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : 1 };
}

/** A call that generates nothing (embeddings): no output is reserved and no cap is sent. */
export const NO_OUTPUT: Readonly<RequestedCap> = Object.freeze({ tokens: 0, param: null, choices: 1 });

/** The per-choice cap a contender is called with: the client's own, else what it is reserved at. */
export function appliedCap(cap: RequestedCap, contender: Contender): number {
  return cap.tokens ?? contender.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
}

/** Output tokens to reserve for a plan: the largest applied cap among its contenders, for every choice. */
export function reservedOutputTokens(cap: RequestedCap, contenders: readonly Contender[]): number {
  if (cap === NO_OUTPUT) return 0;
  let most = cap.tokens ?? 0;
  if (cap.tokens === null) for (const c of contenders) most = Math.max(most, appliedCap(cap, c));
  if (most === 0) most = DEFAULT_MAX_OUTPUT_TOKENS;
  return most * cap.choices;
}

/**
 * The upstream body with exactly one cap field, the one the contender's `max_tokens_field` quirk names, set to
 * `tokens`. `body` is the caller's own shallow copy.
 */
export function withOutputCap(body: Record<string, unknown>, contender: Contender, tokens: number): Record<string, unknown> {
  const field = contender.quirks.maxTokensField;
  const other: CapField = field === 'max_tokens' ? 'max_completion_tokens' : 'max_tokens';
  if (body[other] !== undefined) delete body[other];
  body[field] = tokens;
  return body;
}
