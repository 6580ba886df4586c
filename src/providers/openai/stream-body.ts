/**
 * A streamed reply from an OpenAI-compatible upstream, passed to the client byte for byte as it arrives.
 *
 * - Until the first chunk has been handed out, every failure is thrown from the iterator as a `first_byte`
 *   UpstreamError: the client has seen nothing, so the race layer may still retry or fall back.
 * - After that, a failure (socket error, stall, total timeout, or an end without `data: [DONE]`) ends the
 *   bytes with one OpenAI-style error event and no `[DONE]`, and the outcome reports `upstream_stream_cut`.
 * - The usage chunk we requested for metering is removed when the client did not ask for it.
 * - With `keepEvents`, each chunk handed out is paired with the data of its events as the side parser split them,
 *   so a translating front door does not decode and split the same bytes again (see `UpstreamReply.events`).
 */
import type { Contender } from '../../config/types.js';
import { sanitize } from '../../errors.js';
import type { CallSignal } from '../call-signal.js';
import type { CallOutcome } from '../spec.js';
import { ChatStreamWatcher } from '../sse.js';
import { SseAligner } from '../stream-aligner.js';
import { streamCutEvent } from '../stream-cut.js';
import type { CallDeadline } from '../stream-deadline.js';
import { failedOutcome, OutcomeLatch } from '../stream-outcome.js';
import { UpstreamError } from '../upstream-error.js';
import { hideUsageEvents } from './hide-usage-chunk.js';

export interface PassThroughOptions {
  contender: Contender;
  hideUsage: boolean;
  captureText: boolean;
  /** performance.now() at the start of send(), for TTFT. */
  startedAt: number;
  deadline: CallDeadline;
  /** Pair the chunks handed out with their events' data (`events`). */
  keepEvents?: boolean;
}

export function passThrough(
  source: AsyncIterable<Uint8Array>,
  opts: PassThroughOptions,
  callerSignal: CallSignal,
): { body: AsyncIterable<Uint8Array>; outcome: Promise<CallOutcome>; events?: (chunk: Uint8Array) => readonly string[] | undefined } {
  const state = new StreamState(opts.captureText, opts.keepEvents === true);
  const latch = new OutcomeLatch(callerSignal, () => state.outcome(), () => opts.deadline.dispose());
  const body = run(source, opts, state, latch);
  return opts.keepEvents === true ? { body, outcome: latch.promise, events: (chunk) => state.takePaired(chunk) } : { body, outcome: latch.promise };
}

class StreamState {
  readonly watcher: ChatStreamWatcher;
  ttftMs: number | null = null;
  /** Events are kept and paired with the chunks handed out, while the two still match. */
  #pairing: boolean;
  /**
   * The last chunk handed out and the data of exactly its events. The reader takes them before it asks for the next
   * chunk, so one pair is enough, and the strings do not outlive their translation.
   */
  #pairedOut: Buffer | null = null;
  #pairedEvents: readonly string[] | null = null;

  constructor(captureText: boolean, keepEvents: boolean) {
    this.watcher = new ChatStreamWatcher(captureText, keepEvents);
    this.#pairing = keepEvents;
  }

