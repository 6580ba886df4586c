/**
 * The option a model chose, as a letter. In order: an answer that is only a letter ("B", "(B)", "B."); the
 * letter after the last answer marker ("Answer: B", "the answer is (C)", "答案是D", "选B"); a letter opening the
 * answer ("C. Paris because…"); the one distinct standalone option letter in the text; or the one option whose
 * text the answer quotes. Anything else is no choice (graded wrong, not an error).
 */

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function extractChoice(text: string, choices: readonly string[]): string | null {
  const n = choices.length;
  const valid = (l: string | undefined) => (l !== undefined && l.length === 1 && l.toUpperCase().charCodeAt(0) - 65 < n ? l.toUpperCase() : null);
  const t = text.replace(/[（]/g, '(').replace(/[）]/g, ')').replace(/[：]/g, ':').trim();
  const whole = /^\(?([A-Ja-j])\)?[.)、:]?$/.exec(t);
  if (whole) return valid(whole[1]);
  const marker = /(?:answer\s*(?:is|:)?|correct (?:option|choice|answer) is|答案\s*(?:是|为|:)?|选(?:项)?(?:是|为)?|选择)\s*[*"'「]*\(?([A-J])\)?(?![A-Za-z])/gi;
  let fromMarker: string | null = null;
  for (const m of t.matchAll(marker)) fromMarker = valid(m[1]) ?? fromMarker;
  if (fromMarker) return fromMarker;
  const lead = /^\*{0,2}\(?([A-J])[.)、:]/.exec(t);
  if (lead && valid(lead[1])) return valid(lead[1]);
  // Standalone capitals, minus the English article "A" and pronoun "I" before a word ("A city", "I think"), but
  // not before a connective ("A or B", "I is wrong").
  const isWord = (at: number) => /^[AI] (?!(?:or|and|nor|is|was|are|seems)\b)[a-z]/.test(t.slice(at, at + 12));
  const letters = new Set([...t.matchAll(/(?<![A-Za-z])([A-J])(?![A-Za-z])/g)].filter((m) => !isWord(m.index)).map((m) => valid(m[1])).filter((l): l is string => l !== null));
  if (letters.size === 1) return [...letters][0]!;
  const lower = t.toLowerCase();
  const quoted = choices.map((c, i) => (new RegExp(`(?<![\\p{L}\\p{N}])${escape(c.toLowerCase())}(?![\\p{L}\\p{N}])`, 'u').test(lower) ? i : -1)).filter((i) => i >= 0);
  return quoted.length === 1 ? String.fromCharCode(65 + quoted[0]!) : null;
}
