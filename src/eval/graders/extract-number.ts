/**
 * The final numeric answer in a model's text. When the text names its answer ("the answer is", "Answer:",
 * "答案是", "####", \boxed{…}), the first number after the last such marker; otherwise the last number. Thousands
 * separators, full-width digits, currency signs, percent signs and simple fractions (3/4) are understood; a hyphen
 * between words or numbers ("5-year-old", "3-4") is not a minus sign.
 */

const MARKER = /(?:final answer|the answer is|answer\s*[:：]|answer is|答案\s*(?:是|为|[:：])?|结果\s*(?:是|为|[:：])|####|\\boxed\{)/gi;
const NUMBER = /(?<![\w.])[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s*\/\s*\d+)?|(?<![\w.])[-−]?\.\d+/g;

export function toHalfWidth(text: string): string {
  return text.replace(/[０-９．，－]/g, (c) => ({ '．': '.', '，': ',', '－': '-' })[c] ?? String.fromCharCode(c.charCodeAt(0) - 0xfee0));
}

export function extractFinalNumber(text: string): number | null {
  const t = toHalfWidth(text);
  let last = -1;
  for (const m of t.matchAll(MARKER)) last = m.index + m[0].length;
  if (last >= 0) {
    const after = [...t.slice(last).matchAll(NUMBER)][0];
    if (after) return parse(after[0]);
  }
  const all = [...t.matchAll(NUMBER)];
  return all.length ? parse(all[all.length - 1]![0]) : null;
}

function parse(s: string): number | null {
  const clean = s.replace(/,/g, '').replace('−', '-').replace(/\s+/g, '');
  const slash = clean.indexOf('/');
  const v = slash < 0 ? Number(clean) : Number(clean.slice(0, slash)) / Number(clean.slice(slash + 1));
  return Number.isFinite(v) ? v : null;
}
