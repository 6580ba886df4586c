/**
 * A battle's language, when the caller did not give one: a script count over the prompt, not a language model.
 * Han → `zh`, kana → `ja`, Hangul → `ko`, Cyrillic → `ru`, Latin → `en` (a French prompt is labelled `en` too: pass
 * `language` explicitly when it matters). Kana wins over Han because Japanese text mixes both.
 */
const SCRIPTS: ReadonlyArray<[string, RegExp]> = [
  ['ja', /[\u3040-\u30ff]/g],
  ['ko', /[\uac00-\ud7af\u1100-\u11ff]/g],
  ['zh', /[\u4e00-\u9fff\u3400-\u4dbf]/g],
  ['ru', /[\u0400-\u04ff]/g],
  ['en', /[A-Za-z]/g],
];

export function detectLanguage(text: string): string | null {
  const counts = new Map(SCRIPTS.map(([lang, re]) => [lang, text.match(re)?.length ?? 0]));
  if ((counts.get('ja') ?? 0) > 0) return 'ja';
  let best: string | null = null;
  let most = 0;
  // A CJK character carries about a word; weigh it like four Latin letters so a Chinese prompt quoting an English
  // term stays Chinese.
  for (const [lang, n] of counts) {
    const weight = lang === 'en' || lang === 'ru' ? n : 4 * n;
    if (weight > most) {
      most = weight;
      best = lang;
    }
  }
  return best;
}

/** A language tag as stored: lower case, 2–16 letters, digits or dashes (e.g. `zh`, `en`, `zh-hant`). */
export function normaliseLanguage(value: string): string | null {
  const v = value.trim().toLowerCase();
  return /^[a-z]{2,3}(?:-[a-z0-9]{1,8})*$/.test(v) && v.length <= 16 ? v : null;
}
