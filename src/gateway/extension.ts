/**
 * What a module above the gateway adds to it (src/server wires the arena in this way): routes of its own, a judge of
 * shadow answers, and checks of its large request bodies that run on the body threads. The gateway defines the
 * hooks and imports none of their implementations, so the modules it serves stay free to depend on what it does not.
 */
import type { FastifyInstance } from 'fastify';
import type { SpendGuard } from '../metering/spend-guard.js';
import type { RequestLogRow } from '../store/types.js';
import type { GatewayContext } from './context.js';

/** The served request a shadow answer is compared with, as the gateway knows it when the shadow call ends. */
export interface ServedCall {
  id: string;
  race: string | null;
  team: string | null;
  keyId: string | null;
  /** Set only when the race captures text. */
  promptText: string | null;
}

/** Judges a shadow answer against the served one when the race asks for it; pays through `guard`; never throws. */
export type ShadowJudge = (ctx: GatewayContext, guard: SpendGuard, body: { messages?: unknown }, served: ServedCall, shadow: RequestLogRow) => Promise<void>;

export interface GatewayExtension {
  /** Registers the extension's routes, with the gateway's auth, limits and error shapes already in place. */
  register?(app: FastifyInstance, ctx: GatewayContext): void;
  judgeShadow?: ShadowJudge;
  /**
   * Routes whose large bodies (256 kB or more) are parsed and checked on the body threads, by route URL: the URL of
   * a module exporting `checkBody(parsed: unknown): unknown`, which throws the client's 400 or returns the value the
   * route reads with `offThreadChecked(req.body)`.
   */
  offThreadBodies?: Record<string, string>;
}
