/**
 * Budgets for a process other than the gateway on one node (no Redis): each call is a claim in the store. While a
 * gateway arbitrates (budget-arbiter.ts: it beats every second), the claim waits for that gateway's decision, made
 * against its live in-memory budgets exactly as it admits its own requests, so the two cannot together pass a limit.
 * With no gateway seen for `staleMs`, the claimant decides alone in one serialised transaction: the logged spend of
 * the period plus every open hold (the gateway's journal entries and other claims) plus this call must fit.
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

export class ClaimedBudget implements CallBudget {
  readonly budgets: readonly BudgetDef[];
  readonly owner = `cli:${process.pid}:${randomUUID().slice(0, 8)}`;
  readonly #now: () => number;
  /** Claims settled while a gateway arbitrated: it removes them once it has applied them. */
  readonly #arbitrated = new Set<string>();

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
    return seen !== null && (await this.store.claims.clock()) - seen < (this.opts.staleMs ?? 3000);
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
    if (await this.#arbiterLive()) {
      await this.store.claims.insert({ ...claim, state: 'pending' });
      for (;;) {
        await new Promise((r) => setTimeout(r, this.opts.pollMs ?? 20));
        const c = await this.store.claims.get(claim.id);
        if (c?.state === 'granted') {
          this.#arbitrated.add(claim.id);
          return { id: claim.id, nanos, currency };
        }
        if (c?.state === 'refused' || !c) {
          await this.store.claims.remove([claim.id]);
          return { exceeded: covering.map((b) => b.name).join("' or '") };
        }
        // The gateway went away with the claim undecided: withdraw it (unless decided meanwhile) and decide alone.
        if (!(await this.#arbiterLive()) && (await this.store.claims.decide(claim.id, 'refused'))) {
          await this.store.claims.remove([claim.id]);
          break;
        }
      }
    }
    let over: BudgetDef | null = null;
    const ok = await this.store.claims.claimAlone(claim, async (trx, open) => {
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
    return ok ? { id: claim.id, nanos, currency } : { exceeded: (over as BudgetDef | null)?.name ?? covering[0]!.name };
  }

  async settle(hold: CallHold, actualNanos: number, currency: Currency): Promise<void> {
    if (hold.id === null) return;
    const nanos = convertNanos(actualNanos, currency, hold.currency, this.config.fx);
    const settled = Number.isSafeInteger(nanos) && nanos >= 0 ? nanos : hold.nanos;
    // A gateway that granted the claim holds it in memory: it applies the settle and removes the claim. Decided
    // alone, the claim's row is in the log by now, which is what budgets resume from: the claim simply goes.
    if (this.#arbitrated.delete(hold.id) || (await this.#arbiterLive())) await this.store.claims.settle(hold.id, settled);
    else await this.store.claims.remove([hold.id]);
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
