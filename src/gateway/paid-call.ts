/**
 * Admission for a call the gateway makes on a client's behalf beside its chat traffic (an arena match's answer, a
 * judge's verdict on a shadow answer): paid from the budgets covering it, and journaled before its upstream call as
 * a served call is, so that a crash in between logs the call `lost` at its reservation (under the id its row would
 * have had) instead of forgetting money the upstream may bill.
 */
import { randomUUID } from 'node:crypto';
import { SaimaError } from '../errors.js';
import { requestedCap } from '../metering/output-cap.js';
import type { Settle, SpendGuard } from '../metering/spend-guard.js';
import { ZERO_USAGE } from '../metering/usage.js';
import type { Usage } from '../providers/spec.js';
import type { GatewayContext } from './context.js';
import type { Principal } from './principal.js';

export interface PaidCallOptions {
  /** The rows' `source`, also the prefix of their ids. */
  source: 'arena' | 'judge';
  /** Budgets only, no rate limits: the gateway's own calls take nothing from the client's limits. */
  budgetsOnly: boolean;
  /** The refusal's message when a budget would swap in another contender (the call must come from the one asked). */
  refusal: string;
}

export function paidCallGuard(ctx: GatewayContext, principal: Principal, race: string | null, opts: PaidCallOptions): SpendGuard {
  return async (contender, callBody): Promise<Settle> => {
    const admitted = await ctx.admission.admit(principal, callBody, race, [contender.name], requestedCap(callBody, contender), opts.budgetsOnly);
    if (admitted.downgradedBy) {
      ctx.admission.settle(admitted, ZERO_USAGE, 0, contender);
      ctx.admission.refusals.note(admitted.downgradedBy);
      throw new SaimaError('budget_exceeded', opts.refusal);
    }
    const id = `${opts.source}_${randomUUID()}`;
    const journaled = admitted.reservation !== null && admitted.reservedNanos !== undefined;
    if (journaled) {
      try {
        await ctx.journal.open(
          { id, ts: ctx.now(), team: principal.team, key_id: principal.keyId, race, contender: contender.name, upstream_model: contender.model, reserved_nanos: admitted.reservedNanos!, currency: admitted.currency!, source: opts.source },
          [contender.name],
        );
      } catch (err) {
        ctx.admission.settle(admitted, ZERO_USAGE, 0, contender);
        throw new SaimaError('service_unavailable', 'The budget ledger cannot record this call right now; try again.', null, { cause: err });
      }
    }
    await ctx.admission.confirm(admitted)?.catch((err: unknown) => {
      ctx.admission.settle(admitted, ZERO_USAGE, 0, contender);
      if (journaled) ctx.journal.done(id);
      throw err;
    });
    const settle = (usage: Usage, costNanos: number) => {
      ctx.admission.settle(admitted, usage, costNanos, contender);
      if (journaled) ctx.journal.done(id);
    };
    return Object.assign(settle, { rowId: id });
  };
}
