/**
 * Is the store answering? A heartbeat (`select 1` under a short deadline) keeps one flag current, so a request can
 * ask in O(1) whether an answer it buys could be logged, and the readiness probe answers within its deadline even
 * when the database hangs. Failures reported by real work (a connection reset, a write that missed its deadline)
 * mark the store down at once and switch the heartbeat to a fast pace until a probe succeeds again.
 */

export interface StoreHealthOptions {
  /** Heartbeat period while the store answers (default 1000 ms). */
  intervalMs?: number;
  /** Probe period while it does not (default 250 ms). */
  downIntervalMs?: number;
  /** A probe that takes longer than this counts as a failure (default 500 ms). */
  probeDeadlineMs?: number;
  /** Consecutive failed probes that mark the store down (default 3: a slow probe or two on a busy machine is no outage). */
  failuresToDown?: number;
  /** Called on each change of state, with the error that took the store down. */
  onChange?: (up: boolean, err: unknown) => void;
}

export class StoreHealth {
  readonly #probe: (deadlineMs: number) => Promise<unknown>;
  readonly #failuresToDown: number;
  #failures = 0;
  readonly #intervalMs: number;
  readonly #downIntervalMs: number;
  readonly #deadlineMs: number;
  readonly #onChange: (up: boolean, err: unknown) => void;
  readonly #upListeners = new Set<() => void>();
  #up = true;
  #lastError: unknown = null;
  #timer: NodeJS.Timeout | null = null;
  #probing: Promise<boolean> | null = null;
  #stopped = false;

  /** `probe(deadlineMs)` must settle within about `deadlineMs` (and clean up after itself if it gives up). */
  constructor(probe: (deadlineMs: number) => Promise<unknown>, opts: StoreHealthOptions = {}) {
    this.#probe = probe;
    this.#intervalMs = opts.intervalMs ?? 1_000;
    this.#downIntervalMs = opts.downIntervalMs ?? 250;
    this.#deadlineMs = opts.probeDeadlineMs ?? 500;
    this.#onChange = opts.onChange ?? (() => {});
    this.#failuresToDown = Math.max(1, opts.failuresToDown ?? 3);
  }

  /** True while the last probe (or the last piece of real work) succeeded. */
  get up(): boolean {
    return this.#up;
  }

  /** Why the store is down (null while it is up). */
  get lastError(): unknown {
    return this.#up ? null : this.#lastError;
  }

  /** Starts the heartbeat (unref'd: it never keeps a process alive). */
  start(): this {
    this.#stopped = false;
    this.#arm();
    return this;
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** Real work failed in a way that says the store may be gone: mark it down now and probe at the fast pace. */
  reportFailure(err: unknown): void {
    const wasUp = this.#up;
    this.#set(false, err);
    // Only on the change: re-arming on every failure would keep pushing the next probe back under load.
    if (wasUp) this.#arm();
  }

  /** Something looked wrong (one connection dropped): probe soon, without calling the store down yet. */
  suspect(): void {
    if (this.#up) this.#arm(true);
  }

  /** Runs `fn` each time the store comes back up (after having been down). */
  onUp(fn: () => void): () => void {
    this.#upListeners.add(fn);
    return () => this.#upListeners.delete(fn);
  }

  /** Probes now (sharing a probe already running); resolves within the probe deadline. */
  check(): Promise<boolean> {
    this.#probing ??= this.#runProbe().finally(() => {
      this.#probing = null;
    });
    return this.#probing;
  }

  async #runProbe(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      // The deadline is decided after one more I/O phase: on a busy event loop the timer can come due in the same
      // turn as an answer already received, and the answer must win then.
      timer = setTimeout(() => setImmediate(() => reject(new Error(`store: no answer within ${this.#deadlineMs} ms`))), this.#deadlineMs);
    });
    try {
      await Promise.race([this.#probe(this.#deadlineMs), deadline]);
      this.#failures = 0;
      this.#set(true, null);
      return true;
    } catch (err) {
      this.#failures++;
      if (this.#failures >= this.#failuresToDown || !this.#up) this.#set(false, err);
      else this.#arm(true); // look again soon rather than in a full interval
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  #set(up: boolean, err: unknown): void {
    if (!up) this.#lastError = err;
    if (up === this.#up) return;
    this.#up = up;
    try {
      this.#onChange(up, err);
    } catch {
      // A broken logger must not stop the heartbeat.
    }
    if (up) for (const fn of this.#upListeners) fn();
  }

  #arm(fast = false): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.check().then(() => {
        if (!this.#timer) this.#arm();
      });
    }, this.#up && !fast ? this.#intervalMs : this.#downIntervalMs);
    this.#timer.unref();
  }
}
