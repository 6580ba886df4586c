/**
 * Style counts of an answer, the covariates of style control, as Chatbot Arena and Arena-Hard-Auto count them
 * (`lmarena/arena-hard-auto` `utils/add_markdown_info.py`, after FastChat's): fenced code blocks are removed
 * first, then markdown headers (`#`…`######` at a line start), list items (`-`, `*`, `+` or `1.` at a line start)
 * and bold spans (`**x**`, `__x__`) are counted. Length is in o200k_base tokens: GPT-4o's encoding, which they
 * use too, and the gateway's own estimate tokenizer.
 */
import { countTokens } from '../metering/tokenizer.js';
import type { StyleCounts } from '../store/index.js';

const CODE_BLOCK = /```[^`]*```/g;
const HEADER = /^#{1,6}\s/gm;
const LIST = /^\s*(?:[-*+]|\d+\.)\s/gm;
const BOLD = /\*\*[^*\n]+\*\*|__[^_\n]+__/g;

export function markdownCounts(text: string): Omit<StyleCounts, 'tokens'> {
  const prose = text.replace(CODE_BLOCK, '');
  return {
    headers: prose.match(HEADER)?.length ?? 0,
    lists: prose.match(LIST)?.length ?? 0,
    bold: prose.match(BOLD)?.length ?? 0,
  };
}

export async function styleCounts(text: string): Promise<StyleCounts> {
  return { tokens: await countTokens(text), ...markdownCounts(text) };
}

/** Feature order used for the style-controlled fit and its reported coefficients. */
export const STYLE_FEATURES = ['tokens', 'headers', 'lists', 'bold'] as const satisfies ReadonlyArray<keyof StyleCounts>;

export function styleVector(s: StyleCounts): number[] {
  return STYLE_FEATURES.map((f) => s[f]);
}
