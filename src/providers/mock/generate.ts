/**
 * The simulated model output: reasoning pieces, then answer pieces, cut at the request's token limit.
 * Like OpenAI's reasoning models, the limit counts reasoning tokens first, so a tight limit can leave
 * the answer empty with `finish_reason: "length"`.
 */
import type { MockPlan } from './plan.js';
import { piecesOf, type Piece, loadEncoding } from './tokens.js';

type Encoding = Awaited<ReturnType<typeof loadEncoding>>;

export interface StreamPiece extends Piece {
  reasoning: boolean;
}

export interface Generation {
  pieces: StreamPiece[];
  answer: string;
  reasoning: string | null;
  completionTokens: number;
  reasoningTokens: number;
  finishReason: 'stop' | 'length';
}

export function generate(enc: Encoding, plan: MockPlan, body: Record<string, unknown>): Generation {
  const limit = tokenLimit(body);
  const pieces: StreamPiece[] = [];
  let used = 0;
  let truncated = false;
  let reasoning = '';
  let answer = '';
  let reasoningTokens = 0;
  const take = (text: string, isReasoning: boolean): void => {
    for (const p of piecesOf(enc, text)) {
      if (used + p.tokens > limit) {
        truncated = true;
        return;
      }
      used += p.tokens;
      pieces.push({ text: p.text, tokens: p.tokens, reasoning: isReasoning });
      if (isReasoning) {
        reasoning += p.text;
        reasoningTokens += p.tokens;
      } else answer += p.text;
    }
  };
  if (plan.reasoning !== null) take(plan.reasoning, true);
  if (!truncated) take(plan.answer, false);
  return {
    pieces,
    answer,
    reasoning: plan.reasoning === null ? null : reasoning,
    completionTokens: used,
    reasoningTokens,
    finishReason: truncated ? 'length' : 'stop',
  };
}

/** `max_completion_tokens` (current OpenAI name) or `max_tokens`; unlimited when neither is a positive number. */
function tokenLimit(body: Record<string, unknown>): number {
  for (const key of ['max_completion_tokens', 'max_tokens']) {
    const v = body[key];
    if (typeof v === 'number' && v >= 0) return v;
  }
  return Number.POSITIVE_INFINITY;
}

/** Milliseconds to produce `tokens` at `tokensPerS` (0 means instantly). */
export function durationMs(tokens: number, tokensPerS: number): number {
  return tokensPerS > 0 ? (tokens / tokensPerS) * 1000 : 0;
}
