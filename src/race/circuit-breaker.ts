/**
 * Per-contender circuit breaker. Closed: calls pass; `failureThreshold` consecutive failures open it. Open: calls
 * are skipped until `cooldownMs` has passed, then exactly one half-open probe is let through; its success closes
 * the circuit, its failure opens it for another cooldown.
 */
export type BreakerState = 'closed' | 'open' | 'half_open';

export class CircuitBreaker {
  #failures = 0;
  #state: BreakerState = 'closed';
  #openedAt = 0;
  #probeInFlight = false;

  constructor(
    readonly failureThreshold: number,
    readonly cooldownMs: number,
    readonly now: () => number = Date.now,
  ) {}

  get state(): BreakerState {
    if (this.#state === 'open' && this.now() - this.#openedAt >= this.cooldownMs) return 'half_open';
    return this.#state;
  }

  /** Whether a call may go out now; in half-open, reserves the single probe. */
  tryPass(): boolean {
    if (this.#state === 'closed') return true;
    if (this.#state === 'open' && this.now() - this.#openedAt < this.cooldownMs) return false;
    if (this.#probeInFlight) return false;
    this.#state = 'half_open';
    this.#probeInFlight = true;
    return true;
  }

  /** Ends an attempt that proved nothing about the contender (the client left): frees a half-open probe slot. */
  release(): void {
    this.#probeInFlight = false;
  }

  onSuccess(): void {
    this.#failures = 0;
    this.#probeInFlight = false;
    this.#state = 'closed';
  }

  onFailure(): void {
    this.#probeInFlight = false;
    this.#failures++;
    if (this.#state === 'half_open' || this.#failures >= this.failureThreshold) {
      this.#state = 'open';
      this.#openedAt = this.now();
    }
  }
}
