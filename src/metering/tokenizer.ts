/**
 * Token estimates for when an upstream reports no usage, and for admission (rate limits, budget reservations).
 * o200k_base (GPT-4o's encoding) only approximates other vendors' tokenizers, which is why such rows are flagged
 * `estimated`.
 */
import { contentText, countText, loadEncoding, promptTokens } from '../providers/chat-tokens.js';

export async function countTokens(text: string): Promise<number> {
  return countText(await loadEncoding(), text);
}

/** Estimates prompt tokens of a chat request from its messages (text parts only) and tool definitions. */
export async function estimatePromptTokens(body: Record<string, unknown>): Promise<number> {
  return promptTokens(await loadEncoding(), body);
}

export const messageText = contentText;
