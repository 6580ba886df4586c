/**
 * A stored eval run as a queue sees it: the spec and the frozen plan from the store, the contenders resolved
 * against this process's config (with the same identity check as `executeRun`, so a worker whose config points a
 * contender elsewhere refuses instead of mixing answers), and the cache key of every unit.
 */
import type { Config, Contender } from '../config/types.js';
import { cacheKey, identityOf, sameIdentity } from '../eval/cache-key.js';
import { EvalError } from '../eval/eval-error.js';
import { gradingKeys } from '../eval/grading-key.js';
import type { RunPlan, RunSpec } from '../eval/run-spec.js';
import { parseStoredRun } from '../eval/run-spec.js';
import type { Variant } from '../eval/variant.js';
import type { Store } from '../store/index.js';

/** One call of a run: contender × variant × sample, addressed by indexes into the stored spec and plan. */
export interface UnitRef {
  c: number;
  v: number;
  s: number;
  /** Its answer is stored already (made for another grading): the unit only grades it. */
  answered?: true;
}

export interface QueuedRun {
  id: string;
  spec: RunSpec;
  plan: RunPlan;
  contenders: Contender[];
  /** The grading key of a variant (a stored grade counts only under it). */
  gradingKey: (variant: Variant) => string;
}

export async function loadQueuedRun(store: Store, config: Config, runId: string): Promise<QueuedRun> {
  const record = await store.evals.getRun(runId);
  if (!record) throw new EvalError(`no run '${runId}' in the store`);
  const { spec, plan } = parseStoredRun(runId, record.spec, record.plan);
  const contenders = spec.contenders.map((name, i) => {
    const c = config.contenders.get(name);
    if (!c) throw new EvalError(`run ${runId} uses contender '${name}', which this config does not have`);
    if (!sameIdentity(spec.identities[i]!, identityOf(c))) throw new EvalError(`contender '${name}' differs from the one run ${runId} was created with`);
    return c;
  });
  return { id: runId, spec, plan, contenders, gradingKey: gradingKeys(spec, config) };
}

export function unitOf(run: QueuedRun, ref: UnitRef): { contender: Contender; variant: Variant; sample: number; key: string; gradingKey: string } {
  const contender = run.contenders[ref.c];
  const variant = run.plan.variants[ref.v];
  if (!contender || !variant || ref.s < 0 || ref.s >= run.spec.samples) throw new EvalError(`run ${run.id} has no unit ${JSON.stringify(ref)}`);
  return { contender, variant, sample: ref.s, key: cacheKey(run.spec.identities[ref.c]!, variant, ref.s, run.spec.cacheSalt), gradingKey: run.gradingKey(variant) };
}

/** Every unit of the run, in the runner's order. */
export function allUnits(run: QueuedRun): UnitRef[] {
  const out: UnitRef[] = [];
  run.contenders.forEach((_, c) => {
    for (let v = 0; v < run.plan.variants.length; v++) for (let s = 0; s < run.spec.samples; s++) out.push({ c, v, s });
  });
  return out;
}

/** BullMQ job ids may not contain ':'; this one is unique per run and unit, so enqueueing twice adds nothing. */
export const jobIdOf = (runId: string, ref: UnitRef): string => `${runId}.${ref.c}.${ref.v}.${ref.s}`;
