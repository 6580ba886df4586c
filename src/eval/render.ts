/**
 * Turning an item's parts into the chat messages a contender sees. Twins change the parts (stem, choices, choice
 * style), never the finished text, so every variant is rendered the same way as its original.
 */
import type { Message } from './suite-schema.js';

export type ChoiceStyle = 'dot' | 'paren' | 'bracket' | 'colon';
export const CHOICE_STYLES: readonly ChoiceStyle[] = ['dot', 'paren', 'bracket', 'colon'];

export interface ItemParts {
  /** Messages before the rewritten user message (the suite's system message first). */
  prefix: readonly Message[];
  /** The user text twins rewrite: a prompt, a multiple-choice stem, or a rendered template. */
  stem: string;
  choices: readonly string[] | null;
  choiceStyle: ChoiceStyle;
  /** Messages after the user message (rare: an assistant prefill). */
  suffix: readonly Message[];
}

export const letterOf = (index: number): string => String.fromCharCode(65 + index);

export function renderChoices(choices: readonly string[], style: ChoiceStyle): string {
  return choices
    .map((c, i) => {
      const l = letterOf(i);
      if (style === 'paren') return `(${l}) ${c}`;
      if (style === 'bracket') return `${l}) ${c}`;
      if (style === 'colon') return `${l}: ${c}`;
      return `${l}. ${c}`;
    })
    .join('\n');
}

export function renderMessages(parts: ItemParts): Message[] {
  const user = parts.choices ? `${parts.stem}\n\n${renderChoices(parts.choices, parts.choiceStyle)}` : parts.stem;
  return [...parts.prefix, { role: 'user', content: user }, ...parts.suffix];
}