  /** The data of `chunk`'s events when it is the last chunk handed out and was paired; undefined otherwise. */
  takePaired(chunk: Uint8Array): readonly string[] | undefined {
    if (chunk !== this.#pairedOut) return undefined;
    const events = this.#pairedEvents!;
    this.#pairedOut = null;
    this.#pairedEvents = null;
    return events;
  }

  /**
   * Pairs `out`, the aligner's output as it came, with the events split since the last chunk handed out, when they
   * are exactly its events: it ends at an event boundary with nothing held back, and it does not start a stream with
   * a byte order mark (which a door's decoder and SSE parser may drop where this side parser, fed other cuts of the
   * same bytes, keeps it). Once a chunk cannot be paired, none after it is: the door then parses the bytes itself,
   * from a clean event boundary.
   */
  pair(out: Buffer, whole: boolean, first: boolean): void {
    if (!this.#pairing) return;
    if (whole && !(first && startsMarked(out))) {
      this.#pairedOut = out;
      this.#pairedEvents = this.watcher.takeEvents();
    } else {
      this.unpair();
    }
  }

  /** The bytes handed out no longer match the events split (a usage chunk hidden, a secret stripped). */
  unpair(): void {
    if (!this.#pairing) return;
    this.#pairing = false;
    this.#pairedOut = null;
    this.#pairedEvents = null;
    this.watcher.dropEvents();
  }

  outcome(): CallOutcome {
    const w = this.watcher;
    return { ok: true, usage: w.usage, finishReason: w.finishReason, ttftMs: this.ttftMs, text: w.text(), error: null, model: w.model };
  }

  partial(): Partial<CallOutcome> {
    const w = this.watcher;
    return { usage: w.usage, finishReason: w.finishReason, ttftMs: this.ttftMs, text: w.text(), model: w.model };
  }
}

async function* run(source: AsyncIterable<Uint8Array>, o: PassThroughOptions, state: StreamState, latch: OutcomeLatch): AsyncGenerator<Uint8Array> {
  const { watcher } = state;
  const aligner = new SseAligner();
  let sent = false;
  let hidden = 0;
  let failure: unknown = null;
  latch.busy = true;
  try {
    try {
      for await (const chunk of source) {
        state.ttftMs ??= performance.now() - o.startedAt;
        watcher.feed(chunk);
        const aligned = aligner.push(chunk);
        let out = aligned;
        if (out === null) continue;
        // The side parser has already parsed the usage chunk if it is in `out`: no byte scan on other chunks.
        if (o.hideUsage && watcher.usageOnlyEvents > hidden) {
          const rest = hideUsageEvents(out, watcher.usageOnlyEvents - hidden);
          hidden += rest.removed;
          out = rest.out;
        }
        if (watcher.upstreamError !== null) {
          if (!sent) throw errorEventFirst(o.contender, watcher.upstreamError);
          // An upstream's error event may quote its key: it reaches the client only with secrets stripped.
          out = Buffer.from(sanitize(Buffer.from(out).toString('utf8')));
        }
        // Not a chat chunk: before the first byte the attempt fails cleanly (retry, then fallback); after it, the
        // stream is cut here rather than passing the client something its SDK cannot parse.
        if (watcher.invalidEvent !== null) throw invalidEvent(o.contender, watcher.invalidEvent, sent);
        if (out !== aligned) state.unpair();
        if (out.length === 0) continue;
        state.pair(out, aligner.whole, !sent);
        sent = true;
        latch.busy = false;
        yield out;
        latch.busy = true;
      }
    } catch (err) {
      failure = err;
    }
    const tail = aligner.flush();
    watcher.end();

    // `[DONE]` arrived: the answer is complete even if the connection failed right after it (but not when an
    // invalid event came before it: that stream was refused).
    if (watcher.done && watcher.invalidEvent === null) {
      if (tail !== null) {
        latch.busy = false;
        yield o.hideUsage && watcher.usageOnlyEvents > hidden ? hideUsageEvents(tail, watcher.usageOnlyEvents - hidden).out : tail;
      }
      latch.settle(state.outcome());
      return;
    }
    const reason = failure === null ? null : o.deadline.explain(failure, sent ? 'mid_stream' : 'first_byte');
    if (!sent) {
      // Including a caller abort (a non-retryable "call aborted"): the race layer must not take it for success.
      const err = reason ?? emptyStream(o.contender, tail);
      latch.settle(failedOutcome(err.info(), { ttftMs: state.ttftMs }));
      throw err;
    }
    // The client went away mid-stream: there is no one to tell, and the caller knows why it aborted.
    if (o.deadline.callerAborted) return;
    if (reason === null && watcher.upstreamError !== null) {
      // The upstream's own error event has already reached the client; a second one would say it twice.
      const message = `${o.contender.name}: upstream error in stream: ${watcher.upstreamError}`;
      latch.settle(failedOutcome({ code: 'upstream_error', message, phase: 'mid_stream', upstreamStatus: null }, state.partial()));
      return;
    }
    // An incomplete trailing event (`tail`) is dropped: the client would glue it to the error event.
    const why = reason ? reason.message.replace(`${o.contender.name}: `, '') : 'ended without data: [DONE]';
    const message = `${o.contender.name}: upstream stream cut: ${why}`;
    latch.settle(failedOutcome({ code: 'upstream_stream_cut', message, phase: 'mid_stream', upstreamStatus: null }, state.partial()));
    latch.busy = false;
    yield streamCutEvent(message);
  } finally {
    latch.busy = false;
    // Reached without a settle when the consumer stopped early (return()) or the caller aborted.
    if (!latch.settled) latch.settle(state.outcome());
  }
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
/** The byte order mark decoded as Latin-1 and encoded again, which the SSE parser drops at a stream's start. */
const BOM_TWICE = Buffer.from('\u00ef\u00bb\u00bf');

/** The stream starts with a byte order mark, in UTF-8 or encoded twice. */
function startsMarked(out: Buffer): boolean {
  return (out[0] === 0xef && out.subarray(0, 3).equals(BOM)) || (out[0] === 0xc3 && out.subarray(0, 6).equals(BOM_TWICE));
}

function invalidEvent(contender: Contender, data: string, sent: boolean): UpstreamError {
  return new UpstreamError('upstream_error', `${contender.name}: upstream sent an invalid stream event: ${JSON.stringify(data)}`, { phase: sent ? 'mid_stream' : 'first_byte', retryable: true });
}

/**
 * The upstream's first event is an error: nothing reached the client yet, so the attempt fails cleanly, and like a
 * 5xx (what such events usually report: overload, a server error) it is retried before the fallback.
 */
function errorEventFirst(contender: Contender, message: string): UpstreamError {
  return new UpstreamError('upstream_error', `${contender.name}: upstream error event: ${message}`, { phase: 'first_byte', retryable: true });
}

function emptyStream(contender: Contender, tail: Buffer | null): UpstreamError {
  if (tail === null || tail.length === 0) {
    return new UpstreamError('upstream_error', `${contender.name}: upstream closed the stream before any event`, { phase: 'first_byte', retryable: true });
  }
  // A 2xx that is not SSE (some servers answer errors this way): retrying the same call would not help.
  const start = tail.subarray(0, 200).toString('utf8');
  return new UpstreamError('upstream_error', `${contender.name}: upstream answered without SSE events: ${start}`, { phase: 'first_byte', retryable: false });
}
