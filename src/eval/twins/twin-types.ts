/** What a twin generator receives and returns. */
import type { ItemParts } from '../render.js';
import type { SuiteItem } from '../suite-types.js';
import type { TwinRandom } from './twin-random.js';

export const GENERATED_TWIN_KINDS = ['shuffle-choices', 'resample-numbers', 'rename-entities', 'distractor', 'reformat'] as const;
export type GeneratedTwinKind = (typeof GENERATED_TWIN_KINDS)[number];
export type TwinKind = GeneratedTwinKind | 'authored';

export interface TwinDraft {
  parts: ItemParts;
  expected: unknown;
  /** What changed, for humans reading the worst items (`a: 12→15`, `B→D`). */
  note: string;
}

/** Not generated: `warn` when the item qualified but no valid twin was found (worth telling the suite author). */
export interface TwinSkip {
  skip: string;
  warn: boolean;
}

export type TwinGenerator = (item: SuiteItem, rand: TwinRandom) => TwinDraft | TwinSkip;

export const isSkip = (r: TwinDraft | TwinSkip): r is TwinSkip => 'skip' in r;
export const notApplicable = (why: string): TwinSkip => ({ skip: why, warn: false });
