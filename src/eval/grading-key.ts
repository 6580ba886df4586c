/**
 * The grading key: what decides a grade besides the answer — the assertions (type, value, weight, threshold,
 * transform, `not-`), the expected value and choices, the pass threshold, and each judge's identity (name, model,
 * endpoint). A stored grade counts for a run only under the run's own grading key; an answer (keyed by the call
 * alone, see `cache-key.ts`) is reused by any run making the same call, and graded again when the grading differs.
 */
import { createHash } from 'node:crypto';
import type { Config } from '../config/types.js';
import { identityOf } from './cache-key.js';
import type { RunSpec } from './run-spec.js';
import type { Variant } from './variant.js';

/** Bumped when grading code changes what a grade means. */
const VERSION = 2;

/** The key runs stored before grading keys existed keep using (their grades were moved under it). */
export const LEGACY_GRADING_KEY = 'v1';

/** The grading key of each of the run's variants, with the judges as `config` names them now. */
export function gradingKeys(spec: RunSpec, config: Config): (variant: Variant) => string {
  if (spec.gradingKeys !== true) return () => LEGACY_GRADING_KEY;
  const judge = (name: string | null) => {
    const c = name ? config.contenders.get(name) : undefined;
    return c ? identityOf(c) : name;
  };
  const memo = new Map<Variant, string>();
  return (v) => {
    let key = memo.get(v);
    if (key === undefined) {
      const judges = v.graders.map((g) => (g.type === 'judge' ? judge(g.contender ?? spec.judge) : null));
      key = createHash('sha256')
        .update(JSON.stringify([VERSION, v.graders, v.expected ?? null, v.choices, v.passThreshold ?? null, judges]))
        .digest('base64url');
      memo.set(v, key);
    }
    return key;
  };
}
