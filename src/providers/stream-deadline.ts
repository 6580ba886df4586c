/**
 * One upstream call's abort signal: the caller's signal (the client went away) plus the contender's
 * `timeouts.total_ms`, which covers the whole call, stream included. undici enforces the first-byte and
 * between-chunk timeouts itself; this adds the overall bound with one timer per call.
 */
import type { Contender } from '../config/types.js';
import { networkError } from './http.js';
import { UpstreamError } from './upstream-error.js';
import type { UpstreamPhase } from './spec.js';

export class CallDeadline {
  readonly #controller = new AbortController();
  readonly #caller: AbortSignal;
  readonly #contender: Contender;
  readonly #timer: NodeJS.Timeout;
  #expired = false;
  readonly #onCallerAbort = (): void => this.#controller.abort();

  constructor(caller: AbortSignal, contender: Contender) {
    this.#caller = caller;
    this.#contender = contender;
    this.#timer = setTimeout(() => {
      this.#expired = true;
      this.#controller.abort();
    }, contender.timeouts.totalMs);
    if (caller.aborted) this.#controller.abort();
    else caller.addEventListener('abort', this.#onCallerAbort, { once: true });
  }

  /** Pass this to the HTTP client. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** The caller gave up (as opposed to the total timeout or an upstream failure). */
  get callerAborted(): boolean {
    return this.#caller.aborted;
  }

  /** Maps a failure to an UpstreamError, naming the total timeout when that is what aborted the call. */
  explain(err: unknown, phase: Exclude<UpstreamPhase, 'headers'>): UpstreamError {
    if (this.#expired && !(err instanceof UpstreamError && err.upstreamStatus !== null)) {
      return new UpstreamError('upstream_timeout', `${this.#contender.name}: no complete answer within ${this.#contender.timeouts.totalMs} ms`, {
        phase,
        retryable: false,
        cause: err,
      });
    }
    return networkError(err, this.#contender, phase);
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#caller.removeEventListener('abort', this.#onCallerAbort);
  }
}
