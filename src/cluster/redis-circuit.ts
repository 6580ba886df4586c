/**
 * A circuit on a Redis connection, so that an outage costs each request microseconds, not a command timeout.
 * Open while the connection is not `ready` (refused, reconnecting) or after a command or heartbeat got no answer
 * in time (a silent link: the connection looks fine but nothing comes back), in which case the socket is dropped
 * and ioredis reconnects. A heartbeat PING under a short deadline closes it again once Redis answers.
 * Callers ask `unavailable()` (O(1)) before sending and fail closed at once when it says why not.
 */
import type { Redis } from 'ioredis';

export interface RedisCircuitOptions {
  /** Heartbeat period while closed (default 1000 ms). */
  intervalMs?: number;
  /** Heartbeat period while open (default 250 ms). */
  openIntervalMs?: number;
  /** A PING not answered within this is a failure (default 500 ms). */
  pingDeadlineMs?: number;
  onChange?: (open: boolean, reason: string) => void;
}

export class RedisCircuit {
  readonly #redis: Redis;
  readonly #intervalMs: number;
  readonly #openIntervalMs: number;
  readonly #deadlineMs: number;
  readonly #onChange: (open: boolean, reason: string) => void;
  #tripped: string | null = null;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;
  #pinging: Promise<boolean> | null = null;
  #failures = 0;
  /** When the connection last changed state (connect, connecting, reconnecting). */
  #since = performance.now();

  constructor(redis: Redis, opts: RedisCircuitOptions = {}) {
    this.#redis = redis;
    this.#intervalMs = opts.intervalMs ?? 1_000;
    this.#openIntervalMs = opts.openIntervalMs ?? 250;
    this.#deadlineMs = opts.pingDeadlineMs ?? 500;
    this.#onChange = opts.onChange ?? (() => {});
    redis.on('close', () => this.#trip('connection closed'));
    redis.on('ready', () => void this.check());
    for (const event of ['connect', 'connecting', 'reconnecting']) redis.on(event, () => (this.#since = performance.now()));
    this.#arm();
  }

  /** Why Redis cannot be used right now, or null when it can. */
  unavailable(): string | null {
    if (this.#tripped) return this.#tripped;
    return this.#redis.status === 'ready' ? null : `connection ${this.#redis.status}`;
  }

  /**
   * A command failed: if Redis did not answer in time (or the connection broke), open the circuit and drop the
   * socket, which may be half-open, so ioredis reconnects on a fresh one.
   */
  reportFailure(err: unknown): void {
    const message = (err as Error)?.message ?? String(err);
    if (/timed out|timeout|ECONNRESET|EPIPE|Connection is closed|Stream isn't writeable|ECONNREFUSED|max retries/i.test(message)) {
      this.#trip(message);
      this.#reconnect();
    }
  }

  /** PINGs under the deadline now (sharing a PING in flight); closes or opens the circuit on the result. */
  check(): Promise<boolean> {
    this.#pinging ??= this.#ping().finally(() => {
      this.#pinging = null;
    });
    return this.#pinging;
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  async #ping(): Promise<boolean> {
    if (this.#redis.status !== 'ready') {
      // A handshake into a silent link (TCP accepted, nothing answers) would wait for a command timeout before it
      // gives up; a fresh attempt, once the link is back, connects at once.
      const stuck = this.#redis.status === 'connect' || this.#redis.status === 'connecting';
      if (stuck && performance.now() - this.#since > 2 * this.#deadlineMs) {
        this.#since = performance.now();
        this.#redis.disconnect(true);
      }
      return false;
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      const reply = await Promise.race([
        this.#redis.ping(),
        new Promise<never>((_, reject) => {
          // Decided after one more I/O phase: a PONG that arrived while the event loop was busy wins over the timer.
          timer = setTimeout(() => setImmediate(() => reject(new Error(`no PONG within ${this.#deadlineMs} ms`))), this.#deadlineMs);
        }),
      ]);
      if (reply !== 'PONG') throw new Error(`unexpected PING reply ${String(reply)}`);
      this.#failures = 0;
      if (this.#tripped) {
        this.#tripped = null;
        this.#onChange(false, 'answering');
      }
      return true;
    } catch (err) {
      // A late PONG or two on a loaded replica is no outage: three in a row are (a command timeout trips at once).
      if (++this.#failures < 3 && !this.#tripped) {
        this.#arm(true);
        return false;
      }
      this.#trip((err as Error).message);
      this.#reconnect();
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  #trip(reason: string): void {
    if (this.#tripped || this.#stopped) return;
    this.#tripped = reason;
    try {
      this.#onChange(true, reason);
    } catch {
      // A broken logger must not keep the circuit from working.
    }
    this.#arm();
  }

  #reconnect(): void {
    // Only a connection that claims to be fine needs dropping; one already reconnecting is on its way.
    if (this.#redis.status === 'ready') this.#redis.disconnect(true);
  }

  #arm(fast = false): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.check().then(() => {
        if (!this.#timer) this.#arm();
      });
    }, this.#tripped || fast ? this.#openIntervalMs : this.#intervalMs);
    this.#timer.unref();
  }
}
