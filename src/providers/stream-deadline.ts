/**
 * The contender's `timeouts.total_ms` for one call, stream included. Before the response headers undici's own
 * timeouts apply (connect, first byte); once a body exists, one timer destroys it when the call as a whole
 * runs out of time. A timer and a destroy are much cheaper than a second AbortController linked to the
 * caller's signal on every request.
 */
import type { Contender } from '../config/types.js';
import type { CallSignal } from './call-signal.js';
import { networkError } from './http.js';
import type { UpstreamPhase } from './spec.js';
import { UpstreamError } from './upstream-error.js';

interface Destroyable {
  destroy(error?: Error): unknown;
}

export class CallDeadline {
  readonly #caller: CallSignal;
  readonly #contender: Contender;
  readonly #startedAt: number;
  #timer: NodeJS.Timeout | null = null;
  #expired = false;

  /** `startedAt` is performance.now() at the start of the call. */
  constructor(caller: CallSignal, contender: Contender, startedAt: number) {
    this.#caller = caller;
    this.#contender = contender;
    this.#startedAt = startedAt;
  }

  /** Starts counting down on a response body; it is destroyed with an error if the call outlives total_ms. */
  arm(body: Destroyable): void {
    const left = this.#contender.timeouts.totalMs - (performance.now() - this.#startedAt);
    this.#timer = setTimeout(() => {
      this.#expired = true;
      body.destroy(new Error('total timeout'));
    }, Math.max(0, left));
  }

  /** The caller gave up (as opposed to the total timeout or an upstream failure). */
  get callerAborted(): boolean {
    return this.#caller.aborted;
  }

  /** Maps a failure to an UpstreamError, naming the total timeout when that is what ended the call. */
  explain(err: unknown, phase: Exclude<UpstreamPhase, 'headers'>): UpstreamError {
    if (this.#expired && !(err instanceof UpstreamError)) {
      return new UpstreamError('upstream_timeout', `${this.#contender.name}: no complete answer within ${this.#contender.timeouts.totalMs} ms (timeouts.total_ms)`, {
        phase,
        retryable: false,
        cause: err,
      });
    }
    return networkError(err, this.#contender, phase);
  }

  dispose(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
