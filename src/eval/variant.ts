/** One concrete prompt a run sends: an item's original or one of its twins, with how to grade the answer. */
import type { GraderSpec, Message } from './suite-schema.js';
import type { Lang } from './suite-types.js';
import type { TwinKind } from './twins/twin-types.js';

export interface Variant {
  /** `suite/item` for an original, `suite/item~kind.i` for a twin. */
  id: string;
  /** The original's id (`suite/item`): every twin points at its parent. */
  itemId: string;
  suite: string;
  kind: 'original' | TwinKind;
  tags: string[];
  lang: Lang;
  messages: Message[];
  /** For choice items, the correct letter of this variant's option order. */
  expected: unknown;
  graders: GraderSpec[];
  /** Pass at this weighted score of the graders instead of when all pass (absent in plans stored before it existed). */
  passThreshold?: number | null;
  choices: string[] | null;
  /** Request fields for the call (the suite's `params`). */
  params: Record<string, unknown>;
  /** What the twin changed, for humans. */
  note: string | null;
}
