/**
 * One call to a contender on the arena's behalf (a blind match's answer, a judge's verdict), through
 * the same retry/fallback/breaker path as the gateway, metered into the request log like any other call so arena
 * spend shows in spend reports under the caller's team. The rows are marked `shadow`: they were not served to a
 * client, so the race monitor's guardrails (which read served traffic only) leave them out. With `onText` the call
 * is streamed and each answer piece is handed on as it arrives (a streamed arena match).
 */
import { randomUUID } from 'node:crypto';
import type { Config, Contender } from '../config/types.js';
import { SaimaError } from '../errors.js';
import { costNanos } from '../metering/pricing.js';
import { settleUsage, ZERO_USAGE } from '../metering/usage.js';
import type { Usage } from '../providers/spec.js';
import type { Settle, SpendGuard } from '../metering/spend-guard.js';
import { attemptPlan, AllContendersFailed, type AttemptDeps } from '../race/attempt.js';
import type { RequestLogRow } from '../store/types.js';
import { forwardAnswerText } from './answer-deltas.js';
import { transcript } from './prompt-text.js';

export interface ArenaCallDeps {
  config: Config;
  attemptDeps: AttemptDeps;
  store: { requestLog: { append(row: RequestLogRow): Promise<void> } };
  now: () => number;
}

export type ChatMessage = { role: string; content: unknown } & Record<string, unknown>;

export type { Settle, SpendGuard } from '../metering/spend-guard.js';

export interface CallMeta {
  race: string | null;
  team: string | null;
  keyId: string | null;
  parentId: string | null;
  /** Keep prompt and answer text in the row: only when the race captures. */
  capture: boolean;
  /** Row id prefix, e.g. `arena` for match answers, `judge` for verdicts. */
  kind: string;
  /** Extra body fields (temperature, max_tokens). */
  params?: Record<string, unknown>;
  /** Admission done by the caller (see `admitAll`): settles the real spend. */
  settle?: Settle;
  /** Stream the call and hand on each answer piece as it arrives. */
  onText?: (text: string) => void;
  /** Aborts the call (the client went away); the row then says `client_closed`. */
  signal?: AbortSignal;
}


/** The body sent for a call: the params, the contender's model id, the messages, streamed only when asked. */
export function callBody(contender: Contender, messages: readonly ChatMessage[], params: Record<string, unknown> = {}, stream = false): Record<string, unknown> {
  return { ...params, model: contender.model, messages, stream };
}

/**
 * Admits several calls before any is made, so a refusal (rate limit, budget) costs nothing: when one is refused,
 * the reservations already held are released and the refusal is thrown.
 */
export async function admitAll(guard: SpendGuard, calls: ReadonlyArray<{ contender: Contender; body: Record<string, unknown> }>): Promise<Settle[]> {
  const admitted = await Promise.allSettled(calls.map((c) => guard(c.contender, c.body)));
  const refused = admitted.find((a) => a.status === 'rejected');
  if (!refused) return admitted.map((a) => (a as PromiseFulfilledResult<Settle>).value);
  for (const a of admitted) if (a.status === 'fulfilled') a.value(ZERO_USAGE, 0);
  throw refused.reason;
}

export type CallResult =
  | { ok: true; text: string; usage: Usage; row: RequestLogRow }
  | { ok: false; code: string; message: string; row: RequestLogRow };

export async function callContender(deps: ArenaCallDeps, name: string, messages: readonly ChatMessage[], meta: CallMeta): Promise<CallResult> {
  const contender = deps.config.contenders.get(name);
  if (!contender) throw new SaimaError('not_found', `No contender named '${name}'.`);
  const stream = meta.onText !== undefined;
  const body = callBody(contender, messages, meta.params, stream);
  const settle = meta.settle ?? null;
  const t0 = performance.now();
  const ts = deps.now();
  const id = settle?.rowId ?? `${meta.kind}_${randomUUID()}`;
  let usage = ZERO_USAGE;
  let text: string | null = null;
  let failure: { code: string; message: string; status: number; cut: boolean } | null = null;
  let attempts = 0;
  let finishReason: string | null = null;
  let ttftMs: number | null = null;
  try {
    const deadline = AbortSignal.timeout(contender.timeouts.totalMs);
    const signal = meta.signal ? AbortSignal.any([deadline, meta.signal]) : deadline;
    const ok = await attemptPlan([name], () => ({ contender, body, stream, clientWantsUsage: false, captureText: true, requestId: id }), deps.attemptDeps, signal);
    attempts = ok.attempts;
    ttftMs = performance.now() - t0;
    if (meta.onText) {
      try {
        await forwardAnswerText(ok.first, ok.rest, meta.onText);
      } catch {
        // A body that breaks off is reported by the adapter's outcome, read next.
      }
    } else {
      for (let r = await ok.rest.next(); !r.done; r = await ok.rest.next());
    }
    const outcome = await ok.reply.outcome;
    finishReason = outcome.finishReason;
    text = outcome.text ?? '';
    usage = await settleUsage(outcome.usage, body, text);
    if (!outcome.ok && outcome.error) {
      failure = { code: outcome.error.code, message: outcome.error.message, status: 502, cut: outcome.error.phase === 'mid_stream' };
    }
  } catch (err) {
    const e = err instanceof SaimaError ? err : new SaimaError('internal_error', 'arena call failed');
    attempts = err instanceof AllContendersFailed ? err.failures.length : Math.max(1, attempts);
    failure = { code: e.code, message: e.message, status: e.status, cut: false };
  }
  if (meta.signal?.aborted) {
    // The voter left: not the contender's failure (the monitor and reports read `client_closed` that way).
    failure = { code: 'client_closed', message: 'client closed the connection before the end of the stream', status: failure?.status ?? 200, cut: false };
  }
  const cost = costNanos(usage, contender.price);
  const row: RequestLogRow = {
    id,
    ts,
    race: meta.race,
    contender: contender.name,
    upstreamModel: contender.model,
    team: meta.team,
    keyId: meta.keyId,
    userHash: null,
    parentId: meta.parentId,
    shadow: true,
    stream,
    status: failure ? failure.status : 200,
    outcome: failure ? (failure.cut ? 'cut' : 'error') : 'ok',
    errorCode: failure?.code ?? null,
    errorMessage: failure?.message ?? null,
    attempts,
    latencyMs: performance.now() - t0,
    ttftMs,
    promptTokens: usage.promptTokens,
    completionTokens: usage.completionTokens,
    reasoningTokens: usage.reasoningTokens,
    cachedTokens: usage.cachedTokens,
    usageEstimated: usage.estimated,
    costNanos: cost,
    currency: contender.price.currency,
    finishReason,
    promptText: meta.capture ? transcript(messages) : null,
    responseText: meta.capture ? text : null,
    source: meta.kind === 'judge' ? 'judge' : 'arena',
    outputCap: [body.max_tokens, body.max_completion_tokens].find((v): v is number => typeof v === 'number') ?? null,
  };
  // Settled once its row is in the log: budgets resuming from the log (a gateway starting, a claim decided
  // alone) then find the call there, never neither in the log nor held.
  try {
    await deps.store.requestLog.append(row);
  } finally {
    settle?.(usage, cost);
  }
  return failure ? { ok: false, code: failure.code, message: failure.message, row } : { ok: true, text: text ?? '', usage, row };
}
