/**
 * One unit of a queued run, as `executeRun` does it in process: look the key up in the result cache first when
 * the job is a retry (its worker may have died after answering it), else call the contender, grade, and write the
 * row; a judged grade is added after. The row's unique cache key makes every result land exactly once, and the
 * cache look-up keeps a retried job from paying for the same call twice.
 */
import type { Config, Contender } from '../config/types.js';
import { maxCallCnyNanos, observePrompt, withReservedCap } from '../eval/call-max.js';
import type { PromptCalibration } from '../metering/prompt-calibration.js';
import type { AttemptDeps } from '../race/attempt.js';
import { callContender } from '../eval/call-contender.js';
import type { Grade, JudgeCall } from '../eval/graders/grade.js';
import { gradeAnswer, needsJudge } from '../eval/graders/registry.js';
import { toCnyNanos } from '../eval/money.js';
import type { Variant } from '../eval/variant.js';
import type { Store } from '../store/index.js';
import { unitOf, type QueuedRun, type UnitRef } from './queued-run.js';

export interface UnitOutcome {
  /** 'cached': nothing was called. 'refused': the run's cap or a budget refused a call (its reason). */
  kind: 'called' | 'cached' | 'judged' | 'refused';
  failed: boolean;
  /** What this unit spent, answers and judge calls, in CNY nanos. */
  spentCnyNanos: number;
  reason?: string;
  /** Gives the unit's holds back: called once its spend is counted in the run's tally. */
  release?: () => Promise<void>;
}

/**
 * Before a call is sent: hold its maximum (CNY nanos) against the run's cap and the budgets covering it. Returns
 * how to settle the call's real cost and give the hold back, or why the call may not be made.
 */
export type UnitAdmit = (contender: Contender, source: 'eval' | 'judge', maxCnyNanos: number) => Promise<UnitTicket | { refused: string }>;

export interface UnitTicket {
  /** The call's real cost to the budgets (nanos of `currency`); at once. */
  settle(costNanos: number, currency: string): Promise<void>;
  /** The hold on the run's cap, given back after the tally counts the spend. */
  release(): Promise<void>;
}

class Refused extends Error {}

export interface UnitDeps {
  store: Store;
  config: Config;
  attemptDeps: AttemptDeps;
  signal: AbortSignal;
  now: () => number;
  /** Reserves each call before it is sent; without it, calls are made unreserved. */
  admit?: UnitAdmit;
  /** What each upstream bills against our prompt estimates, learnt by this worker: reservations follow it. */
  calibration?: PromptCalibration;
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
  const tickets: UnitTicket[] = [];
  const release = async () => void (await Promise.all(tickets.map((t) => t.release())));
  if (row?.ok) {
    const judged = await gradeAndStore(run, u, row.answer ?? '', deps, tickets);
    if (judged.refused) return { kind: 'refused', failed: false, spentCnyNanos: judged.spent, reason: judged.refused, release };
    return { kind: 'judged', failed: judged.failed, spentCnyNanos: judged.spent, release };
  }
  // Reserved at its maximum before it is sent, and sent with the output cap it was reserved at.
  const params = deps.admit ? withReservedCap(u.variant.params, u.contender) : u.variant.params;
  let ticket: UnitTicket | null = null;
  if (deps.admit) {
    const a = await deps.admit(u.contender, 'eval', await maxCallCnyNanos(u.contender, u.variant.messages, params, config.fx, deps.calibration));
    if ('refused' in a) return { kind: 'refused', failed: false, spentCnyNanos: 0, reason: a.refused };
    ticket = a;
    tickets.push(a);
  }
  let res;
  try {
    res = await callContender(u.contender, u.variant.messages, params, deps.attemptDeps, deps.signal);
    if (deps.calibration) await observePrompt(deps.calibration, u.contender, u.variant.messages, params, res.usage);
  } catch (err) {
    await ticket?.settle(0, 'CNY');
    await release();
    throw err;
  }
  const judged = needsJudge(u.variant.graders);
  let grade: Grade | null = null;
  if (res.ok && !judged) grade = await gradeAnswer(res.text ?? '', u.variant.graders, { expected: u.variant.expected, choices: u.variant.choices, messages: u.variant.messages, judge: null }, u.variant.passThreshold ?? null);
  await store.evals.putResult({
    cacheKey: u.key, runId: run.id, ts: deps.now(), contender: u.contender.name, itemId: u.variant.itemId, variantId: u.variant.id, sample: u.sample,
    ok: res.ok, answer: res.text, errorCode: res.error?.code ?? null, errorMessage: res.error?.message ?? null,
    latencyMs: res.latencyMs, ttftMs: res.ttftMs, attempts: res.attempts, promptTokens: res.usage.promptTokens,
    completionTokens: res.usage.completionTokens, usageEstimated: res.usage.estimated, costNanos: res.costNanos,
    currency: res.currency,
  }).finally(() => ticket?.settle(res.costNanos, res.currency));
  if (grade) await store.evals.putGrade({ cacheKey: u.key, gradingKey: u.gradingKey, runId: run.id, ts: deps.now(), grade, judgeCostNanos: 0, judgeCurrency: null });
  const spent = toCnyNanos(res.costNanos, res.currency, config.fx);
  if (!res.ok) return { kind: 'called', failed: true, spentCnyNanos: spent, release };
  if (judged) {
    const j = await gradeAndStore(run, u, res.text ?? '', deps, tickets);
    // A refused judge call leaves the answer stored without its grade: a resume grades it.
    if (j.refused) return { kind: 'refused', failed: false, spentCnyNanos: spent + j.spent, reason: j.refused, release };
    return { kind: 'called', failed: j.failed, spentCnyNanos: spent + j.spent, release };
  }
  return { kind: 'called', failed: grade !== null && !grade.ok, spentCnyNanos: spent, release };
}

