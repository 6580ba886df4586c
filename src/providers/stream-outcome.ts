/**
 * The `outcome` of a streamed reply, settled exactly once. A body iterator settles it when it ends or fails.
 * If the call is aborted while the iterator is parked at a `yield` (the client went away and the gateway
 * stopped pulling), nothing will ever resume it, so the latch settles itself from `idle()`: the state so far,
 * not an upstream failure, since the caller knows why it aborted.
 */
import type { CallSignal } from './call-signal.js';
import type { CallOutcome, UpstreamErrorInfo } from './spec.js';

export class OutcomeLatch {
  readonly promise: Promise<CallOutcome>;
  /** The body iterator is running (awaiting upstream) rather than parked at a yield or not started. */
  busy = false;
  #resolve!: (o: CallOutcome) => void;
  #settled = false;
  readonly #signal: CallSignal;
  readonly #idle: () => CallOutcome;
  readonly #onSettle: (() => void) | null;
  readonly #onAbort = (): void => {
    if (!this.busy) this.settle(this.#idle());
  };

  /** `onSettle` releases per-call resources (timers, listeners) once the outcome is known. */
  constructor(signal: CallSignal, idle: () => CallOutcome, onSettle: (() => void) | null = null) {
    this.promise = new Promise((resolve) => (this.#resolve = resolve));
    this.#signal = signal;
    this.#idle = idle;
    this.#onSettle = onSettle;
    if (signal.aborted) this.#onAbort();
    else signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  get settled(): boolean {
    return this.#settled;
  }

  settle(outcome: CallOutcome): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#signal.removeEventListener('abort', this.#onAbort);
    this.#onSettle?.();
    this.#resolve(outcome);
  }
}

/** An outcome for a failure, keeping what was learned before it. */
export function failedOutcome(error: UpstreamErrorInfo, partial: Partial<CallOutcome> = {}): CallOutcome {
  return { ok: false, usage: partial.usage ?? null, finishReason: partial.finishReason ?? null, ttftMs: partial.ttftMs ?? null, text: partial.text ?? null, error };
}
