/**
 * Budgets for a process other than a gateway replica when the deployment is clustered: the same Redis windows and
 * the same reserve and settle scripts the replicas use (redis-budgets.ts), so an eval run, a gate or an arena judging
 * run and every replica's traffic are one set of reservations, checked in one place. Like a replica, it journals each
 * reserved call in the shared store before sending it and beats in `gateway_heartbeats`: killed mid-call, its calls
 * are logged as `lost` and charged by a live replica (gateway/lost-calls.ts) within seconds.
 */
import { randomUUID } from 'node:crypto';
import type { Config, Currency } from '../config/types.js';
import { budgetDefs, longestCallMs, type CallBudget, type CallContext, type CallHold, type CallReservation } from '../metering/call-budget.js';
import type { BudgetDef, Reservation } from '../metering/budgets.js';
import type { Store } from '../store/index.js';
import { GatewayCluster } from './gateway-cluster.js';
import type { RedisBudgets } from './redis-budgets.js';

export class RedisCallBudget implements CallBudget {
  readonly budgets: readonly BudgetDef[];
  readonly #held = new Map<string, Reservation>();
  readonly owner = `cli:${randomUUID()}`;
  #beat: NodeJS.Timeout | null = null;

  private constructor(
    readonly cluster: GatewayCluster,
    readonly ledger: RedisBudgets,
    readonly store: Store,
    readonly config: Config,
    readonly now: () => number,
  ) {
    this.budgets = ledger.budgets;
  }

  static async open(config: Config, store: Store, now: () => number = Date.now): Promise<RedisCallBudget> {
    if (!config.redis) throw new Error('RedisCallBudget needs `redis:` in the config');
    const cluster = await GatewayCluster.open(config.redis);
    const ledger = cluster.budgets(budgetDefs(config), { timeZone: config.timeZone, fx: config.fx, now }, config, store);
    const self = new RedisCallBudget(cluster, ledger, store, config, now);
    try {
      await self.#alive();
    } catch (err) {
      await cluster.close();
      throw err;
    }
    self.#beat = setInterval(() => void self.#alive().catch(() => {}), 1000);
    self.#beat.unref();
    return self;
  }

  #alive(): Promise<void> {
    return this.store.claims.clock().then((at) => this.store.claims.beat(this.owner, at));
  }

  async reserve(ctx: CallContext, nanos: number, currency: Currency): Promise<CallReservation> {
    const r = await this.ledger.reserve(ctx, nanos, currency);
    if (!('holds' in r)) return { exceeded: r.exceeded.name };
    if (r.holds.length === 0) return { id: null, nanos, currency };
    const id = `${ctx.source}_${randomUUID()}`;
    const ts = this.now();
    try {
      // Journaled before the call is sent: a killed CLI's calls are charged, not forgotten.
      await this.store.admissions.open({
        id, ts, expires_at: ts + longestCallMs(this.config, ctx.contender), team: ctx.team, key_id: ctx.keyId, race: ctx.race, contender: ctx.contender,
        upstream_model: this.config.contenders.get(ctx.contender)?.model ?? null, reserved_nanos: nanos, currency, owner: this.owner, source: ctx.source,
      });
    } catch (err) {
      await this.ledger.settle(r, 0, currency);
      throw err;
    }
    this.#held.set(id, r);
    return { id, nanos, currency };
  }

  async settle(hold: CallHold, actualNanos: number, currency: Currency): Promise<void> {
    const r = hold.id === null ? undefined : this.#held.get(hold.id);
    if (!r) return;
    this.#held.delete(hold.id!);
    await this.ledger.settle(r, Math.round(actualNanos), currency);
    await this.store.admissions.close([hold.id!]);
  }

  async close(): Promise<void> {
    if (this.#beat) clearInterval(this.#beat);
    await this.store.claims.retire(this.owner).catch(() => {});
    await this.cluster.close();
  }
}
