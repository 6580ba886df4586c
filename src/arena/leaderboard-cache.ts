/**
 * Recently computed leaderboards, per distinct query. A fit with a 1,000-round bootstrap is synchronous CPU work on
 * the gateway's event loop (tens to hundreds of milliseconds, see docs/arena.md), so a dashboard polling it must not
 * redo it for every read: a result is reused for `ttlMs`, concurrent reads of the same query share one computation,
 * and a battle recorded through this process clears the cache at once. Battles written elsewhere (the CLI, another
 * replica, shadow judging) show within `ttlMs`.
 */
export class LeaderboardCache<T> {
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, { at: number; value: Promise<T> }>();

  constructor(ttlMs = 30_000, now: () => number = Date.now) {
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  get(key: string, compute: () => Promise<T>): Promise<T> {
    const hit = this.#entries.get(key);
    if (hit && this.#now() - hit.at < this.#ttlMs) return hit.value;
    const value = compute();
    const entry = { at: this.#now(), value };
    this.#entries.set(key, entry);
    value.catch(() => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    // Distinct queries are few in practice (race × tag × language); bound the map anyway.
    if (this.#entries.size > 256) this.#entries.delete(this.#entries.keys().next().value!);
    return value;
  }

  clear(): void {
    this.#entries.clear();
  }
}
