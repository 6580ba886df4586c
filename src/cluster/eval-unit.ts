/**
 * One unit of a queued run, as `executeRun` does it in process: look the key up in the result cache first when
 * the job is a retry (its worker may have died after answering it), else call the contender, grade, and write the
 * row; a judged grade is added after. The row's unique cache key makes every result land exactly once, and the
 * cache look-up keeps a retried job from paying for the same call twice.
 */
import type { Config } from '../config/types.js';
import type { AttemptDeps } from '../race/attempt.js';
import { callContender } from '../eval/call-contender.js';
import type { Grade, JudgeCall } from '../eval/graders/grade.js';
import { gradeAnswer, needsJudge } from '../eval/graders/registry.js';
import { toCnyNanos } from '../eval/money.js';
import type { Variant } from '../eval/variant.js';
import type { Store } from '../store/index.js';
import { unitOf, type QueuedRun, type UnitRef } from './queued-run.js';

export interface UnitOutcome {
  /** 'cached': nothing was called. */
  kind: 'called' | 'cached' | 'judged';
  failed: boolean;
  /** What this unit spent, answers and judge calls, in CNY nanos. */
  spentCnyNanos: number;
}

export interface UnitDeps {
  store: Store;
  config: Config;
  attemptDeps: AttemptDeps;
  signal: AbortSignal;
  now: () => number;
}

/**
 * `retried`: the job ran before (its worker died, or it failed). Only then can its result already be in the cache
 * from this very job, so a first attempt skips the look-up; the unique key still keeps a rare overlap with another
 * run to one row.
 */
export async function runEvalUnit(run: QueuedRun, ref: UnitRef, deps: UnitDeps, retried = true): Promise<UnitOutcome> {
  const { store, config } = deps;
  const u = unitOf(run, ref);
  // A unit queued with its answer already stored (another grading's run paid for it) is graded, never asked again.
  const [row] = retried || ref.answered ? await store.evals.findResults([u.key]) : [];
  if (row?.ok && (await store.evals.findGrades([{ cacheKey: u.key, gradingKey: u.gradingKey }])).size > 0) return { kind: 'cached', failed: false, spentCnyNanos: 0 };
  if (row?.ok) {
    const judged = await gradeAndStore(run, u, row.answer ?? '', deps);
    return { kind: 'judged', failed: judged.failed, spentCnyNanos: judged.spent };
  }
  const res = await callContender(u.contender, u.variant.messages, u.variant.params, deps.attemptDeps, deps.signal);
  const judged = needsJudge(u.variant.graders);
  let grade: Grade | null = null;
  if (res.ok && !judged) grade = await gradeAnswer(res.text ?? '', u.variant.graders, { expected: u.variant.expected, choices: u.variant.choices, messages: u.variant.messages, judge: null }, u.variant.passThreshold ?? null);
  await store.evals.putResult({
    cacheKey: u.key, runId: run.id, ts: deps.now(), contender: u.contender.name, itemId: u.variant.itemId, variantId: u.variant.id, sample: u.sample,
    ok: res.ok, answer: res.text, errorCode: res.error?.code ?? null, errorMessage: res.error?.message ?? null,
    latencyMs: res.latencyMs, ttftMs: res.ttftMs, attempts: res.attempts, promptTokens: res.usage.promptTokens,
    completionTokens: res.usage.completionTokens, usageEstimated: res.usage.estimated, costNanos: res.costNanos,
    currency: res.currency,
  });
  if (grade) await store.evals.putGrade({ cacheKey: u.key, gradingKey: u.gradingKey, runId: run.id, ts: deps.now(), grade, judgeCostNanos: 0, judgeCurrency: null });
  const spent = toCnyNanos(res.costNanos, res.currency, config.fx);
  if (!res.ok) return { kind: 'called', failed: true, spentCnyNanos: spent };
  if (judged) {
    const j = await gradeAndStore(run, u, res.text ?? '', deps);
    return { kind: 'called', failed: j.failed, spentCnyNanos: spent + j.spent };
  }
  return { kind: 'called', failed: grade !== null && !grade.ok, spentCnyNanos: spent };
}

async function gradeAndStore(run: QueuedRun, u: { key: string; gradingKey: string; variant: Variant }, answer: string, deps: UnitDeps): Promise<{ failed: boolean; spent: number }> {
  const variant = u.variant;
  const spend = { nanos: 0, currency: null as string | null };
  const judge: JudgeCall = async (messages, override) => {
    const name = override ?? run.spec.judge;
    const c = name ? deps.config.contenders.get(name) : undefined;
    if (!c) return { ok: false, error: { code: 'judge_missing', message: `judge contender '${name ?? ''}' not configured` } };
    const r = await callContender(c, messages, { temperature: 0 }, deps.attemptDeps, deps.signal);
    spend.nanos += r.costNanos;
    spend.currency = r.currency;
    return r.ok ? { ok: true, text: r.text ?? '' } : { ok: false, error: r.error! };
  };
  const grade = await gradeAnswer(answer, variant.graders, { expected: variant.expected, choices: variant.choices, messages: variant.messages, judge }, variant.passThreshold ?? null);
  await deps.store.evals.putGrade({ cacheKey: u.key, gradingKey: u.gradingKey, runId: run.id, ts: deps.now(), grade, judgeCostNanos: spend.nanos, judgeCurrency: spend.currency });
  return { failed: !grade.ok, spent: spend.currency ? toCnyNanos(spend.nanos, spend.currency, deps.config.fx) : 0 };
}
