/**
 * Anthropic Messages response → OpenAI `chat.completion`, plus the usage and stop-reason tables the stream
 * translator shares. Parsed loosely: Anthropic adds block types and usage fields over time (server tools,
 * cache_creation breakdowns, service_tier), and what we do not translate must not break what we do.
 */
import { z } from 'zod';
import { reportedTokens } from '../reported-tokens.js';
import type { Usage } from '../spec.js';

export const AnthropicUsageSchema = z.object({
  input_tokens: z.number().nullish(),
  output_tokens: z.number().nullish(),
  cache_read_input_tokens: z.number().nullish(),
  cache_creation_input_tokens: z.number().nullish(),
  /** Newer API versions report the part of output_tokens spent thinking. */
  output_tokens_details: z.object({ thinking_tokens: z.number().nullish() }).nullish(),
});
export type AnthropicUsage = z.infer<typeof AnthropicUsageSchema>;

const BlockSchema = z.object({
  type: z.string(),
  text: z.string().optional(),
  thinking: z.string().optional(),
  id: z.string().optional(),
  name: z.string().optional(),
  input: z.unknown().optional(),
});

export const MessageSchema = z.object({
  id: z.string(),
  model: z.string(),
  content: z.array(BlockSchema),
  stop_reason: z.string().nullish(),
  usage: AnthropicUsageSchema.nullish(),
});
export type AnthropicMessage = z.infer<typeof MessageSchema>;

/** end_turn/stop_sequence/pause_turn → stop, max_tokens → length, tool_use → tool_calls, refusal → content_filter. */
export function finishReason(stopReason: string | null | undefined): string | null {
  switch (stopReason) {
    case null:
    case undefined:
      return null;
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop';
  }
}

/**
 * Anthropic counts cached prompt tokens outside `input_tokens`; OpenAI counts them inside `prompt_tokens`.
 * Thinking is billed as output; its share is `output_tokens_details.thinking_tokens` where reported, else 0.
 */
export function toUsage(u: AnthropicUsage): Usage {
  const cacheRead = reportedTokens(u.cache_read_input_tokens) ?? 0;
  return {
    promptTokens: reportedTokens((reportedTokens(u.input_tokens) ?? 0) + cacheRead + (reportedTokens(u.cache_creation_input_tokens) ?? 0))!,
    completionTokens: reportedTokens(u.output_tokens) ?? 0,
    reasoningTokens: reportedTokens(u.output_tokens_details?.thinking_tokens) ?? 0,
    cachedTokens: cacheRead,
    estimated: false,
  };
}

export function openAIUsage(u: Usage): Record<string, unknown> {
  return {
    prompt_tokens: u.promptTokens,
    completion_tokens: u.completionTokens,
    total_tokens: u.promptTokens + u.completionTokens,
    prompt_tokens_details: { cached_tokens: u.cachedTokens },
    completion_tokens_details: { reasoning_tokens: u.reasoningTokens },
  };
}

export interface TranslatedCompletion {
  body: Record<string, unknown>;
  usage: Usage | null;
  finishReason: string | null;
  /** The answer text, without reasoning. */
  text: string;
}

export function toChatCompletion(msg: AnthropicMessage, created = Math.floor(Date.now() / 1000)): TranslatedCompletion {
  let text = '';
  let reasoning = '';
  const toolCalls: Record<string, unknown>[] = [];
  for (const b of msg.content) {
    if (b.type === 'text') text += b.text ?? '';
    else if (b.type === 'thinking') reasoning += b.thinking ?? '';
    else if (b.type === 'tool_use') {
      toolCalls.push({ id: b.id ?? '', type: 'function', function: { name: b.name ?? '', arguments: JSON.stringify(b.input ?? {}) } });
    }
    // redacted_thinking and server-tool blocks have no OpenAI counterpart.
  }
  const message: Record<string, unknown> = { role: 'assistant', content: text === '' && toolCalls.length > 0 ? null : text, refusal: null };
  if (reasoning !== '') message.reasoning_content = reasoning;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  const usage = msg.usage ? toUsage(msg.usage) : null;
  const finish = finishReason(msg.stop_reason) ?? 'stop';
  const body: Record<string, unknown> = {
    id: msg.id,
    object: 'chat.completion',
    created,
    model: msg.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finish }],
  };
  if (usage) body.usage = openAIUsage(usage);
  return { body, usage, finishReason: finish, text };
}
