/**
 * `shuffle-choices`: the same multiple-choice question with its options in another order, the correct one at a
 * different letter. A model that learnt "the answer to this question is B" fails it; one that reads the options
 * does not care. Items whose options refer to each other ("all of the above") are left alone.
 */
import { letterOf } from '../render.js';
import { notApplicable, type TwinGenerator } from './twin-types.js';

const REFERS_TO_OTHERS = /\b(all|none|both|neither) of the (above|options|choices)\b|以上|上述/i;

export const shuffleChoices: TwinGenerator = (item, rand) => {
  const choices = item.parts.choices;
  if (!choices || typeof item.expected !== 'string') return notApplicable('no choices');
  if (choices.some((c) => REFERS_TO_OTHERS.test(c))) return notApplicable('options refer to each other');
  const correct = item.expected.charCodeAt(0) - 65;
  const order = choices.map((_, i) => i);
  let perm = rand.shuffle(order);
  // Move the correct option for sure: re-draw (bounded), then fall back to a rotation.
  for (let tries = 0; perm.indexOf(correct) === correct && tries < 8; tries++) perm = rand.shuffle(order);
  if (perm.indexOf(correct) === correct) perm = order.map((_, i) => order[(i + 1) % order.length]!);
  const at = perm.indexOf(correct);
  return {
    parts: { ...item.parts, choices: perm.map((i) => choices[i]!) },
    expected: letterOf(at),
    note: `order ${perm.map((i) => letterOf(i)).join('')}, answer ${item.expected}→${letterOf(at)}`,
  };
};
