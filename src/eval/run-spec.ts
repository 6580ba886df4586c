/**
 * What a run stores about itself: the spec (how it was asked for) and the plan (every variant, frozen at creation),
 * so `eval resume` and `eval report` need neither the suite files nor the original command line.
 */
import { z } from 'zod';
import { EvalError } from './eval-error.js';
import { GraderObject, MessageSchema } from './suite-schema.js';
import { TWIN_KINDS } from './twins/index.js';
import type { Variant } from './variant.js';

export const RunSpecSchema = z.object({
  version: z.literal(1),
  suites: z.array(z.object({ file: z.string(), name: z.string(), hash: z.string(), items: z.number() })),
  contenders: z.array(z.string()).min(1),
  /** What each contender pointed at when the run was created; cache keys are computed from these. */
  identities: z.array(z.object({ name: z.string(), protocol: z.string(), model: z.string(), baseUrl: z.string() })),
  samples: z.number().int().min(1),
  twins: z.array(z.enum(TWIN_KINDS as [string, ...string[]])),
  seed: z.number().int().nullable(),
  concurrency: z.number().int().min(1),
  maxCost: z.object({ amount: z.number(), currency: z.enum(['CNY', 'USD']) }).nullable(),
  judge: z.string().nullable(),
  references: z.array(z.string()),
  alpha: z.number().gt(0).lt(1),
  /** Salt of the cache keys: '' shares results with every run; a run id keeps this run's samples its own. */
  cacheSalt: z.string(),
  /** Grades are keyed by what graded them (`grading-key.ts`); absent in runs stored before, which keep one key. */
  gradingKeys: z.literal(true).optional(),
  /** The team whose budgets the run's calls pay from (`--team`); absent on runs made before teams paid for evals. */
  team: z.string().nullable().optional(),
  /** The key whose budgets the run's calls pay from (`--key`), with its team in `team`. */
  key: z.string().nullable().optional(),
  /** Made with `--no-team`: outside every team's budget on purpose (a resume need not be told again). */
  teamless: z.literal(true).optional(),
});
export type RunSpec = z.infer<typeof RunSpecSchema>;

const VariantSchema = z.object({
  id: z.string(),
  itemId: z.string(),
  suite: z.string(),
  kind: z.enum(['original', ...TWIN_KINDS] as [string, ...string[]]),
  tags: z.array(z.string()),
  lang: z.enum(['en', 'zh']),
  messages: z.array(MessageSchema),
  expected: z.unknown().optional(),
  graders: z.array(GraderObject),
  passThreshold: z.number().nullable().optional(),
  choices: z.array(z.string()).nullable(),
  params: z.record(z.string(), z.unknown()),
  note: z.string().nullable(),
});

export const RunPlanSchema = z.object({ variants: z.array(VariantSchema), warnings: z.array(z.string()) });
export interface RunPlan {
  variants: Variant[];
  warnings: string[];
}

export function parseStoredRun(id: string, spec: unknown, plan: unknown): { spec: RunSpec; plan: RunPlan } {
  const s = RunSpecSchema.safeParse(spec);
  const p = RunPlanSchema.safeParse(plan);
  if (!s.success || !p.success) throw new EvalError(`run ${id}: stored by an incompatible version of Saima`);
  return { spec: s.data, plan: p.data as RunPlan };
}
