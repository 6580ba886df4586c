/**
 * What a twin changed (`note` of a worst item), in the page's language. The twin generators write it in English
 * words around values (src/eval/twins/): a layout's name, `inserted "<sentence>"`, `answer 12→15`, `order BADC`,
 * `options as (A)`. A Chinese page says those words in Chinese and keeps the values (a name, a number, the inserted
 * sentence, which belongs to the item's language); the English page shows the note as written.
 */
import type { Lang, Translate } from '../../i18n/i18n-context.js';

const LAYOUTS: Record<string, 'evals.twin.sentencePerLine' | 'evals.twin.bulleted' | 'evals.twin.spacing' | 'evals.twin.halfWidth'> = {
  'one sentence per line': 'evals.twin.sentencePerLine',
  'bulleted facts': 'evals.twin.bulleted',
  spacing: 'evals.twin.spacing',
  'half-width punctuation': 'evals.twin.halfWidth',
};

function part(p: string, t: Translate): string {
  const layout = LAYOUTS[p];
  if (layout) return t(layout);
  const inserted = /^inserted "(.*)"$/s.exec(p);
  if (inserted) return t('evals.twin.inserted', { sentence: inserted[1]! });
  const answer = /^answer (.+)$/s.exec(p);
  if (answer) return t('evals.twin.answer', { change: answer[1]! });
  const order = /^order (\S+)$/.exec(p);
  if (order) return t('evals.twin.order', { order: order[1]! });
  const options = /^options as (.+)$/.exec(p);
  if (options) return t('evals.twin.options', { style: options[1]! });
  return p;
}

export function twinNote(note: string, t: Translate, lang: Lang): string {
  if (lang === 'en') return note;
  // An inserted sentence may hold commas and semicolons of its own: it is said whole.
  if (/^inserted "/.test(note)) return part(note, t);
  return note
    .split('; ')
    .map((group) => group.split(', ').map((p) => part(p, t)).join('，'))
    .join('；');
}
