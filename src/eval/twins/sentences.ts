/** Sentence spans of an item text, for inserting a distractor and reformatting, in English and Chinese. */

export interface Span {
  start: number;
  end: number;
}

const CJK_END = new Set(['。', '！', '？']);
const ASCII_END = new Set(['.', '!', '?']);
const CLOSERS = /["'”’」』)）]/;

/**
 * Sentence spans, trimmed. A CJK full stop always ends a sentence; an ASCII one only before whitespace or the end,
 * so decimals (2.5) and "3.14" stay whole.
 */
export function sentenceSpans(text: string): Span[] {
  const spans: Span[] = [];
  let start = 0;
  const push = (end: number) => {
    let s = start;
    while (s < end && /\s/.test(text[s]!)) s++;
    let e = end;
    while (e > s && /\s/.test(text[e - 1]!)) e--;
    if (e > s) spans.push({ start: s, end: e });
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const ends = CJK_END.has(ch) || (ASCII_END.has(ch) && (i + 1 === text.length || /\s/.test(text[i + 1]!)));
    if (!ends) continue;
    let j = i + 1;
    while (j < text.length && CLOSERS.test(text[j]!)) j++;
    push(j);
    start = j;
    i = j - 1;
  }
  push(text.length);
  return spans;
}

export function sentences(text: string): string[] {
  return sentenceSpans(text).map((s) => text.slice(s.start, s.end));
}
