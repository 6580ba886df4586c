/**
 * `distractor`: one irrelevant but plausible sentence inserted before the question sentence (GSM-Symbolic's
 * "NoOp" variant). It often carries a number, so a model that grabs numbers rather than reading loses points; the
 * answer does not change. The sentence's name and place are ones the item does not use.
 */
import type { SuiteItem } from '../suite-types.js';
import { DISTRACTORS } from './distractor-sentences.js';
import { ENTITY_POOLS } from './entity-pools.js';
import { sentenceSpans } from './sentences.js';
import type { TwinGenerator } from './twin-types.js';

export const distractor: TwinGenerator = (item, rand) => {
  const stem = item.parts.stem;
  const unused = (list: readonly string[]) => {
    const free = list.filter((v) => !stem.includes(v));
    return free.length > 0 ? free : list;
  };
  const sentence = rand
    .pick(DISTRACTORS[item.lang])
    .replace('{name}', entityLike(item, 'name') ?? rand.pick(unused(ENTITY_POOLS.name[item.lang])))
    .replace('{place}', rand.pick(unused(ENTITY_POOLS.place[item.lang])))
    .replace('{n}', String(2 + rand.int(28)));
  const spans = sentenceSpans(stem);
  const at = spans.length > 1 ? spans[spans.length - 1]!.start : 0;
  const sep = item.lang === 'zh' ? '' : ' ';
  return { parts: { ...item.parts, stem: `${stem.slice(0, at)}${sentence}${sep}${stem.slice(at)}` }, expected: item.expected, note: `inserted "${sentence}"` };
};

/** A distractor about the item's own first named person reads naturally ("Alice's neighbour has 3 cats"). */
function entityLike(item: SuiteItem, kind: 'name'): string | null {
  for (const e of Object.values(item.entities)) if (e.kind === kind) return e.value;
  return null;
}
