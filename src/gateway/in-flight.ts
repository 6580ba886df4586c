/**
 * The chat calls a gateway is serving, so a shutdown can wait for them and then cut what is left. A call counts
 * from after admission until its row is committed: a client that hangs up ends the connection (and lets the HTTP
 * server close) long before its handler has recorded the call, so connections alone cannot tell when the store
 * may close.
 */
import type { CallSignal } from '../providers/call-signal.js';
import type { CallOutcome } from '../providers/spec.js';

export const SHUTTING_DOWN = 'server_shutting_down';
export const SHUTDOWN_MESSAGE = 'The gateway is shutting down; the stream was cut before its end. Retry the request.';

/** The abort reason of a call cut by the shutdown, told apart from a client hanging up. */
class ShutdownCut extends Error {
  constructor() {
    super(SHUTDOWN_MESSAGE);
    this.name = 'ShutdownCut';
  }
}

/** A call's abort handle: the gateway's CallAbort, or an AbortController. */
interface Abortable {
  abort(reason?: unknown): void;
}

export class InFlight {
  readonly #calls = new Set<Abortable>();
  readonly #idle = new Set<() => void>();
  #cut = false;

  /** Registers a call; returns what to call once its row is committed. A call that starts after the cut is cut at once. */
  enter(call: Abortable): () => void {
    if (this.#cut) call.abort(new ShutdownCut());
    this.#calls.add(call);
    return () => {
      if (!this.#calls.delete(call) || this.#calls.size > 0) return;
      for (const wake of this.#idle) wake();
    };
  }

  get size(): number {
    return this.#calls.size;
  }

  /** Resolves true once no call is in flight, or false after `ms`. */
  whenIdle(ms: number): Promise<boolean> {
    if (this.#calls.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#idle.delete(wake);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.#idle.delete(wake);
        resolve(false);
      }, ms);
      this.#idle.add(wake);
    });
  }

  /** Aborts every call in flight (and any that still starts): their upstream calls stop and they record the cut. */
  cut(): void {
    this.#cut = true;
    for (const call of this.#calls) call.abort(new ShutdownCut());
  }

  /** Whether this call was aborted by the shutdown rather than by its client. */
  static wasCut(signal: CallSignal): boolean {
    return signal.aborted && signal.reason instanceof ShutdownCut;
  }
}

/** The event that ends a stream cut by the shutdown: OpenAI's error shape, no `[DONE]` after it. */
export function shutdownCutEvent(): Buffer {
  const error = { message: SHUTDOWN_MESSAGE, type: 'api_error', param: null, code: SHUTTING_DOWN };
  return Buffer.from(`data: ${JSON.stringify({ error })}\n\n`);
}

/** The outcome recorded for a stream cut by the shutdown: what it sent so far, failed as a cut of ours, not the upstream's. */
export function shutdownOutcome(o: CallOutcome): CallOutcome {
  return { ...o, ok: false, error: { code: SHUTTING_DOWN, message: SHUTDOWN_MESSAGE, phase: 'mid_stream', upstreamStatus: null } };
}
