/** Final usage of a call: the upstream's own numbers, or a tokenizer estimate flagged as such. */
import type { Usage } from '../providers/spec.js';
import { countTokens, estimatePromptTokens } from './tokenizer.js';

export async function settleUsage(
  reported: Usage | null,
  requestBody: Record<string, unknown>,
  answerText: string | null,
): Promise<Usage> {
  if (reported) return reported;
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
