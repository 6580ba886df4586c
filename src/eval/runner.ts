/**
 * Executes a stored run: every (contender, variant, sample) whose result is not cached yet, with `concurrency`
 * calls in flight per contender, retries per contender, a cost cap that stops the run cleanly, and one committed
 * row per completed call, so a run killed at any moment (even `kill -9`) resumes without repeating a completed
 * call. A failed call is data (an error row, retried on the next resume); it never aborts the run.
 */
import { setMaxListeners } from 'node:events';
import type { Config, Contender } from '../config/types.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { AttemptDeps } from '../race/attempt.js';
import { gradeId, type EvalResultRow, type Store } from '../store/index.js';
import { evalAttemptDeps } from './attempt-deps.js';
import { cacheKey, identityOf, sameIdentity } from './cache-key.js';
import { gradingKeys } from './grading-key.js';
import { callContender } from './call-contender.js';
import { EvalError } from './eval-error.js';
import type { Grade, JudgeCall } from './graders/grade.js';
import { gradeAnswer, needsJudge } from './graders/registry.js';
import { judgeParams } from './graders/judge.js';
import { maxCallCnyNanos, observePrompt, withReservedCap } from './call-max.js';
import { PromptCalibration } from '../metering/prompt-calibration.js';
import { coveredBy, isExceeded, type CallBudget, type CallContext, type CallHold } from '../metering/call-budget.js';
import { formatCny, moneyToCnyNanos, toCnyNanos, type Money } from './money.js';
import { parseStoredRun } from './run-spec.js';
import type { Variant } from './variant.js';

export interface RunProgress {
  done: number;
  total: number;
  /** Of `done`, found in the cache (no call made). */
  cached: number;
  failed: number;
  spentCnyNanos: number;
  elapsedMs: number;
  /** Completed calls per second in this session. */
  ratePerS: number;
  etaMs: number | null;
  finished: boolean;
}

export interface RunnerOptions {
  store: Store;
  config: Config;
  providers: ProviderRegistry;
  /**
   * Aborting stops new calls; calls in flight finish and are recorded, for up to `graceMs` (default: no bound).
   * Past it they are abandoned unrecorded, so a resume makes them again.
   */
  signal?: AbortSignal;
  graceMs?: number;
  onProgress?: (p: RunProgress) => void;
  progressIntervalMs?: number;
  attemptDeps?: AttemptDeps;
  now?: () => number;
  /** Replaces the run's own cost cap for this session (`eval resume --max-cost`). */
  maxCost?: Money;
  /**
   * The budgets the calls pay from (the gateway's): every call a budget covers is reserved at its maximum before
   * it is sent and settled after; a refusal stops the run like its cost cap does.
   */
  budget?: CallBudget | null;
  /** The calls' source in budgets and spend reports. Default `eval`. */
  source?: 'eval' | 'gate';
}

export interface RunOutcome {
  runId: string;
  status: 'done' | 'stopped';
  stopReason: string | null;
  /** Calls made in this session (answers, not judge calls). */
  calls: number;
  cached: number;
  failed: number;
  spentCnyNanos: number;
}

interface Unit {
  contender: Contender;
  variant: Variant;
  sample: number;
  key: string;
  /** What grades this variant: a stored grade counts only under this key. */
  gradingKey: string;
  /** The stored answer still waiting for its grade under `gradingKey` (a judge's, or a changed grading's). */
  pending: EvalResultRow | null;
}

