/**
 * Reads an OpenAI-protocol `usage` object. Loose on purpose: vendors differ in where they put cache hits and
 * which detail objects they send (or send as null). Hand-written rather than zod: it runs on every request,
 * and a measured zod parse cost more than the rest of the usage handling together.
 */
import { reportedTokens } from '../reported-tokens.js';
import type { Usage } from '../spec.js';

type Loose = Record<string, unknown>;

const count = reportedTokens;

function object(v: unknown): Loose | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Loose) : null;
}

/** Returns null when `raw` is not a usage object (no numeric `prompt_tokens`). */
export function readUsage(raw: unknown): Usage | null {
  const u = object(raw);
  const prompt = count(u?.prompt_tokens);
  if (u === null || prompt === null) return null;
  return {
    promptTokens: prompt,
    completionTokens: count(u.completion_tokens) ?? 0,
    reasoningTokens: count(object(u.completion_tokens_details)?.reasoning_tokens) ?? 0,
    // DeepSeek reports cache hits as `prompt_cache_hit_tokens`, Moonshot as a top-level `cached_tokens`;
    // `||` because a vendor may send a zero OpenAI detail beside its own non-zero field.
    cachedTokens: count(object(u.prompt_tokens_details)?.cached_tokens) || count(u.prompt_cache_hit_tokens) || count(u.cached_tokens) || 0,
    estimated: false,
  };
}

/** What Saima reads from a non-streamed `chat.completion`: first choice's finish reason and text, and usage. */
export function completionFields(raw: unknown): { finishReason: string | null; content: string | null; usage: Usage | null; error: string | null; model?: string | null } | null {
  const body = object(raw);
  if (body === null) return null;
  const choices = Array.isArray(body.choices) ? (body.choices as unknown[]) : null;
  if (choices === null) {
    // Some compatible servers answer errors with a 2xx and an OpenAI error body.
    const error = object(body.error);
    return error ? { finishReason: null, content: null, usage: null, error: typeof error.message === 'string' ? error.message : 'unknown' } : null;
  }
  const choice = object(choices[0]);
  const message = object(choice?.message);
  return {
    finishReason: typeof choice?.finish_reason === 'string' ? choice.finish_reason : null,
    content: typeof message?.content === 'string' ? message.content : null,
    usage: readUsage(body.usage),
    error: null,
    model: typeof body.model === 'string' ? body.model : null,
  };
}

/** A Responses API `usage` object in the gateway's terms (cached inside input, reasoning inside output, as chat). */
export function readResponsesUsage(raw: unknown): Usage | null {
  const u = object(raw);
  const input = count(u?.input_tokens);
  if (u === null || input === null) return null;
  return {
    promptTokens: input,
    completionTokens: count(u.output_tokens) ?? 0,
    reasoningTokens: count(object(u.output_tokens_details)?.reasoning_tokens) ?? 0,
    cachedTokens: count(object(u.input_tokens_details)?.cached_tokens) ?? 0,
    estimated: false,
  };
}
