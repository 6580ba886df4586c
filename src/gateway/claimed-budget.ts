/**
 * Budgets for a process other than the gateway on one node (no Redis): each call is a claim in the store. While a
 * gateway arbitrates (budget-arbiter.ts: it beats every second), the claim waits for that gateway's decision, made
 * against its live in-memory budgets exactly as it admits its own requests, so the two cannot together pass a limit.
 * With no gateway seen for `staleMs`, the claimant decides alone in one serialised transaction (which checks again
 * that no gateway beat meanwhile): the logged spend of the period plus every open hold (the gateway's journal entries
 * and other claims) plus this call must fit. Such a claim stays in the store, settled, until a gateway has taken it
 * into its ledger: a gateway that was only paused meanwhile learns of it before it admits again (budget-arbiter.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Config, Currency } from '../config/types.js';
import { budgetSpendRows, countsToward, spentFromRows } from '../metering/budget-spend.js';
import { convertNanos, type BudgetDef } from '../metering/budgets.js';
import { budgetDefs, coveredBy, longestCallMs, type CallBudget, type CallContext, type CallHold, type CallReservation } from '../metering/call-budget.js';
import { periodStart } from '../metering/periods.js';
import { EvalsRepo, RequestsRepo, type Store } from '../store/index.js';
import type { Claim } from '../store/repos/budget-claims.js';

export interface ClaimedBudgetOptions {
  now?: () => number;
  /** How often a pending claim looks for its decision. Default 20 ms. */
  pollMs?: number;
  /** A gateway not seen for this long no longer arbitrates. Default 3000 ms. */
  staleMs?: number;
}

/** A gateway beats this often while it arbitrates. */
export const ARBITER_BEAT_MS = 1000;
/** A gateway not seen for this long no longer arbitrates: a claimant may decide alone. */
export const ARBITER_STALE_MS = 3000;
/**
 * How long after a beat (and the read of the claims that follows it) a gateway admits from its memory alone. Past
 * it, it beats and reads the claims again before a budgeted call goes upstream: a claimant may have decided alone
 * meanwhile. Shorter than ARBITER_STALE_MS, so a call the gateway lets go is one a claimant deciding alone sees.
 */
export const ARBITER_LEASE_MS = ARBITER_STALE_MS - ARBITER_BEAT_MS;

export class ClaimedBudget implements CallBudget {
  readonly budgets: readonly BudgetDef[];
  readonly owner = `cli:${process.pid}:${randomUUID().slice(0, 8)}`;
  readonly #now: () => number;

  constructor(
    readonly store: Store,
    readonly config: Config,
    readonly opts: ClaimedBudgetOptions = {},
  ) {
    this.budgets = budgetDefs(config);
    this.#now = opts.now ?? Date.now;
  }

  async #arbiterLive(): Promise<boolean> {
    const seen = await this.store.claims.gatewaySeen();
    return seen !== null && (await this.store.claims.clock()) - seen < this.#staleMs;
  }

  async reserve(ctx: CallContext, nanos: number, currency: Currency): Promise<CallReservation> {
    const covering = coveredBy(this.budgets, ctx);
    if (covering.length === 0) return { id: null, nanos, currency };
    if (!Number.isSafeInteger(nanos) || nanos < 0) return { exceeded: covering[0]!.name };
    const now = this.#now();
    const claim = {
      id: `claim_${randomUUID()}`, ts: now, expiresAt: now + longestCallMs(this.config, ctx.contender), owner: this.owner, source: ctx.source,
      team: ctx.team, keyId: ctx.keyId, race: ctx.race, contender: ctx.contender, reservedNanos: nanos, currency,
    };
    const refused = { exceeded: covering.map((b) => b.name).join("' or '") };
    for (;;) {
      if (await this.#arbiterLive()) {
        const decided = await this.#arbitrated(claim);
        if (decided === 'granted') return { id: claim.id, nanos, currency };
        if (decided === 'refused') return refused;
      }
      let over: BudgetDef | null = null;
      // Decided alone only while no gateway beats, checked again inside the transaction: a gateway that beat
      // meanwhile decides instead (its beat and this transaction are serialised).
      const decided = await this.store.claims.claimAlone(claim, this.#staleMs, async (trx, open) => {
        const earliest = Math.min(...covering.map((b) => periodStart(now, b.period, this.config.timeZone)));
        const rows = await budgetSpendRows({ requests: new RequestsRepo(trx, this.store.dialect), evals: new EvalsRepo(trx) }, earliest);
        for (const b of covering) {
          const from = periodStart(now, b.period, this.config.timeZone);
          let held = 0;
          for (const o of open) if (holds(o) && countsToward(b, o)) held += convertNanos(o.reservedNanos, asCurrency(o.currency), b.currency, this.config.fx);
          if (spentFromRows(rows, b, from, this.config.fx) + held + convertNanos(nanos, currency, b.currency, this.config.fx) > b.limitNanos) {
            over = b;
            return false;
          }
        }
        return true;
      });
      if (decided === 'granted') return { id: claim.id, nanos, currency };
      if (decided === 'refused') return { exceeded: (over as BudgetDef | null)?.name ?? covering[0]!.name };
    }
  }

  get #staleMs(): number {
    return this.opts.staleMs ?? ARBITER_STALE_MS;
  }

  /** A pending claim the live gateway decides; `alone` when that gateway went away with it undecided. */
  async #arbitrated(claim: Omit<Claim, 'settledNanos' | 'state'>): Promise<'granted' | 'refused' | 'alone'> {
    await this.store.claims.insert({ ...claim, state: 'pending' });
    for (;;) {
      await new Promise((r) => setTimeout(r, this.opts.pollMs ?? 20));
      const c = await this.store.claims.get(claim.id);
      if (c?.state === 'granted') return 'granted';
      if (c?.state === 'refused' || !c) {
        await this.store.claims.remove([claim.id]);
        return 'refused';
      }
      // The gateway went away with the claim undecided: withdraw it (unless decided meanwhile) and decide alone.
      if (!(await this.#arbiterLive()) && (await this.store.claims.decide(claim.id, 'refused'))) {
        await this.store.claims.remove([claim.id]);
        return 'alone';
      }
    }
  }

  async settle(hold: CallHold, actualNanos: number, currency: Currency): Promise<void> {
    if (hold.id === null) return;
    const nanos = convertNanos(actualNanos, currency, hold.currency, this.config.fx);
    const settled = Number.isSafeInteger(nanos) && nanos >= 0 ? nanos : hold.nanos;
    // The claim stays, settled, until a gateway has applied it: the one that granted it and holds it in memory, or
    // one that was paused (or stalled) while this process decided alone, whose memory lacks it. The call's row is in
    // the log by now, which is what a gateway starting later resumes from; with no gateway known at all, it goes.
    if ((await this.store.claims.gatewaySeen()) === null) await this.store.claims.remove([hold.id]);
    else await this.store.claims.settle(hold.id, settled);
  }

  async close(): Promise<void> {}
}

/** An open hold: a journal entry of the gateway, or a claim not yet settled nor refused. */
function holds(c: Claim): boolean {
  return c.state === 'granted' || c.state === 'pending';
}

function asCurrency(c: string): Currency {
  return c === 'USD' ? 'USD' : 'CNY';
}
