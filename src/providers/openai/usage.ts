/**
 * Reads an OpenAI-protocol `usage` object. Loose on purpose: vendors differ in where they put cache hits
 * and which detail objects they send (or send as null).
 */
import { z } from 'zod';
import type { Usage } from '../spec.js';

const count = z.number().nonnegative().nullish().catch(null);

const UsageSchema = z.object({
  prompt_tokens: z.number().nonnegative(),
  completion_tokens: count,
  prompt_tokens_details: z.object({ cached_tokens: count }).nullish().catch(null),
  completion_tokens_details: z.object({ reasoning_tokens: count }).nullish().catch(null),
  // DeepSeek reports cache hits beside prompt_tokens instead of in prompt_tokens_details.
  prompt_cache_hit_tokens: count,
  // Moonshot (Kimi) reports them as a top-level `cached_tokens`.
  cached_tokens: count,
});

/** Returns null when `raw` is not a usage object (no numeric `prompt_tokens`). */
export function readUsage(raw: unknown): Usage | null {
  const parsed = UsageSchema.safeParse(raw);
  if (!parsed.success) return null;
  const u = parsed.data;
  return {
    promptTokens: u.prompt_tokens,
    completionTokens: u.completion_tokens ?? 0,
    reasoningTokens: u.completion_tokens_details?.reasoning_tokens ?? 0,
    // `||`: a vendor may send a zero detail beside its own non-zero field.
    cachedTokens: u.prompt_tokens_details?.cached_tokens || u.prompt_cache_hit_tokens || u.cached_tokens || 0,
    estimated: false,
  };
}