async function gradeAndStore(
  run: QueuedRun, u: { key: string; gradingKey: string; variant: Variant }, answer: string, deps: UnitDeps, tickets: UnitTicket[],
): Promise<{ failed: boolean; spent: number; refused?: string }> {
  const variant = u.variant;
  const spend = { nanos: 0, currency: null as string | null };
  const judge: JudgeCall = async (messages, override) => {
    const name = override ?? run.spec.judge;
    const c = name ? deps.config.contenders.get(name) : undefined;
    if (!c) return { ok: false, error: { code: 'judge_missing', message: `judge contender '${name ?? ''}' not configured` } };
    const params = deps.admit ? withReservedCap({ temperature: 0 }, c) : { temperature: 0 };
    let ticket: UnitTicket | null = null;
    if (deps.admit) {
      const a = await deps.admit(c, 'judge', await maxCallCnyNanos(c, messages, params, deps.config.fx, deps.calibration));
      if ('refused' in a) throw new Refused(a.refused);
      ticket = a;
      tickets.push(a);
    }
    let r;
    try {
      r = await callContender(c, messages, params, deps.attemptDeps, deps.signal);
      if (deps.calibration) await observePrompt(deps.calibration, c, messages, params, r.usage);
    } finally {
      await ticket?.settle(r?.costNanos ?? 0, r?.currency ?? 'CNY');
    }
    spend.nanos += r.costNanos;
    spend.currency = r.currency;
    return r.ok ? { ok: true, text: r.text ?? '' } : { ok: false, error: r.error! };
  };
  let grade: Grade;
  try {
    grade = await gradeAnswer(answer, variant.graders, { expected: variant.expected, choices: variant.choices, messages: variant.messages, judge }, variant.passThreshold ?? null);
  } catch (err) {
    if (!(err instanceof Refused)) throw err;
    return { failed: false, spent: spend.currency ? toCnyNanos(spend.nanos, spend.currency, deps.config.fx) : 0, refused: err.message };
  }
  await deps.store.evals.putGrade({ cacheKey: u.key, gradingKey: u.gradingKey, runId: run.id, ts: deps.now(), grade, judgeCostNanos: spend.nanos, judgeCurrency: spend.currency });
  return { failed: !grade.ok, spent: spend.currency ? toCnyNanos(spend.nanos, spend.currency, deps.config.fx) : 0 };
}
