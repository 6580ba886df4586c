/**
 * Every variant a run evaluates: each item's original and its twins. Generated twins are deterministic from
 * (suite seed, item id, kind, index); every variant records its parent item and its kind.
 */
import { EvalError } from '../eval-error.js';
import { renderMessages } from '../render.js';
import type { Suite } from '../suite-types.js';
import type { Variant } from '../variant.js';
import { authoredTwin } from './authored.js';
import { distractor } from './distractor.js';
import { reformat } from './reformat.js';
import { renameEntities } from './rename-entities.js';
import { resampleNumbers } from './resample-numbers.js';
import { shuffleChoices } from './shuffle-choices.js';
import { twinRandom } from './twin-random.js';
import { GENERATED_TWIN_KINDS, isSkip, type GeneratedTwinKind, type TwinDraft, type TwinGenerator, type TwinKind } from './twin-types.js';

export const GENERATORS: Record<GeneratedTwinKind, TwinGenerator> = {
  'shuffle-choices': shuffleChoices,
  'resample-numbers': resampleNumbers,
  'rename-entities': renameEntities,
  distractor,
  reformat,
};

export const TWIN_KINDS: readonly TwinKind[] = [...GENERATED_TWIN_KINDS, 'authored'];

/**
 * `--twins auto`: every kind for Saima suites; for promptfoo configs only authored ones, because a distractor or a
 * new layout is answer-preserving for a word problem but not for an arbitrary prompt ("translate this: …").
 */
export function autoTwinKinds(suite: Suite): TwinKind[] {
  return suite.origin === 'promptfoo' ? ['authored'] : [...TWIN_KINDS];
}

/** Parses `--twins auto|all|none|kind,…`; `auto` is null (decided per suite by `autoTwinKinds`). */
export function parseTwinKinds(spec: string): TwinKind[] | null {
  const s = spec.trim();
  if (s === 'auto') return null;
  if (s === 'all') return [...TWIN_KINDS];
  if (s === 'none' || s === '') return [];
  const kinds = s.split(',').map((k) => k.trim());
  for (const k of kinds) if (!TWIN_KINDS.includes(k as TwinKind)) throw new EvalError(`unknown twin kind '${k}' (use auto, all, none, or any of ${TWIN_KINDS.join(', ')})`);
  return kinds as TwinKind[];
}

export interface Variants {
  variants: Variant[];
  /** Items that qualified for a kind but got no twin of it (e.g. no valid resampling), for the suite author. */
  warnings: string[];
}

export function suiteVariants(suite: Suite, kinds: readonly TwinKind[], seed: number = suite.seed): Variants {
  const variants: Variant[] = [];
  const warnings: string[] = [];
  for (const item of suite.items) {
    const itemId = `${suite.name}/${item.id}`;
    const make = (id: string, kind: Variant['kind'], draft: TwinDraft): Variant => ({
      id,
      itemId,
      suite: suite.name,
      kind,
      tags: [...item.tags],
      lang: item.lang,
      messages: renderMessages(draft.parts),
      expected: draft.expected,
      graders: [...item.graders],
      passThreshold: item.passThreshold,
      choices: draft.parts.choices ? [...draft.parts.choices] : null,
      params: { ...suite.params },
      note: kind === 'original' ? null : draft.note,
    });
    variants.push(make(itemId, 'original', { parts: item.parts, expected: item.expected, note: '' }));
    for (const kind of kinds) {
      if (kind === 'authored') {
        item.authored.forEach((twin, i) => variants.push(make(`${itemId}~authored.${twin.id ?? i}`, 'authored', authoredTwin(item, twin, `${suite.file}: ${item.id}.twins[${i}]`))));
        continue;
      }
      for (let i = 0; i < suite.twinsPerKind; i++) {
        const draft = GENERATORS[kind](item, twinRandom(seed, item.id, kind, i));
        if (isSkip(draft)) {
          if (draft.warn) warnings.push(`${itemId}: no ${kind} twin: ${draft.skip}`);
          break;
        }
        variants.push(make(`${itemId}~${kind}.${i}`, kind, draft));
      }
    }
  }
  return { variants, warnings };
}

export { GENERATED_TWIN_KINDS, type GeneratedTwinKind, type TwinKind };
