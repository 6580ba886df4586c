/**
 * A run's results as the statistics read them: for each contender, each variant, its samples in order. Rows come
 * from the cache by key (so results another run paid for count too); grades are validated, not trusted.
 */
import { z } from 'zod';
import type { Config } from '../config/types.js';
import type { EvalResultRow, EvalRunRecord, Store } from '../store/index.js';
import { cacheKey } from './cache-key.js';
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
  const keys: Array<{ contender: string; variant: string; sample: number; key: string }> = [];
  spec.identities.forEach((identity) => {
    for (const v of plan.variants) {
      for (let s = 0; s < spec.samples; s++) keys.push({ contender: identity.name, variant: v.id, sample: s, key: cacheKey(identity, v, s, spec.cacheSalt) });
    }
  });
  const rows = new Map((await store.evals.findResults(keys.map((k) => k.key))).map((r) => [r.cacheKey, r]));
  const samples = new Map<string, Map<string, Sample[]>>();
  let missing = 0;
  for (const k of keys) {
    let byVariant = samples.get(k.contender);
    if (!byVariant) samples.set(k.contender, (byVariant = new Map()));
    let list = byVariant.get(k.variant);
    if (!list) byVariant.set(k.variant, (list = []));
    const row = rows.get(k.key);
    if (!row) missing++;
    list[k.sample] = row ? toSample(row, config) : MISSING;
  }
  return { record, spec, plan, samples, missing };
}

const MISSING: Sample = { status: 'missing', answer: null, extracted: null, error: null, latencyMs: null, costCnyNanos: 0, promptTokens: 0, completionTokens: 0 };

function toSample(row: EvalResultRow, config: Config): Sample {
  const cost = toCnyNanos(row.costNanos, row.currency, config.fx) + (row.judgeCurrency ? toCnyNanos(row.judgeCostNanos, row.judgeCurrency, config.fx) : 0);
  const base = { answer: row.answer, latencyMs: row.ok ? row.latencyMs : null, costCnyNanos: cost, promptTokens: row.promptTokens, completionTokens: row.completionTokens };
  if (!row.ok) return { ...base, status: 'error', extracted: null, error: { code: row.errorCode ?? 'error', message: row.errorMessage ?? '' } };
  if (row.grade === null) return { ...base, status: 'missing', extracted: null, error: null };
  const parsed = GradeSchema.safeParse(row.grade);
  if (!parsed.success) return { ...base, status: 'error', extracted: null, error: { code: 'invalid_grade', message: 'stored grade unreadable' } };
  const grade: Grade = parsed.data;
  if (!grade.ok) return { ...base, status: 'error', extracted: null, error: grade.error };
  return { ...base, status: grade.pass ? 'pass' : 'fail', extracted: grade.extracted, error: null };
}
