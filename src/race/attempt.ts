/**
 * Retries, fallbacks and circuit breaking for one request. An attempt succeeds once its first body chunk is in
 * hand: until then nothing has reached the client, so any retryable failure may be retried with jittered
 * exponential backoff (honouring retry-after up to the contender's ceiling) and then the next contender in the
 * plan is tried. After the first chunk, failures belong to the stream and are never retried, but the breaker still
 * counts them: it judges an attempt by how its answer ended, not by its first byte.
 */
import type { Contender } from '../config/types.js';
import { SaimaError } from '../errors.js';
import type { CallSignal } from '../providers/call-signal.js';
import type { ProviderAdapter, UpstreamCall, UpstreamReply } from '../providers/spec.js';
import { UpstreamError } from '../providers/upstream-error.js';
import type { CircuitBreaker } from './circuit-breaker.js';

export interface AttemptRecord {
  contender: string;
  code: string;
  upstreamStatus: number | null;
  message: string;
  /** How long the attempt took (0 when the breaker refused it). */
  ms: number;
}

export interface AttemptDeps {
  contender(name: string): Contender | undefined;
  adapter(contender: Contender): ProviderAdapter;
  breaker(contender: Contender): CircuitBreaker;
  sleep?: (ms: number, signal: CallSignal) => Promise<void>;
  random?: () => number;
}

export interface AttemptSuccess {
  contender: Contender;
  reply: UpstreamReply;
  /** The first body chunk, already read; the rest follows from `rest`. */
  first: Uint8Array | null;
  rest: AsyncIterator<Uint8Array>;
  attempts: number;
  failures: AttemptRecord[];
  startedAt: number;
}

export class AllContendersFailed extends SaimaError {
  constructor(readonly failures: AttemptRecord[], last: SaimaError | null) {
    super(
      failures.length === 1 && last ? last.code : 'all_contenders_failed',
      failures.length === 1 && last
        ? last.message
        : `all contenders failed: ${describeFailures(failures)}`,
    );
  }
}

/**
 * Each failed attempt with its cause (a refused connection, a timeout and which limit, an upstream's status and
 * message), repeats folded: the first thing an operator needs when an upstream is down is why.
 */
function describeFailures(failures: readonly AttemptRecord[]): string {
  const parts: Array<{ text: string; n: number }> = [];
  for (const f of failures) {
    const detail = (f.message.startsWith(`${f.contender}: `) ? f.message.slice(f.contender.length + 2) : f.message).slice(0, 200);
    const text = `${f.contender} (${f.code}${f.upstreamStatus ? ` ${f.upstreamStatus}` : ''}${detail ? `: ${detail}` : ''})`;
    const last = parts.at(-1);
    if (last?.text === text) last.n++;
    else parts.push({ text, n: 1 });
  }
  return parts.map((p) => (p.n > 1 ? `${p.text} ×${p.n}` : p.text)).join(', ');
}

export async function attemptPlan(
  names: readonly string[],
  makeCall: (contender: Contender) => UpstreamCall,
  deps: AttemptDeps,
  signal: CallSignal,
): Promise<AttemptSuccess> {
  const failures: AttemptRecord[] = [];
  let attempts = 0;
  let last: SaimaError | null = null;
  const sleep = deps.sleep ?? abortableSleep;
  const random = deps.random ?? Math.random;
  for (const name of names) {
    const contender = deps.contender(name);
    if (!contender) continue;
    const breaker = deps.breaker(contender);
    for (let retry = 0; retry <= contender.retry.maxRetries; retry++) {
      if (signal.aborted) throw new SaimaError('upstream_timeout', 'client went away');
      if (!breaker.tryPass()) {
        last = new SaimaError('circuit_open', `${name}: circuit open after repeated failures`);
        failures.push({ contender: name, code: 'circuit_open', upstreamStatus: null, message: last.message, ms: 0 });
        break;
      }
      attempts++;
      const startedAt = performance.now();
      try {
        const call = makeCall(contender);
        const reply = await deps.adapter(contender).send(call, signal);
        const rest = reply.body[Symbol.asyncIterator]();
        const head = await rest.next();
        // The breaker's verdict waits for the end of the answer: a stream cut, stalled or broken after its first
        // byte is a failure of the contender too, though it is too late to retry it.
        reply.outcome.then(
          (o) => (o.ok || o.error === null ? breaker.onSuccess() : breaker.onFailure()),
          () => breaker.onFailure(),
        );
        return { contender, reply, first: head.done ? null : head.value, rest, attempts, failures, startedAt };
      } catch (err) {
        // The client went away (or the request's own deadline passed): not the contender's failure.
        if (signal.aborted) {
          breaker.release();
          throw err instanceof SaimaError ? err : new SaimaError('upstream_timeout', 'client went away');
        }
        if (!(err instanceof SaimaError)) throw err;
        if (!(err instanceof UpstreamError)) {
          // Our own validation errors, the client's to fix: no upstream was asked, so a half-open probe is not spent.
          breaker.release();
          throw err;
        }
        last = err;
        failures.push({ contender: name, code: err.code, upstreamStatus: err.upstreamStatus, message: err.message, ms: performance.now() - startedAt });
        if (!err.fallbackable) {
          breaker.onSuccess(); // the upstream answered sensibly; the request itself is bad
          throw err;
        }
        breaker.onFailure();
        if (!err.retryable || retry === contender.retry.maxRetries) break;
        const backoff = backoffMs(retry, contender.retry.baseMs, contender.retry.maxMs, random);
        if (err.retryAfterMs !== null && err.retryAfterMs > contender.retry.maxMs) break; // too long to wait: fall back
        await sleep(Math.max(backoff, err.retryAfterMs ?? 0), signal);
      }
    }
  }
  throw new AllContendersFailed(failures, last);
}

/** Full-jitter exponential backoff (AWS Architecture Blog, "Exponential Backoff and Jitter"). */
export function backoffMs(retry: number, baseMs: number, maxMs: number, random: () => number): number {
  return Math.floor(random() * Math.min(maxMs, baseMs * 2 ** retry));
}

function abortableSleep(ms: number, signal: CallSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
