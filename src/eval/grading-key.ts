/**
 * The grading key: what decides a grade besides the answer — the assertions (type, value, weight, threshold,
 * transform, `not-`), the expected value and choices, the pass threshold, and each judge: its identity (name, model,
 * endpoint) and how it is asked — a digest of the judge prompt's text and of every request field a judge call is
 * sent with (sampling settings, output cap and its field). A stored grade counts for a run only under the run's own grading key; an answer (keyed by the call
 * alone, see `cache-key.ts`) is reused by any run making the same call, and graded again when the grading differs.
 */
import { createHash } from 'node:crypto';
import type { Config } from '../config/types.js';
import { identityOf } from './cache-key.js';
import { JUDGE_PROMPT, judgeParams } from './graders/judge.js';
import type { RunSpec } from './run-spec.js';
import type { Variant } from './variant.js';

/** Bumped when grading code changes what a grade means. */
const VERSION = 2;

/** The judge prompt's text, as a digest: an edited prompt is another grading. */
const PROMPT_DIGEST = createHash('sha256').update(JSON.stringify([JUDGE_PROMPT.system, JUDGE_PROMPT.user])).digest('base64url');
const sortedParams = (p: Record<string, unknown>) => Object.fromEntries(Object.entries(p).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** The key runs stored before grading keys existed keep using (their grades were moved under it). */
export const LEGACY_GRADING_KEY = 'v1';

/** The grading key of each of the run's variants, with the judges as `config` names them now. */
export function gradingKeys(spec: RunSpec, config: Config): (variant: Variant) => string {
  if (spec.gradingKeys !== true) return () => LEGACY_GRADING_KEY;
  const judgeKeys = new Map<string | null, unknown>();
  const judge = (name: string | null) => {
    let j = judgeKeys.get(name);
    if (j === undefined) {
      const c = name ? config.contenders.get(name) : undefined;
      // An unknown judge grades nothing (the grade is an error naming it): its name alone keys that error.
      j = c ? { ...identityOf(c), prompt: PROMPT_DIGEST, params: sortedParams(judgeParams(c)) } : name;
      judgeKeys.set(name, j);
    }
    return j;
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
