/**
 * A token bucket: `capacity` tokens, refilled continuously at capacity per `periodMs` (a per-minute limit refills
 * its whole capacity in a minute). Requests take what they may use up front; `adjust` returns or charges the
 * difference once the real count is known, and may leave the bucket in debt, but never more than one capacity:
 * the level stays finite and within [-capacity, capacity] whatever it is given, so a bucket always refills (within
 * two periods at most). A client's `max_tokens: 1e308` once made the level -Infinity and then NaN for good.
 */
export class TokenBucket {
  #level: number;
  #at: number;

  constructor(
    readonly capacity: number,
    readonly periodMs: number,
    now: number,
  ) {
    this.#level = capacity;
    this.#at = now;
  }

  #refill(now: number): void {
    if (now > this.#at) {
      this.#level = Math.min(this.capacity, this.#level + ((now - this.#at) * this.capacity) / this.periodMs);
      this.#at = now;
    }
  }

  level(now: number): number {
    this.#refill(now);
    return this.#level;
  }

  canTake(n: number, now: number): boolean {
    this.#refill(now);
    return this.#level >= n;
  }

  take(n: number, now: number): void {
    this.#refill(now);
    this.#level = this.#bounded(this.#level - finite(n));
  }

  /** Positive n gives tokens back (capped at capacity), negative n charges more. */
  adjust(n: number, now: number): void {
    this.#refill(now);
    this.#level = this.#bounded(this.#level + finite(n));
  }

  #bounded(level: number): number {
    return Math.max(-this.capacity, Math.min(this.capacity, level));
  }

  /** Milliseconds until `n` tokens are available (0 if now). */
  waitMs(n: number, now: number): number {
    this.#refill(now);
    if (this.#level >= n) return 0;
    return Math.ceil(((n - this.#level) * this.periodMs) / this.capacity);
  }

  /** Milliseconds until the bucket is full again. */
  fullInMs(now: number): number {
    return this.waitMs(this.capacity, now);
  }
}

/** A non-finite amount counts as the largest finite one (NaN as a charge): the bounds then apply. */
function finite(n: number): number {
  if (Number.isFinite(n)) return n;
  return n === -Infinity ? -Number.MAX_VALUE : Number.MAX_VALUE;
}
