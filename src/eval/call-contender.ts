/**
 * One eval call through the provider layer: the variant's messages and params to one contender (no fallbacks: an
 * eval measures that contender), retried per its retry settings, read to the end, metered and priced. Never
 * throws for an upstream failure: the result says `ok: false` with the error, and the run goes on.
 */
import type { Contender } from '../config/types.js';
import { costNanos } from '../metering/pricing.js';
import { settleUsage, ZERO_USAGE } from '../metering/usage.js';
import type { Usage } from '../providers/spec.js';
import { attemptPlan, type AttemptDeps } from '../race/attempt.js';
import type { Message } from './suite-schema.js';

export interface CallResult {
  ok: boolean;
  text: string | null;
  error: { code: string; message: string } | null;
  usage: Usage;
  costNanos: number;
  currency: string;
  latencyMs: number;
  ttftMs: number | null;
  attempts: number;
}

let sequence = 0;

export async function callContender(
  contender: Contender,
  messages: readonly Message[],
  params: Readonly<Record<string, unknown>>,
  deps: AttemptDeps,
  signal: AbortSignal,
): Promise<CallResult> {
  const started = performance.now();
  const body: Record<string, unknown> = { ...params, model: contender.model, messages, stream: false };
  const requestId = `eval-${process.pid}-${++sequence}`;
  const failed = (code: string, message: string, attempts: number): CallResult => ({
    ok: false, text: null, error: { code, message }, usage: ZERO_USAGE, costNanos: 0, currency: contender.price.currency,
    latencyMs: performance.now() - started, ttftMs: null, attempts,
  });
  let success;
  try {
    success = await attemptPlan([contender.name], (c) => ({ contender: c, body, stream: false, clientWantsUsage: false, captureText: true, requestId }), deps, signal);
  } catch (err) {
    // One contender retried n times fails as `all_contenders_failed`; the last attempt's own error says more.
    const e = err as { code?: unknown; message?: unknown; failures?: Array<{ code: string; message: string }> };
    const last = Array.isArray(e.failures) ? e.failures[e.failures.length - 1] : undefined;
    const attempts = Array.isArray(e.failures) ? e.failures.length : 1;
    if (last) return failed(last.code, attempts > 1 ? `${last.message} (after ${attempts} attempts)` : last.message, attempts);
    return failed(typeof e.code === 'string' ? e.code : 'internal_error', typeof e.message === 'string' ? e.message : String(err), attempts);
  }
  try {
    for (let r = await success.rest.next(); !r.done; r = await success.rest.next()) {
      // drained so the outcome settles; a non-streamed body is one chunk
    }
  } catch {
    // the outcome carries the failure
  }
  const outcome = await success.reply.outcome;
  if (!outcome.ok) {
    return failed(outcome.error?.code ?? 'upstream_error', outcome.error?.message ?? 'the call failed after its headers', success.attempts);
  }
  const text = outcome.text ?? '';
  const usage = await settleUsage(outcome.usage, body, text);
  return {
    ok: true,
    text,
    error: null,
    usage,
    costNanos: costNanos(usage, contender.price),
    currency: contender.price.currency,
    latencyMs: performance.now() - started,
    ttftMs: outcome.ttftMs,
    attempts: success.attempts,
  };
}
