/**
 * Strict parsing of a judge's verdict. The judge ends with one of `[[A]]` (A better), `[[B]]` (B better), `[[C]]`
 * (tie, as MT-Bench's pairwise prompt) or `[[D]]` (both bad, Chatbot Arena's `tie (bothbad)`), or answers a JSON
 * object `{"verdict": "A" | "B" | "C" | "D" | "tie" | "both_bad"}`. As in Arena-Hard-Auto (`lmarena/arena-hard-auto`
 * `gen_judgment.py`, `get_score`), a reply whose brackets name more than one distinct verdict is unparsable rather than
 * read as its first or last one: a judge that quotes the instructions has not decided. MT-Bench instead checks
 * `[[A]]` first, which would turn such a reply into a win for A.
 */
export type Verdict = 'A' | 'B' | 'tie' | 'both_bad';

const BRACKETED = /\[\[\s*([ABCD])\s*\]\]/g;
const FROM_LETTER: Record<string, Verdict> = { A: 'A', B: 'B', C: 'tie', D: 'both_bad' };
const FROM_JSON: Record<string, Verdict> = { a: 'A', b: 'B', c: 'tie', tie: 'tie', d: 'both_bad', both_bad: 'both_bad', bothbad: 'both_bad' };

/** The verdict in `text`, or null when there is none or more than one. */
export function parseVerdict(text: string): Verdict | null {
  const letters = new Set([...text.matchAll(BRACKETED)].map((m) => m[1]!));
  if (letters.size === 1) return FROM_LETTER[[...letters][0]!]!;
  if (letters.size > 1) return null;
  return jsonVerdict(text);
}

function jsonVerdict(text: string): Verdict | null {
  const body = text.trim().replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/, '$1');
  if (!body.startsWith('{')) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const v = (parsed as Record<string, unknown>).verdict ?? (parsed as Record<string, unknown>).winner;
  return typeof v === 'string' ? (FROM_JSON[v.trim().toLowerCase()] ?? null) : null;
}
