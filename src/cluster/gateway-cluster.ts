/**
 * What one gateway replica shares with the others through Redis: rate-limit buckets, budget windows, race-state
 * announcements and the race monitor's lease. `buildApp` opens one when the config names `redis`, and closes it
 * last, after in-flight settles have landed.
 */
import type { Redis } from 'ioredis';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Config } from '../config/types.js';
import type { BudgetDef } from '../metering/budgets.js';
import type { RaceBook } from '../race/race-book.js';
import type { Store } from '../store/index.js';
import { AnnouncedRaceStates } from './announced-race-states.js';
import { sharedCounters, type Counters } from './counters.js';
import { LeaderLease, type LeaderLeaseOptions } from './leader-lease.js';
import { loggedSpend } from './logged-spend.js';
import { RaceEvents } from './race-events.js';
import { RedisBudgets, longestRequestMs, type RedisBudgetsOptions } from './redis-budgets.js';
import { closeRedis, connectRedis, parseRedisUrl, type RedisTarget } from './redis-connection.js';
import { RedisCircuit } from './redis-circuit.js';
import { RedisRateLimits } from './redis-limits.js';

export class GatewayCluster {
  readonly counters: Counters;
  readonly limits: RedisRateLimits;
  readonly events: RaceEvents;
  /** Fails the shared counters fast while Redis is away (redis-circuit.ts). */
  readonly circuit: RedisCircuit;
  #lease: LeaderLease | null = null;
  #received: Counter | null = null;
  #closing: Promise<void> | null = null;

  private constructor(
    readonly target: RedisTarget,
    /** Commands: scripts, publishes, the lease. */
    readonly redis: Redis,
    /** Subscriber mode only. */
    readonly subscriber: Redis,
    readonly onError: (err: unknown) => void,
  ) {
    this.circuit = new RedisCircuit(redis, { onChange: (open, reason) => open && onError(new Error(`redis circuit open: ${reason}`)) });
    this.counters = sharedCounters(redis, this.circuit);
    this.limits = new RedisRateLimits(this.counters, target.prefix);
    this.events = new RaceEvents(redis, subscriber, target.prefix);
  }

  static async open(url: string, onError: (err: unknown) => void = () => {}): Promise<GatewayCluster> {
    const target = parseRedisUrl(url);
    const redis = await connectRedis(target);
    // A subscriber waits for messages indefinitely: no command timeout, reconnect forever.
    const subscriber = await connectRedis(target, { commandTimeout: undefined, maxRetriesPerRequest: null, enableAutoPipelining: false }).catch(async (err: unknown) => {
      await closeRedis(redis);
      throw err;
    });
    return new GatewayCluster(target, redis, subscriber, onError);
  }

  /**
   * Budgets whose reservations are held at most as long as a request of `config` can run, and whose windows are
   * rebuilt from `store`'s request log whenever Redis has none.
   */
  budgets(defs: readonly BudgetDef[], opts: Omit<RedisBudgetsOptions, 'holdMs' | 'spentSince'>, config: Config, store: Pick<Store, 'requests' | 'evals'>): RedisBudgets {
    return new RedisBudgets(this.counters, this.target.prefix, defs, { ...opts, holdMs: longestRequestMs(config), spentSince: loggedSpend(store, config) });
  }

  raceStates(store: Pick<Store, 'raceState' | 'decisions'>, config: Config, book: RaceBook, now: () => number): AnnouncedRaceStates {
    return new AnnouncedRaceStates(store, config, book, now, this.events, this.onError);
  }

  /** Re-reads the race states whenever another replica announces a change. */
  async followRaces(refresh: () => Promise<unknown>): Promise<void> {
    await this.events.subscribe(() => {
      this.#received?.inc();
      refresh().catch(this.onError);
    });
  }

  /**
   * The lease that elects the one replica allowed to run the race monitor. Its TTL is one monitor interval and it
   * is retried every third of that, so a dead holder is replaced within 1⅓ ticks.
   */
  monitorLease(intervalMs: number, hooks: Pick<LeaderLeaseOptions, 'onAcquire' | 'onLose'> = {}): LeaderLease {
    if (this.#lease) throw new Error('GatewayCluster: the monitor lease exists already');
    this.#lease = new LeaderLease(this.redis, this.target.prefix, { name: 'monitor', ttlMs: intervalMs, onError: this.onError, ...hooks });
    this.#lease.start();
    return this.#lease;
  }

  /** `saima_cluster_monitor_leader` (1 on the lease holder) and the race-state events this replica received. */
  trackMetrics(registry: Registry): void {
    const lease = () => this.#lease;
    new Gauge({
      name: 'saima_cluster_monitor_leader',
      help: '1 while this replica holds the race-monitor lease',
      registers: [registry],
      collect() {
        this.set(lease()?.isLeader() ? 1 : 0);
      },
    });
    new Gauge({
      name: 'saima_cluster_monitor_fence',
      help: 'Fencing token of the monitor lease this replica holds (0 when it holds none)',
      registers: [registry],
      collect() {
        this.set(lease()?.fence ?? 0);
      },
    });
    this.#received = new Counter({ name: 'saima_cluster_race_events_received_total', help: 'Race-state changes announced by other replicas', registers: [registry] });
  }

  /** For the readiness probe: Redis answers (at once false while the circuit is open; else a PING under 500 ms). */
  async ping(): Promise<boolean> {
    if (this.circuit.unavailable()) return false;
    return this.circuit.check();
  }

  /** Hands the lease back (unless the caller simulates a crash), then closes both connections. Idempotent. */
  close(opts: { releaseLease: boolean } = { releaseLease: true }): Promise<void> {
    this.#closing ??= (async () => {
      this.circuit.stop();
      await this.#lease?.stop({ release: opts.releaseLease });
      await Promise.all([closeRedis(this.subscriber), closeRedis(this.redis)]);
    })();
    return this.#closing;
  }
}
