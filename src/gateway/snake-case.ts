/**
 * Admin and dashboard APIs answer in snake_case, as OpenAI's API does (`prompt_tokens`, `finish_reason`), whatever
 * the casing of the TypeScript objects behind them. Shallow on purpose: nested values keep their keys, because some
 * are keyed by data (contender names) rather than by field.
 */
export function snakeKeys(o: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = v;
  return out;
}
