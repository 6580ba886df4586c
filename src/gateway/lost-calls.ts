/**
 * Lost calls settled while the gateway runs, on a store shared by replicas (PostgreSQL). Each replica beats in
 * `gateway_heartbeats` every second and tags its admission-journal entries with its id; every two seconds it looks
 * for entries whose replica has not beaten for `staleMs` (it was killed, or lost its host), logs each call that has
 * no row as `lost` at its reservation (one transaction: of several live replicas, one takes each entry) and adds
 * that spend to the budgets, so money a dead replica sent upstream is counted within seconds, not at a restart.
 */
import type { Config } from '../config/types.js';
import type { BudgetBackend } from '../metering/budgets.js';
import type { Store } from '../store/index.js';

export interface LostCallsOptions {
  id: string;
  /** A replica silent this long is dead. Default 5000 ms (its heartbeat is every second). */
  staleMs?: number;
  beatMs?: number;
  onError: (err: unknown) => void;
  /** Told how many calls a sweep logged as lost. */
  onLost?: (n: number) => void;
}

export class LostCalls {
  #timer: NodeJS.Timeout | null = null;
  #ticks = 0;
  #running: Promise<void> = Promise.resolve();

  constructor(
    readonly store: Store,
    readonly ledger: BudgetBackend,
    readonly config: Config,
    readonly opts: LostCallsOptions,
  ) {}

  async start(): Promise<void> {
    await this.store.claims.beat(this.opts.id, await this.store.claims.clock());
    this.#timer = setInterval(() => {
      this.#running = this.#running.then(() => this.#tick()).catch(this.opts.onError);
    }, this.opts.beatMs ?? 1000);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    await this.store.claims.beat(this.opts.id, await this.store.claims.clock());
    if (++this.#ticks % 2 === 0) await this.sweep();
  }

  /** Logs the calls of dead replicas as lost and charges the budgets with them; returns how many. */
  async sweep(): Promise<number> {
    // Heartbeats are written and compared on the database's clock: replicas' hosts may disagree by seconds.
    const now = await this.store.claims.clock();
    const owners = (await this.store.admissions.owners()).filter((o) => o !== this.opts.id);
    if (owners.length === 0) return 0;
    const beats = await this.store.claims.heartbeats();
    const dead = owners.filter((o) => (beats.get(o) ?? 0) < now - (this.opts.staleMs ?? 5000));
    const lost = await this.store.admissions.takeLost(dead);
    for (const r of lost) {
      if (!r.contender) continue;
      await this.ledger.charge({ team: r.team, keyId: r.keyId, contender: r.contender, race: r.race }, r.costNanos, r.currency === 'USD' ? 'USD' : 'CNY', r.ts);
    }
    if (lost.length > 0) this.opts.onLost?.(lost.length);
    return lost.length;
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running;
    await this.store.claims.retire(this.opts.id).catch(this.opts.onError);
  }
}
