/**
 * A call's cancellation: the part of AbortSignal that providers, retries and undici use, and a plain-object
 * controller for it that the gateway makes once per request.
 *
 * Why not AbortController: on Node 20 every AbortSignal survives the young-generation GC (measured: all of them
 * are promoted, ~390 B each), and with it whatever its listeners reach (undici's request handler, the call's
 * closures). One per request filled the old generation with finished requests, which made each scavenge slower
 * and the heap grow until the next full GC. A plain object dies young like the rest of the request.
 *
 * Real AbortSignals still fit `CallSignal` (evals, the arena and tests pass them), and undici takes a
 * `CallSignal` as it takes any object with `addEventListener`.
 */
export interface CallSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export class CallAbort implements CallSignal {
  aborted = false;
  reason: unknown = undefined;
  /** Listeners run at most once (abort happens once), so every registration behaves as `{ once: true }`. */
  #listeners: Array<() => void> | null = null;

  /** The signal side, for symmetry with AbortController: it is this object. */
  get signal(): CallSignal {
    return this;
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    if (this.aborted) return;
    if (this.#listeners === null) this.#listeners = [listener];
    else if (!this.#listeners.includes(listener)) this.#listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const list = this.#listeners;
    if (list === null) return;
    const i = list.indexOf(listener);
    if (i >= 0) list.splice(i, 1);
  }

  /** Aborts once: later calls change nothing. A throwing listener is reported as an uncaught exception, as EventTarget does, and does not stop the others. */
  abort(reason: unknown = new DOMException('This operation was aborted', 'AbortError')): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const list = this.#listeners;
    this.#listeners = null;
    if (list === null) return;
    for (const listener of list) {
      try {
        listener();
      } catch (err) {
        process.nextTick(() => {
          throw err;
        });
      }
    }
  }
}
