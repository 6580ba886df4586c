/**
 * `reformat`: the same text laid out differently: sentences on their own lines or as a bulleted list, other
 * spacing (in Chinese, spaces between Han characters and digits), full-width ↔ half-width punctuation in Chinese,
 * and another letter style for options ("(A)" instead of "A."). Meaning is untouched; a model tuned to one
 * published layout stumbles.
 */
import { CHOICE_STYLES, type ChoiceStyle } from '../render.js';
import type { Lang } from '../suite-types.js';
import { sentences } from './sentences.js';
import type { TwinGenerator } from './twin-types.js';

type Transform = { name: string; applies: (text: string, lang: Lang) => boolean; apply: (text: string, lang: Lang) => string };

const FULL_TO_HALF: Record<string, string> = { '，': ', ', '。': '. ', '？': '? ', '！': '! ', '：': ': ', '；': '; ' };

const TRANSFORMS: Transform[] = [
  {
    name: 'one sentence per line',
    applies: (t) => sentences(t).length > 1,
    apply: (t) => sentences(t).join('\n'),
  },
  {
    name: 'bulleted facts',
    applies: (t) => sentences(t).length > 2,
    apply: (t) => {
      const s = sentences(t);
      return `${s.slice(0, -1).map((x) => `- ${x}`).join('\n')}\n\n${s[s.length - 1]}`;
    },
  },
  {
    name: 'spacing',
    applies: (t, lang) => (lang === 'zh' ? /[\u4e00-\u9fff]\d|\d[\u4e00-\u9fff]/.test(t) : /[.?!] \S/.test(t)),
    apply: (t, lang) =>
      lang === 'zh'
        ? t.replace(/([\u4e00-\u9fff])(\d)/g, '$1 $2').replace(/(\d)([\u4e00-\u9fff])/g, '$1 $2')
        : t.replace(/([.?!]) (?=\S)/g, '$1  ').replace(/^/, '  '),
  },
  {
    name: 'half-width punctuation',
    applies: (t, lang) => lang === 'zh' && /[，。？！：；]/.test(t),
    apply: (t) => t.replace(/[，。？！：；]/g, (c) => FULL_TO_HALF[c]!).replace(/ +$/g, '').trimEnd(),
  },
];

export const reformat: TwinGenerator = (item, rand) => {
  const { stem, choices, choiceStyle } = item.parts;
  const usable = TRANSFORMS.filter((t) => t.applies(stem, item.lang));
  const changes: string[] = [];
  let next = stem;
  if (usable.length > 0) {
    const t = rand.pick(usable);
    next = t.apply(stem, item.lang);
    changes.push(t.name);
  }
  let style: ChoiceStyle = choiceStyle;
  if (choices) {
    style = rand.pick(CHOICE_STYLES.filter((s) => s !== choiceStyle));
    changes.push(`options as ${style}`);
  }
  if (next === stem && style === choiceStyle) return { skip: 'nothing to reformat', warn: false };
  return { parts: { ...item.parts, stem: next, choiceStyle: style }, expected: item.expected, note: changes.join(', ') };
};
