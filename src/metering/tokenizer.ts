/**
 * Token estimates for when an upstream reports no usage, and for admission (rate limits, budget reservations).
 * o200k_base (GPT-4o's encoding) only approximates other vendors' tokenizers, which is why such rows are flagged
 * `estimated`.
 */
import { contentText } from '../providers/chat-tokens.js';
import { countTextBounded, estimatePrompt, promptTokensFor } from './prompt-estimate.js';

/** Tokens of a text; past a bounded length counted by bytes (an upper bound), so a huge text costs linear time. */
export async function countTokens(text: string): Promise<number> {
  return countTextBounded(text);
}

/** Estimates the prompt tokens of a chat request from every billable field (see prompt-estimate.ts). */
export async function estimatePromptTokens(body: Record<string, unknown>): Promise<number> {
  return promptTokensFor(await estimatePrompt(body), null);
}

export const messageText = contentText;
