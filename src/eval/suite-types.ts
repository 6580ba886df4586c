/** A loaded, validated suite: what twins are generated from and what the runner plans. */
import type { Expression } from './expression.js';
import type { ItemParts } from './render.js';
import type { EntitySpec, GraderSpec, RawTwin } from './suite-schema.js';

export type Lang = 'en' | 'zh';

/** A numeric template variable: its original value and the domain a resampled twin draws from. */
export interface VarDomain {
  value: number;
  /** A plain number in the suite: never resampled. */
  fixed: boolean;
  min: number | null;
  max: number | null;
  step: number;
  choices: readonly number[] | null;
}

export interface TemplateSpec {
  text: string;
  vars: Readonly<Record<string, VarDomain>>;
  conditions: readonly Expression[];
  answer: Expression | null;
}

export interface SuiteItem {
  id: string;
  suite: string;
  lang: Lang;
  tags: readonly string[];
  parts: ItemParts;
  /** For choice items, the correct letter. */
  expected: unknown;
  graders: readonly GraderSpec[];
  /** Pass at this weighted score instead of when every grader passes; null: every grader must pass. */
  passThreshold: number | null;
  template: TemplateSpec | null;
  entities: Readonly<Record<string, EntitySpec>>;
  authored: readonly RawTwin[];
}

export interface Suite {
  name: string;
  /** A promptfoo config converted, or a Saima suite: decides which twins `--twins auto` generates. */
  origin: 'saima' | 'promptfoo';
  description: string | null;
  /** The file it came from, as given. */
  file: string;
  /** sha256 of the suite text (and its private twins), so a run can tell its suite changed. */
  hash: string;
  lang: Lang;
  params: Readonly<Record<string, unknown>>;
  seed: number;
  twinsPerKind: number;
  items: readonly SuiteItem[];
}
