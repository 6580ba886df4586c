/**
 * Waits `ms`, or less when any signal aborts. Resolves true when the full time passed, false when aborted.
 * The timer and listeners are always released, so an aborted simulation leaves nothing behind.
 */
import type { CallSignal } from '../call-signal.js';

export function sleep(ms: number, ...signals: CallSignal[]): Promise<boolean> {
  if (signals.some((s) => s.aborted)) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (slept: boolean): void => {
      clearTimeout(timer);
      for (const s of signals) s.removeEventListener('abort', onAbort);
      resolve(slept);
    };
    const onAbort = (): void => done(false);
    const timer = setTimeout(() => done(true), ms);
    for (const s of signals) s.addEventListener('abort', onAbort, { once: true });
  });
}
