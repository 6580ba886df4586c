/**
 * The simulator's SSE body. After `ttft_ms`, piece k is due at `t0 + tokens before k / tokens_per_s`; every
 * wake-up sends all pieces that are due in one chunk, so the pace holds even faster than timer resolution.
 * A `cut` fault sends the first half of the pieces, then the same error event a real cut stream ends with.
 */
import type { Contender } from '../../config/types.js';
import type { CallSignal } from '../call-signal.js';
import type { CallOutcome, Usage } from '../spec.js';
import { streamCutEvent } from '../stream-cut.js';
import { failedOutcome, OutcomeLatch } from '../stream-outcome.js';
import { UpstreamError } from '../upstream-error.js';
import type { Generation } from './generate.js';
import { sleep } from './sleep.js';
import { DONE_EVENT, type ChunkWriter } from './wire.js';

export interface MockStreamOptions {
  contender: Contender;
  gen: Generation;
  writer: ChunkWriter;
  ttftMs: number;
  tokensPerS: number;
  usage: Usage | null;
  /** The client asked for `stream_options.include_usage`. */
  sendUsage: boolean;
  cut: boolean;
  captureText: boolean;
  startedAt: number;
  signals: CallSignal[];
}

export function mockStream(o: MockStreamOptions, callerSignal: CallSignal): { body: AsyncIterable<Uint8Array>; outcome: Promise<CallOutcome> } {
  const state = { ttftMs: null as number | null, answer: '', done: false };
  const snapshot = (): CallOutcome => ({
    ok: true,
    usage: state.done ? o.usage : null,
    finishReason: state.done ? o.gen.finishReason : null,
    ttftMs: state.ttftMs,
    text: o.captureText || o.usage === null ? state.answer : null,
    error: null,
  });
  const latch = new OutcomeLatch(callerSignal, snapshot);
  return { body: run(o, state, latch, snapshot), outcome: latch.promise };
}

async function* run(
  o: MockStreamOptions,
  state: { ttftMs: number | null; answer: string; done: boolean },
  latch: OutcomeLatch,
  snapshot: () => CallOutcome,
): AsyncGenerator<Uint8Array> {
  const { pieces } = o.gen;
  const stopAt = o.cut ? Math.min(pieces.length, Math.max(1, Math.floor(pieces.length / 2))) : pieces.length;
  const msPerToken = o.tokensPerS > 0 ? 1000 / o.tokensPerS : 0;
  latch.busy = true;
  try {
    if (!(await sleep(o.ttftMs, ...o.signals))) {
      throw new UpstreamError('upstream_timeout', `${o.contender.name}: call aborted`, { phase: 'first_byte', retryable: false });
    }
    const t0 = performance.now();
    let out = o.writer.role();
    let k = 0;
    let tokensBefore = 0;
    while (true) {
      const now = performance.now();
      while (k < stopAt && t0 + tokensBefore * msPerToken <= now + 1) {
        const p = pieces[k++]!;
        out += p.reasoning ? o.writer.reasoning(p.text) : o.writer.content(p.text);
        if (!p.reasoning) state.answer += p.text;
        tokensBefore += p.tokens;
      }
      if (k === stopAt) break;
      if (out !== '') {
        yield* emit(out, o, state, latch);
        out = '';
      }
      if (!(await sleep(t0 + tokensBefore * msPerToken - performance.now(), ...o.signals))) return;
    }
    if (o.cut) {
      if (out !== '') yield* emit(out, o, state, latch);
      const message = `${o.contender.name}: upstream stream cut: connection reset (simulated)`;
      latch.settle(failedOutcome({ code: 'upstream_stream_cut', message, phase: 'mid_stream', upstreamStatus: null }, { ...snapshot(), usage: null }));
      yield* emit(streamCutEvent(message), o, state, latch);
      return;
    }
    out += o.writer.finish(o.gen.finishReason);
    if (o.sendUsage && o.usage) out += o.writer.usage(o.usage);
    out += DONE_EVENT;
    state.done = true;
    state.ttftMs ??= performance.now() - o.startedAt;
    latch.settle(snapshot());
    yield* emit(out, o, state, latch);
  } catch (err) {
    if (!latch.settled && err instanceof UpstreamError) latch.settle(failedOutcome(err.info()));
    throw err;
  } finally {
    latch.busy = false;
    if (!latch.settled) latch.settle(snapshot());
  }
}

/** One chunk handed out: the latch is idle while the reader holds it. */
function* emit(chunk: string | Buffer, o: MockStreamOptions, state: { ttftMs: number | null }, latch: OutcomeLatch): Generator<Uint8Array> {
  state.ttftMs ??= performance.now() - o.startedAt;
  latch.busy = false;
  yield typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
  latch.busy = true;
}
