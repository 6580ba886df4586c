/**
 * A call refused at admission (a spent budget, a rate limit) has no request row: it is counted per minute and
 * combination (store/refusal-log.ts), in constant time, so a flood of refused calls neither costs a write each nor
 * grows the store with its rate. Every route that admits a client's call notes its refusals here — chat and
 * messages, token counts, arena matches, votes, battle uploads and feedback — so the request log shows them all.
 * Refusals before admission (auth, an unknown model or race) are not counted: a client could invent unbounded
 * combinations.
 */
import type { FastifyRequest } from 'fastify';
import { SaimaError } from '../errors.js';
import type { GatewayContext } from './context.js';

export interface RefusedCall {
  /** When the call arrived, epoch ms. */
  ts: number;
  race: string | null;
  /** The contender the race assigned, or the one called by name; null when the call had none yet. */
  contender: string | null;
}

/** Counts `err` when it is an admission refusal; anything else is left to its handler. */
export function noteRefusal(ctx: GatewayContext, req: FastifyRequest, call: RefusedCall, err: unknown): void {
  if (!(err instanceof SaimaError) || (err.code !== 'budget_exceeded' && err.code !== 'rate_limit_exceeded')) return;
  ctx.store.refusalLog.note({ ts: call.ts, id: req.id, team: req.principal.team, keyId: req.principal.keyId, race: call.race, contender: call.contender, status: err.status, code: err.code, message: err.message });
}

/** Runs an admission step and counts the refusal it throws, if any. */
export async function admitNoting<T>(ctx: GatewayContext, req: FastifyRequest, call: RefusedCall, admit: () => Promise<T>): Promise<T> {
  try {
    return await admit();
  } catch (err) {
    noteRefusal(ctx, req, call, err);
    throw err;
  }
}
