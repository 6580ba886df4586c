/** Final usage of a call: the upstream's own numbers, or a tokenizer estimate flagged as such. */
import type { Usage } from '../providers/spec.js';
import { countTokens, estimatePromptTokens } from './tokenizer.js';

/** More tokens than any call bills: an upstream's larger (or non-finite) figure is clamped to it, never trusted. */
export const MAX_BILLED_TOKENS = 2 ** 31 - 1;

export async function settleUsage(
  reported: Usage | null,
  requestBody: Record<string, unknown>,
  answerText: string | null,
): Promise<Usage> {
  if (reported && tokenCount(reported.promptTokens) !== null && tokenCount(reported.completionTokens) !== null) return safeUsage(reported);
  return {
    promptTokens: await estimatePromptTokens(requestBody),
    completionTokens: answerText ? await countTokens(answerText) : 0,
    reasoningTokens: 0,
    cachedTokens: 0,
    estimated: true,
  };
}

export const ZERO_USAGE: Usage = Object.freeze({
  promptTokens: 0,
  completionTokens: 0,
  reasoningTokens: 0,
  cachedTokens: 0,
  estimated: false,
});

/** A token count as a safe integer in [0, MAX_BILLED_TOKENS]; null for what is no count at all (NaN, a string). */
function tokenCount(v: unknown): number | null {
  if (typeof v !== 'number' || Number.isNaN(v) || v < 0) return null;
  return Math.min(MAX_BILLED_TOKENS, Math.ceil(v));
}

/** Usage as the upstream reported it, each count made a safe integer: money is computed from nothing else. */
function safeUsage(u: Usage): Usage {
  const prompt = tokenCount(u.promptTokens)!;
  const completion = tokenCount(u.completionTokens)!;
  const reasoning = tokenCount(u.reasoningTokens) ?? 0;
  const cached = tokenCount(u.cachedTokens) ?? 0;
  if (prompt === u.promptTokens && completion === u.completionTokens && reasoning === u.reasoningTokens && cached === u.cachedTokens) return u;
  return { promptTokens: prompt, completionTokens: completion, reasoningTokens: reasoning, cachedTokens: Math.min(cached, prompt), estimated: u.estimated };
}
