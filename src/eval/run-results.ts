/**
 * A run's results as the statistics read them: for each contender, each variant, its samples in order. Rows come
 * from the cache by key (so results another run paid for count too); grades are validated, not trusted.
 */
import { z } from 'zod';
import type { Config } from '../config/types.js';
import { gradeId, type EvalGradeRow, type EvalResultRow, type EvalRunRecord, type Store } from '../store/index.js';
import { cacheKey } from './cache-key.js';
import { gradingKeys } from './grading-key.js';
import { EvalError } from './eval-error.js';
import type { Grade } from './graders/grade.js';
import { toCnyNanos } from './money.js';
import { parseStoredRun, type RunPlan, type RunSpec } from './run-spec.js';

const GradeSchema = z.union([
  z.object({ ok: z.literal(true), pass: z.boolean(), score: z.number(), extracted: z.string().nullable(), reason: z.string().optional() }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) }),
]);

export type SampleStatus = 'pass' | 'fail' | 'error' | 'missing';

export interface Sample {
  status: SampleStatus;
  answer: string | null;
  /** The graded part (a number, a letter), for answer consistency. */
  extracted: string | null;
  error: { code: string; message: string } | null;
  latencyMs: number | null;
  /** Answer plus judge cost, in CNY nanos. */
  costCnyNanos: number;
  promptTokens: number;
  completionTokens: number;
}

export interface RunResults {
  record: EvalRunRecord;
  spec: RunSpec;
  plan: RunPlan;
  /** contender → variant id → samples (length = spec.samples). */
  samples: Map<string, Map<string, Sample[]>>;
  missing: number;
}

export async function loadRunResults(store: Store, config: Config, runId: string): Promise<RunResults> {
  const record = await store.evals.getRun(runId);
  if (!record) throw new EvalError(`no run '${runId}' in the store`);
  const { spec, plan } = parseStoredRun(runId, record.spec, record.plan);
  const keys: Array<{ contender: string; variant: string; sample: number; key: string; gradingKey: string }> = [];
  const gradingKeyOf = gradingKeys(spec, config);
  spec.identities.forEach((identity) => {
    for (const v of plan.variants) {
      for (let s = 0; s < spec.samples; s++) keys.push({ contender: identity.name, variant: v.id, sample: s, key: cacheKey(identity, v, s, spec.cacheSalt), gradingKey: gradingKeyOf(v) });
    }
  });
  const rows = new Map((await store.evals.findResults(keys.map((k) => k.key))).map((r) => [r.cacheKey, r]));
  // Only grades made under this run's own grading count: another run's verdict on the same answer may differ.
  const grades = await store.evals.findGrades(keys.filter((k) => rows.has(k.key)).map((k) => ({ cacheKey: k.key, gradingKey: k.gradingKey })));
  const samples = new Map<string, Map<string, Sample[]>>();
  let missing = 0;
  for (const k of keys) {
    let byVariant = samples.get(k.contender);
    if (!byVariant) samples.set(k.contender, (byVariant = new Map()));
    let list = byVariant.get(k.variant);
    if (!list) byVariant.set(k.variant, (list = []));
    const row = rows.get(k.key);
    if (!row) missing++;
    list[k.sample] = row ? toSample(row, grades.get(gradeId(k.key, k.gradingKey)) ?? null, config) : MISSING;
  }
  return { record, spec, plan, samples, missing };
}

const MISSING: Sample = { status: 'missing', answer: null, extracted: null, error: null, latencyMs: null, costCnyNanos: 0, promptTokens: 0, completionTokens: 0 };

function toSample(row: EvalResultRow, graded: EvalGradeRow | null, config: Config): Sample {
  const cost = toCnyNanos(row.costNanos, row.currency, config.fx) + (graded?.judgeCurrency ? toCnyNanos(graded.judgeCostNanos, graded.judgeCurrency, config.fx) : 0);
  const base = { answer: row.answer, latencyMs: row.ok ? row.latencyMs : null, costCnyNanos: cost, promptTokens: row.promptTokens, completionTokens: row.completionTokens };
  if (!row.ok) return { ...base, status: 'error', extracted: null, error: { code: row.errorCode ?? 'error', message: row.errorMessage ?? '' } };
  if (graded === null) return { ...base, status: 'missing', extracted: null, error: null };
  const parsed = GradeSchema.safeParse(graded.grade);
  if (!parsed.success) return { ...base, status: 'error', extracted: null, error: { code: 'invalid_grade', message: 'stored grade unreadable' } };
  const grade: Grade = parsed.data;
  if (!grade.ok) return { ...base, status: 'error', extracted: null, error: grade.error };
  return { ...base, status: grade.pass ? 'pass' : 'fail', extracted: grade.extracted, error: null };
}