export async function executeRun(runId: string, opts: RunnerOptions): Promise<RunOutcome> {
  const { store, config } = opts;
  const now = opts.now ?? Date.now;
  const record = await store.evals.getRun(runId);
  if (!record) throw new EvalError(`no run '${runId}' in the store`);
  const { spec, plan } = parseStoredRun(runId, record.spec, record.plan);
  const contenders = spec.contenders.map((name, i) => {
    const c = config.contenders.get(name);
    if (!c) throw new EvalError(`run ${runId} uses contender '${name}', which the config no longer has`);
    const was = spec.identities[i]!;
    if (!sameIdentity(was, identityOf(c))) throw new EvalError(`contender '${name}' changed since run ${runId} was created (${was.model} at ${was.baseUrl || was.protocol}); start a new run`);
    return c;
  });
  const deps = opts.attemptDeps ?? evalAttemptDeps(config, opts.providers);
  // Billed over estimated prompt tokens per contender, learnt from this run's calls: reservations follow it.
  const calibration = new PromptCalibration();
  const queues: Unit[][] = contenders.map(() => []);
  const all: Unit[] = [];
  const gradingKeyOf = gradingKeys(spec, config);
  contenders.forEach((contender, ci) => {
    for (const variant of plan.variants) {
      for (let sample = 0; sample < spec.samples; sample++) {
        const unit = { contender, variant, sample, key: cacheKey(spec.identities[ci]!, variant, sample, spec.cacheSalt), gradingKey: gradingKeyOf(variant), pending: null };
        all.push(unit);
        queues[ci]!.push(unit);
      }
    }
  });
  const existing = new Map((await store.evals.findResults(all.map((u) => u.key))).map((r) => [r.cacheKey, r]));
  const grades = await store.evals.findGrades(all.filter((u) => existing.get(u.key)?.ok).map((u) => ({ cacheKey: u.key, gradingKey: u.gradingKey })));
  let cached = 0;
  contenders.forEach((_, ci) => {
    queues[ci] = queues[ci]!.filter((u) => {
      const row = existing.get(u.key);
      if (row?.ok && grades.has(gradeId(u.key, u.gradingKey))) return void cached++, false;
      // An answer without a grade under this run's grading: graded again, not asked again.
      if (row?.ok) u.pending = row;
      return true;
    });
  });

  const maxCost = opts.maxCost ?? spec.maxCost;
  const cap = maxCost ? moneyToCnyNanos(maxCost, config.fx) : Number.POSITIVE_INFINITY;
  const capped = Number.isFinite(cap);
  let spent = Object.entries(await store.evals.runSpend(runId)).reduce((s, [cur, n]) => s + toCnyNanos(n, cur, config.fx), 0);
  await store.evals.setRunStatus(runId, 'running', null, now());
  const started = performance.now();
  let done = cached;
  let calls = 0;
  let failed = 0;
  let stopReason: string | null = null;
  const inflight = new AbortController();
  let graceTimer: NodeJS.Timeout | null = null;
  const onAbort = () => {
    stopReason ??= 'interrupted';
    if (opts.graceMs !== undefined) graceTimer = setTimeout(() => inflight.abort(), opts.graceMs);
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) onAbort();
  // Every call in flight listens on this one signal; the default limit of 10 listeners would only warn.
  setMaxListeners(0, inflight.signal);

  let lastProgress = 0;
  const progress = (force = false, finished = false) => {
    if (!opts.onProgress) return;
    const t = performance.now();
    if (!force && t - lastProgress < (opts.progressIntervalMs ?? 100)) return;
    lastProgress = t;
    const elapsedMs = t - started;
    const ratePerS = elapsedMs > 0 ? ((done - cached) * 1000) / elapsedMs : 0;
    opts.onProgress({ done, total: all.length, cached, failed, spentCnyNanos: spent, elapsedMs, ratePerS, etaMs: ratePerS > 0 ? ((all.length - done) / ratePerS) * 1000 : null, finished });
  };
  progress(true);
  // A line even while no call completes (slow calls, a stall upstream): progress is how a long run shows it lives.
  const beat = opts.onProgress ? setInterval(() => progress(), Math.max(1_000, opts.progressIntervalMs ?? 100)) : null;
  beat?.unref();

  /**
   * A judge call's cost is logged with its grade (eval_grades), after every judge call of the grade: its budget hold
   * is settled only then (`holds`), so budgets resuming from the log never find the call neither held nor logged.
   */
  type JudgeSpend = { nanos: number; currency: string | null; holds: Array<{ hold: CallHold | null; nanos: number; currency: string }> };
  const judgeFor = (spend: JudgeSpend): JudgeCall => async (messages, override) => {
    const name = override ?? spec.judge;
    const judge = name ? config.contenders.get(name) : undefined;
    if (!judge) return { ok: false, error: { code: 'judge_missing', message: `judge contender '${name ?? ''}' not configured` } };
    // Sent with the same settings and output cap whether or not the run is capped (they are in the grading key);
    // under a cap, the call is reserved at its maximum before it is sent.
    const ctx = callContext(judge, 'judge');
    const paying = capped || budgeted(ctx);
    const params = judgeParams(judge);
    const max = paying ? await maxCallCnyNanos(judge, messages, params, config.fx, calibration) : 0;
    if (capped && spent + reserved + max > cap) {
      stopReason ??= `cost cap reached: spent ${formatCny(spent)} of ${formatCny(cap)}`;
      throw new CapReached();
    }
    const hold = await reserveBudget(ctx, max);
    if (hold === null) throw new CapReached();
    reserved += max;
    let r;
    try {
      r = await callContender(judge, messages, params, deps, inflight.signal);
      await observePrompt(calibration, judge, messages, params, r.usage);
    } finally {
      reserved -= max;
      spend.holds.push({ hold, nanos: r?.costNanos ?? 0, currency: r?.currency ?? 'CNY' });
    }
    spend.nanos += r.costNanos;
    spend.currency = r.currency;
    return r.ok ? { ok: true, text: r.text ?? '' } : { ok: false, error: r.error! };
  };

  /** Grades (with the judge when the graders need one), stores the grade, and returns what judge calls cost (CNY nanos). */
  const gradeAndStore = async (u: Unit, answer: string): Promise<number> => {
    const spend: JudgeSpend = { nanos: 0, currency: null, holds: [] };
    try {
      return await gradeWith(u, answer, spend);
    } finally {
      for (const h of spend.holds) await settleBudget(h.hold, h.nanos, h.currency);
    }
  };
  const gradeWith = async (u: Unit, answer: string, spend: JudgeSpend): Promise<number> => {
    const variant = u.variant;
    let grade: Grade;
    try {
      grade = await gradeAnswer(answer, variant.graders, { expected: variant.expected, choices: variant.choices, messages: variant.messages, judge: judgeFor(spend) }, variant.passThreshold ?? null);
    } catch (err) {
      if (!(err instanceof CapReached)) throw err;
      // The answer stays stored without its grade: a resume with room under its cap judges it.
      const cost = spend.currency ? toCnyNanos(spend.nanos, spend.currency, config.fx) : 0;
      spent += cost;
      return cost;
    }
    if (inflight.signal.aborted) return 0; // judged only in part: the answer stays ungraded for a resume
    await store.evals.putGrade({ cacheKey: u.key, gradingKey: u.gradingKey, runId, ts: now(), grade, judgeCostNanos: spend.nanos, judgeCurrency: spend.currency });
    const cost = spend.currency ? toCnyNanos(spend.nanos, spend.currency, config.fx) : 0;
    spent += cost;
    if (!grade.ok) failed++;
    return cost;
  };

  /** One unit of work; its success and its own cost (CNY nanos), which other calls finishing meanwhile do not touch. */
  const runUnit = async (u: Unit, params: Readonly<Record<string, unknown>>, hold: CallHold | null): Promise<{ ok: boolean; cost: number }> => {
    if (u.pending) return { ok: true, cost: await gradeAndStore(u, u.pending.answer ?? '') };
    let res;
    try {
      res = await callContender(u.contender, u.variant.messages, params, deps, inflight.signal);
      await observePrompt(calibration, u.contender, u.variant.messages, params, res.usage);
    } catch (err) {
      await settleBudget(hold, 0, 'CNY');
      throw err;
    }
    // Cut by the end of the stop's grace: not the contender's failure, and not recorded, so a resume makes it again.
    if (inflight.signal.aborted) {
      await settleBudget(hold, res.costNanos, res.currency);
      return { ok: true, cost: 0 };
    }
    calls++;
    const judged = needsJudge(u.variant.graders);
    let grade: Grade | null = null;
    if (res.ok && !judged) grade = await gradeAnswer(res.text ?? '', u.variant.graders, { expected: u.variant.expected, choices: u.variant.choices, messages: u.variant.messages, judge: null }, u.variant.passThreshold ?? null);
    await store.evals.putResult({
      cacheKey: u.key, runId, ts: now(), contender: u.contender.name, itemId: u.variant.itemId, variantId: u.variant.id, sample: u.sample,
      ok: res.ok, answer: res.text, errorCode: res.error?.code ?? null, errorMessage: res.error?.message ?? null,
      latencyMs: res.latencyMs, ttftMs: res.ttftMs, attempts: res.attempts, promptTokens: res.usage.promptTokens,
      completionTokens: res.usage.completionTokens, usageEstimated: res.usage.estimated, costNanos: res.costNanos,
      currency: res.currency,
    }).finally(() => settleBudget(hold, res.costNanos, res.currency));
    // Written after its answer: a crash between the two leaves an answer that a resume grades without a call.
    if (grade) await store.evals.putGrade({ cacheKey: u.key, gradingKey: u.gradingKey, runId, ts: now(), grade, judgeCostNanos: 0, judgeCurrency: null });
    const cost = toCnyNanos(res.costNanos, res.currency, config.fx);
    spent += cost;
    if (!res.ok) {
      failed++;
      return { ok: false, cost };
    }
    if (judged) return { ok: true, cost: cost + (await gradeAndStore(u, res.text ?? '')) };
    if (grade && !grade.ok) failed++;
    return { ok: true, cost };
  };

  const worker = async (ci: number, state: ContenderState) => {
    const queue = queues[ci]!;
    while (stopReason === null && state.stopped === null) {
      const unit = queue[state.next];
      if (!unit) return;
      // Under a cap every call is reserved at its maximum (prompt estimate + the output cap it is sent with) before
      // it is sent, so a run may stop short of its cap but never spends past it, however costs move meanwhile.
      // A judged answer's judge calls are reserved the same way when they are made.
      const ctx = callContext(unit.contender, source);
      const paying = !unit.pending && (capped || budgeted(ctx));
      const params = paying ? withReservedCap(unit.variant.params, unit.contender) : unit.variant.params;
      const estimate = paying ? await maxCallCnyNanos(unit.contender, unit.variant.messages, params, config.fx, calibration) : 0;
      if (stopReason !== null || state.stopped !== null || queue[state.next] !== unit) continue;
      if (spent + reserved + estimate > cap) {
        // Calls in flight may cost less than reserved: wait for one to settle and look again. With nothing in
        // flight, the next call would pass the cap: stop.
        if (inflightCalls > 0) {
          await nextSettled();
          continue;
        }
        stopReason ??= `cost cap reached: spent ${formatCny(spent)} of ${formatCny(cap)}`;
        return;
      }
      state.next++;
      // The budgets (shared with the gateway's traffic) are asked last: a refusal gives the unit back and, as for
      // the cap, waits for a call in flight to settle, or stops the run when none is.
      const hold = paying ? await reserveBudget(ctx, estimate, inflightCalls > 0) : null;
      if (paying && hold === null) {
        queue.push(unit);
        if (stopReason === null && inflightCalls > 0) await nextSettled();
        continue;
      }
      state.inflight++;
      inflightCalls++;
      reserved += estimate;
      try {
        const { ok, cost } = await runUnit(unit, params, hold);
        state.costCny += cost;
        state.consecutiveFailures = ok ? 0 : state.consecutiveFailures + 1;
        if (state.consecutiveFailures >= failureLimit) state.stopped = `${unit.contender.name} failed ${state.consecutiveFailures} calls in a row`;
      } finally {
        reserved -= estimate;
        state.inflight--;
        inflightCalls--;
        state.completed++;
        state.release();
        settled();
        done++;
        progress();
      }
    }
  };
  let reserved = 0;
  let inflightCalls = 0;
  const source = opts.source ?? 'eval';
  const budget = opts.budget ?? null;
  const team = spec.team ?? null;
  const keyId = spec.key ?? null;
  function callContext(c: Contender, kind: string): CallContext {
    return { team, keyId, contender: c.name, race: null, source: kind };
  }
  function budgeted(ctx: CallContext): boolean {
    return budget !== null && coveredBy(budget.budgets, ctx).length > 0;
  }
  /**
   * Reserves a call's maximum (CNY nanos) on the budgets covering it; null when one refuses, which stops the run
   * unless `mayWait` (calls in flight may settle below their reservations, so the caller looks again after one).
   */
  async function reserveBudget(ctx: CallContext, maxCny: number, mayWait = false): Promise<CallHold | null> {
    if (!budget || !budgeted(ctx)) return { id: null, nanos: 0, currency: 'CNY' };
    const r = await budget.reserve(ctx, Math.ceil(maxCny), 'CNY');
    if (!isExceeded(r)) return r;
    if (!mayWait) stopReason ??= `budget '${r.exceeded}' would be exceeded by the next call`;
    return null;
  }
  async function settleBudget(hold: CallHold | null, nanos: number, currency: string): Promise<void> {
    if (!budget || !hold || hold.id === null) return;
    await budget.settle(hold, Math.round(toCnyNanos(nanos, currency, config.fx)), 'CNY');
  }
  let settledSignal: { promise: Promise<void>; resolve: () => void } | null = null;
  const nextSettled = (): Promise<void> => {
    if (!settledSignal) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      settledSignal = { promise, resolve };
    }
    return settledSignal.promise;
  };
  const settled = () => {
    settledSignal?.resolve();
    settledSignal = null;
  };
  const failureLimit = Math.max(20, 2 * spec.concurrency);
  const states = contenders.map(() => new ContenderState());
  // A resumed run estimates its next call from what its earlier calls cost, so a cap reached before the
  // interruption still holds without a probe call.
  for (const u of all) {
    const row = existing.get(u.key);
    if (!row || row.runId !== runId) continue;
    const ci = spec.contenders.indexOf(row.contender);
    if (ci < 0) continue;
    const g = grades.get(gradeId(u.key, u.gradingKey));
    states[ci]!.completed++;
    states[ci]!.costCny += toCnyNanos(row.costNanos, row.currency, config.fx) + (g?.judgeCurrency ? toCnyNanos(g.judgeCostNanos, g.judgeCurrency, config.fx) : 0);
  }
  await Promise.all(
    contenders.flatMap((_, ci) => Array.from({ length: Math.min(spec.concurrency, Math.max(1, queues[ci]!.length)) }, () => worker(ci, states[ci]!))),
  );
  opts.signal?.removeEventListener('abort', onAbort);
  if (graceTimer) clearTimeout(graceTimer);
  if (beat) clearInterval(beat);
  const contenderStop = states.find((s) => s.stopped !== null)?.stopped ?? null;
  stopReason ??= contenderStop;
  await store.evals.setRunStatus(runId, stopReason ? 'stopped' : 'done', stopReason, now());
  progress(true, true);
  return { runId, status: stopReason ? 'stopped' : 'done', stopReason, calls, cached, failed, spentCnyNanos: spent };
}

/** A judge call that would pass the cost cap: the grade is left for a resume. */
class CapReached extends Error {}

class ContenderState {
  next = 0;
  inflight = 0;
  completed = 0;
  costCny = 0;
  consecutiveFailures = 0;
  stopped: string | null = null;
  #resolve: (() => void) | null = null;
  firstDone: Promise<void> = new Promise((r) => (this.#resolve = r));
  release(): void {
    this.#resolve?.();
    this.#resolve = null;
  }
}
