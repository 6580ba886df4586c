/**
 * Budgets for a process other than a gateway replica when the deployment is clustered: the same Redis windows and
 * the same reserve and settle scripts the replicas use (redis-budgets.ts), so an eval run, a gate or an arena judging
 * run and every replica's traffic are one set of reservations, checked in one place.
 */
import type { Config, Currency } from '../config/types.js';
import { budgetDefs, type CallBudget, type CallContext, type CallHold, type CallReservation } from '../metering/call-budget.js';
import type { BudgetDef, Reservation } from '../metering/budgets.js';
import type { Store } from '../store/index.js';
import { GatewayCluster } from './gateway-cluster.js';
import type { RedisBudgets } from './redis-budgets.js';

export class RedisCallBudget implements CallBudget {
  readonly budgets: readonly BudgetDef[];
  readonly #held = new Map<string, Reservation>();
  #n = 0;

  private constructor(
    readonly cluster: GatewayCluster,
    readonly ledger: RedisBudgets,
  ) {
    this.budgets = ledger.budgets;
  }

  static async open(config: Config, store: Pick<Store, 'requests' | 'evals'>, now: () => number = Date.now): Promise<RedisCallBudget> {
    if (!config.redis) throw new Error('RedisCallBudget needs `redis:` in the config');
    const cluster = await GatewayCluster.open(config.redis);
    const ledger = cluster.budgets(budgetDefs(config), { timeZone: config.timeZone, fx: config.fx, now }, config, store);
    return new RedisCallBudget(cluster, ledger);
  }

  async reserve(ctx: CallContext, nanos: number, currency: Currency): Promise<CallReservation> {
    const r = await this.ledger.reserve(ctx, nanos, currency);
    if (!('holds' in r)) return { exceeded: r.exceeded.name };
    if (r.holds.length === 0) return { id: null, nanos, currency };
    const id = `h${this.#n++}`;
    this.#held.set(id, r);
    return { id, nanos, currency };
  }

  async settle(hold: CallHold, actualNanos: number, currency: Currency): Promise<void> {
    const r = hold.id === null ? undefined : this.#held.get(hold.id);
    if (!r) return;
    this.#held.delete(hold.id!);
    await this.ledger.settle(r, Math.round(actualNanos), currency);
  }

  async close(): Promise<void> {
    await this.cluster.close();
  }
}
