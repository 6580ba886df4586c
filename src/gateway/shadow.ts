/**
 * Shadow traffic: a sampled copy of a race's request sent to the shadow contender. Its answer is never returned;
 * it is consumed in the background and logged with `shadow = true` and the served request as parent, so it can
 * be judged against the served answer later. It never delays or fails the served request.
 */
import { timeOrderedId } from '../store/time-ordered-id.js';
import type { Contender, Race } from '../config/types.js';
import { ZERO_USAGE } from '../metering/usage.js';
import { CallAbort } from '../providers/call-signal.js';
import { attemptPlan } from '../race/attempt.js';
import type { AdmissionResult } from './admission.js';
import type { GatewayContext } from './context.js';
import { paidCallGuard } from './paid-call.js';
import { appliedCap, requestedCap, withOutputCap, type RequestedCap } from '../metering/output-cap.js';
import type { Principal } from './principal.js';
import { applyFailure, applyOutcome, toObservation, toRow, type CallFacts } from './request-record.js';
import type { ChatBody } from './validate-chat.js';

/**
 * The body a shadow contender is sent, when its front door makes one per contender (the Messages door: thinking by
 * the contender's switch); null skips a shadow its contender cannot carry.
 */
export type ShadowBody = (contender: Contender, body: ChatBody) => ChatBody | null;

export function startShadow(ctx: GatewayContext, race: Race, body: ChatBody, parent: CallFacts, principal: Principal, bodyFor?: ShadowBody): void {
  const shadow = race.shadow;
  if (!shadow) return;
  const id = timeOrderedId('shadow-');
  // Opened now, while the served request's span is open to link to; ended by its facts, or as skipped.
  ctx.telemetry?.startShadow(id, parent.id, parent.race, shadow.contender);
  const task = runShadow(ctx, id, shadow.contender, body, parent, principal, bodyFor).catch(() => undefined);
  ctx.background.add(task);
  void task.finally(() => {
    ctx.background.delete(task);
    ctx.telemetry?.abandon(id);
  });
}

async function runShadow(ctx: GatewayContext, id: string, name: string, body: ChatBody, parent: CallFacts, principal: Principal, bodyFor?: ShadowBody): Promise<void> {
  const contender = ctx.config.contenders.get(name) ?? null;
  if (!contender) return;
  const sent = bodyFor ? bodyFor(contender, body) : body;
  if (sent === null) return;
  // Paid like any call, from the budgets covering the shadow contender, team and key; a budget that refuses (or
  // would swap in another contender) skips the shadow, never the served call.
  let admitted: AdmissionResult;
  let cap: RequestedCap;
  try {
    cap = requestedCap(body, contender);
    admitted = await ctx.admission.admit(principal, body, parent.race, [name], cap, true);
  } catch {
    return;
  }
  if (admitted.downgradedBy) {
    ctx.admission.settle(admitted, ZERO_USAGE, 0, contender);
    ctx.admission.refusals.note(admitted.downgradedBy);
    return;
  }
  const ts = ctx.now();
  // Journaled before its upstream call, as a served call is: a crash after this charges the shadow's reservation
  // (a `lost` row) instead of forgetting money the upstream may bill.
  const journaled = admitted.reservation !== null && admitted.reservedNanos !== undefined;
  try {
    if (journaled) {
      await ctx.journal.open(
        { id, ts, team: parent.team, key_id: parent.keyId, race: parent.race, contender: name, upstream_model: contender.model, reserved_nanos: admitted.reservedNanos!, currency: admitted.currency!, source: 'shadow', protocol: parent.protocol ?? null },
        [name],
      );
    }
    await ctx.admission.confirm(admitted);
  } catch {
    ctx.admission.settle(admitted, ZERO_USAGE, 0, contender);
    if (journaled) ctx.journal.done(id);
    return;
  }
  const capped = admitted.capped || cap.tokens !== null;
  const t0 = performance.now();
  const facts: CallFacts = {
    ...parent,
    id,
    ts,
    contender,
    parentId: parent.id,
    shadow: true,
    source: 'shadow',
    usage: ZERO_USAGE,
    responseText: null,
    outputCap: capped ? appliedCap(cap, contender) : null,
  };
  const stream = body.stream === true;
  // A plain abort and a timer cleared at the end, not AbortSignal.timeout: that one keeps its signal and timer
  // for the whole total_ms (10 minutes by default) however soon the call ends. Unref'd as that timer was: the
  // call's own socket keeps the process up while it runs.
  const abort = new CallAbort();
  const deadline = setTimeout(() => abort.abort(new DOMException('The shadow call ran out of time.', 'TimeoutError')), contender?.timeouts.totalMs ?? 600_000).unref();
  try {
    const ok = await attemptPlan(
      [name],
      (c) => ({ contender: c, body: capped ? withOutputCap({ ...sent, model: c.model }, c, appliedCap(cap, c)) : { ...sent, model: c.model }, stream, clientWantsUsage: false, captureText: true, requestId: facts.id }),
      ctx.attemptDeps,
      abort.signal,
    );
    facts.attempts = ok.attempts;
    facts.ttftMs = performance.now() - t0;
    for (let r = await ok.rest.next(); !r.done; r = await ok.rest.next());
    const outcome = await ok.reply.outcome;
    await applyOutcome(facts, outcome, body);
  } catch (err) {
    applyFailure(facts, err, 'shadow call failed');
  } finally {
    clearTimeout(deadline);
  }
  facts.latencyMs = performance.now() - t0;
  ctx.telemetry?.finish(facts);
  const row = toRow(facts);
  ctx.admission.settle(admitted, facts.usage, row.costNanos, contender);
  ctx.metrics.observe(toObservation(row));
  await ctx.store.requestLog.append(row);
  if (journaled) ctx.journal.done(id);
  if (!ctx.judgeShadow) return;
  // Judge calls pay from the budgets covering them and are journaled, like the shadow call; a refused judge call
  // leaves no verdict.
  const guard = paidCallGuard(ctx, principal, parent.race, { source: 'judge', budgetsOnly: true, refusal: 'A budget covering the judge is spent.' });
  await ctx.judgeShadow(ctx, guard, body, parent, row);
}
