/**
 * A lease lock in Redis so that exactly one replica runs the race monitor. The holder renews every third of the
 * TTL; when it dies (or loses Redis) the lease expires and the next replica to try takes it, at most
 * TTL + TTL/3 later. Each acquisition draws a new fencing token from a counter that only grows, so a holder that
 * was paused past its TTL can tell (and prove to a store) that it has been superseded.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { LuaScript } from './lua-script.js';

/** KEYS: lease, fence counter. ARGV: holder, ttl ms. Reply: the holder's fencing token, or 0 if another holds it. */
const ACQUIRE = new LuaScript(`
local cur = redis.call('GET', KEYS[1])
if cur then
  local holder, fence = string.match(cur, '^(.*)|(%d+)$')
  if holder == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return tonumber(fence)
  end
  return 0
end
local fence = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. fence, 'PX', ARGV[2])
return fence
`);

/** KEYS: lease. ARGV: holder, fence. Deletes the lease only if this very acquisition still holds it. */
const RELEASE = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] .. '|' .. ARGV[2] then return redis.call('DEL', KEYS[1]) end
return 0
`);

export interface LeaderLeaseOptions {
  /** e.g. `monitor`: one lease per singleton job. */
  name: string;
  ttlMs: number;
  /** Called when this replica becomes the holder, with its fencing token. */
  onAcquire?: (fence: number) => void;
  /** Called when it stops being the holder (lost, expired, or released). */
  onLose?: () => void;
  onError?: (err: unknown) => void;
}

export class LeaderLease {
  readonly holder = `lease_${randomUUID()}`;
  readonly #lease: string;
  readonly #counter: string;
  #fence: number | null = null;
  /** performance.now() after which this replica no longer trusts its lease without a renewal. */
  #validUntil = 0;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;
  readonly #acquired: Array<(fence: number) => void> = [];

  constructor(
    readonly redis: Redis,
    prefix: string,
    readonly opts: LeaderLeaseOptions,
  ) {
    this.#lease = `${prefix}lease:${opts.name}`;
    this.#counter = `${prefix}lease:${opts.name}:fence`;
  }

  /**
   * Also calls `listener` whenever this replica gains the lease (at once if it holds it now), e.g. to run the
   * race monitor without waiting for its next tick.
   */
  onAcquired(listener: (fence: number) => void): void {
    this.#acquired.push(listener);
    const fence = this.fence;
    if (fence !== null) queueMicrotask(() => this.#notify([listener], fence));
  }

  /** True while the lease is held and was renewed recently enough to still be valid by our own clock. */
  isLeader(): boolean {
    return this.#fence !== null && performance.now() < this.#validUntil;
  }

  /** The fencing token of the current holding, or null. */
  get fence(): number | null {
    return this.isLeader() ? this.#fence : null;
  }

  /** Tries at once, then every third of the TTL. */
  start(): void {
    this.#stopped = false;
    void this.#loop();
  }

  /** One acquire-or-renew round; returns whether this replica holds the lease afterwards. */
  async attempt(): Promise<boolean> {
    // Validity counts from before the request: the TTL started no earlier than that on the server.
    const sent = performance.now();
    let fence = 0;
    try {
      const reply = await ACQUIRE.run(this.redis, [this.#lease, this.#counter], [this.holder, this.opts.ttlMs]);
      fence = typeof reply === 'number' ? reply : 0;
    } catch (err) {
      this.opts.onError?.(err);
      if (!this.isLeader()) this.#drop();
      return this.isLeader();
    }
    if (fence > 0 && !this.#stopped) {
      // Leave a tenth of the TTL for clock-rate differences between this host and Redis.
      this.#validUntil = sent + this.opts.ttlMs * 0.9;
      if (this.#fence !== fence) {
        this.#fence = fence;
        this.#notify([...(this.opts.onAcquire ? [this.opts.onAcquire] : []), ...this.#acquired], fence);
      }
    } else {
      this.#drop();
    }
    return this.isLeader();
  }

  /**
   * Renews now and says whether this replica still holds the lease it held: the check a holder makes right before
   * acting, so a replica that was paused past its TTL learns it was superseded before it writes anything.
   */
  async confirm(): Promise<boolean> {
    const held = this.#fence;
    return held !== null && (await this.attempt()) && this.#fence === held;
  }

  /**
   * Stops trying. With `release` (a clean shutdown) the lease is handed back at once so another replica takes
   * over on its next attempt; without it (a crash, or a test simulating one) it runs out its TTL.
   */
  async stop(opts: { release: boolean } = { release: true }): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const fence = this.#fence;
    this.#drop();
    if (opts.release && fence !== null) await RELEASE.run(this.redis, [this.#lease], [this.holder, fence]).catch((err: unknown) => this.opts.onError?.(err));
  }

  async #loop(): Promise<void> {
    if (this.#stopped) return;
    await this.attempt();
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#loop(), Math.max(10, Math.floor(this.opts.ttlMs / 3)));
    this.#timer.unref();
  }

  /** A listener that throws must not stop the renewals. */
  #notify(listeners: Array<(fence: number) => void>, fence: number): void {
    for (const l of listeners) {
      try {
        l(fence);
      } catch (err) {
        this.opts.onError?.(err);
      }
    }
  }

  #drop(): void {
    if (this.#fence === null) return;
    this.#fence = null;
    this.#validUntil = 0;
    this.opts.onLose?.();
  }
}
