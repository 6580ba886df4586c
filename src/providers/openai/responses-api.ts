/**
 * An upstream's own Responses API (`POST {base_url}/responses`), for a contender declared with `responses: true`: the
 * client's Responses body goes up (model and output cap set by the caller) and the upstream's bytes come back
 * unchanged, whole or as whole SSE events, watched for what the gateway meters: `usage` (`input_tokens`,
 * `output_tokens` and their details) from the answer, or in a stream from its last event (`response.completed`,
 * `response.incomplete` or `response.failed`), the status, the upstream's response id and (when asked) the text.
 *
 * Failure rules as for chat completions (stream-body.ts): a whole answer is read before `send()` resolves, so every
 * failure can be retried or fall back; a stream whose first event is an error fails cleanly before the first byte; a
 * stream cut after it ends with one Responses `error` event (`upstream_stream_cut`, numbered after the last event).
 */
import { StringDecoder } from 'node:string_decoder';
import { createParser } from 'eventsource-parser';
import type { Contender } from '../../config/types.js';
import { sanitize } from '../../errors.js';
import type { CallSignal } from '../call-signal.js';
import type { CallOutcome, UpstreamCall, UpstreamReply, Usage } from '../spec.js';
import { SseAligner } from '../stream-aligner.js';
import type { CallDeadline } from '../stream-deadline.js';
import { failedOutcome, OutcomeLatch } from '../stream-outcome.js';
import { onceBody } from '../stream-once.js';
import { UpstreamError } from '../upstream-error.js';
import { readResponsesUsage } from './usage.js';

type Loose = Record<string, unknown>;

function object(v: unknown): Loose | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Loose) : null;
}


/** A response's status as a chat finish reason (what the row records): the output cap reached is `length`. */
function finishOf(response: Loose): string | null {
  const status = response.status;
  if (status === 'incomplete') {
    const reason = object(response.incomplete_details)?.reason;
    return reason === 'max_output_tokens' ? 'length' : reason === 'content_filter' ? 'content_filter' : 'length';
  }
  if (status !== 'completed') return null;
  const output = Array.isArray(response.output) ? response.output : [];
  return output.some((i) => object(i)?.type === 'function_call') ? 'tool_calls' : 'stop';
}

/** The text of a response's `message` items (`output_text` parts). */
function outputText(response: Loose): string {
  let out = '';
  for (const item of Array.isArray(response.output) ? response.output : []) {
    const it = object(item);
    if (it?.type !== 'message' || !Array.isArray(it.content)) continue;
    for (const part of it.content) {
      const p = object(part);
      if (p?.type === 'output_text' && typeof p.text === 'string') out += p.text;
    }
  }
  return out;
}

/** The Responses request's URL beside the chat one. */
export function responsesUrl(contender: Contender): string {
  return `${contender.baseUrl}/responses`;
}

/** A whole (non-streamed) Responses answer's reply, from its bytes read before `send()` resolves. */
export function responseReply(bytes: Buffer, ttftMs: number | null, call: UpstreamCall): UpstreamReply {
  const { contender } = call;
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new UpstreamError('upstream_error', `${contender.name}: upstream sent invalid JSON`, { phase: 'first_byte', retryable: true });
  }
  const response = object(json);
  if (response === null || response.object !== 'response' || typeof response.id !== 'string') {
    const error = object(response?.error);
    const detail = error && typeof error.message === 'string' ? `upstream error: ${error.message}` : 'upstream sent no Responses API response';
    throw new UpstreamError('upstream_error', `${contender.name}: ${detail}`, { phase: 'first_byte', retryable: false });
  }
  if (response.status === 'failed') {
    const message = object(response.error)?.message;
    throw new UpstreamError('upstream_error', `${contender.name}: upstream response failed: ${typeof message === 'string' ? message : 'no reason given'}`, { phase: 'first_byte', retryable: true });
  }
  const usage = readResponsesUsage(response.usage);
  const outcome: CallOutcome = {
    ok: true,
    usage,
    finishReason: finishOf(response),
    ttftMs,
    text: call.captureText || usage === null ? outputText(response) : null,
    error: null,
    model: typeof response.model === 'string' ? response.model : null,
    responseId: response.id,
  };
  return { status: 200, contentType: 'application/json', body: onceBody(bytes), outcome: Promise.resolve(outcome), wire: 'responses' };
}

const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);
/** The events that carry what the watcher reads beyond a delta's text: the response object, or an error. */
const READ_WHOLE = new Set([...TERMINAL, 'response.created', 'response.in_progress', 'response.queued', 'error']);
const TYPE_PREFIX = '{"type":"';
/**
 * Unparsed event data kept at most, in characters, for the sequence number and for the text: past it, what is kept
 * is read at once. A short answer is never parsed; a long one costs what parsing every event did, in memory bounded
 * by this rather than by the answer's length times its events' envelopes.
 */
const KEEP_UNREAD = 64 * 1024;
const TEXT_DELTA = 'response.output_text.delta';

/**
 * The type an event's data names first, read without parsing it, or null. OpenAI writes `type` as each event's first
 * key, and event types hold no character JSON would escape.
 */
function leadingType(data: string): string | null {
  if (!data.startsWith(TYPE_PREFIX)) return null;
  const end = data.indexOf('"', TYPE_PREFIX.length);
  return end < 0 ? null : data.slice(TYPE_PREFIX.length, end);
}

function parsed(data: string): Loose | null {
  try {
    return object(JSON.parse(data));
  } catch {
    return null;
  }
}

/**
 * A side parser of a Responses event stream; it changes none. The first event and every event that carries the
 * response object or an error are parsed whole. The others (items, parts, deltas: most of a stream, and some hold the
 * whole text) are looked at only as far as their leading `type` and braces; a text delta's data is kept unparsed
 * until the text is asked for, and the last sequence number is read only when asked (`KEEP_UNREAD` bounds both).
 * Measured: parsing every event was 9 % of a passed-through stream's instructions, and the garbage it left most of
 * the rest of its GC.
 */
class ResponsesWatcher {
  readonly #parser = createParser({ onEvent: (ev) => this.#event(ev.data) });
  readonly #decoder = new StringDecoder('utf8');
  /** Data of the text deltas not parsed yet, and the text of those that were. */
  #deltas: string[] = [];
  #deltaChars = 0;
  #text = '';
  #events = 0;
  #sequence = -1;
  /** Data of the events not parsed since the last one that was, newest last: the sequence number is read from them. */
  #unread: string[] = [];
  #unreadChars = 0;
  usage: Usage | null = null;
  finishReason: string | null = null;
  model: string | null = null;
  responseId: string | null = null;
  /** The answer's last event arrived (`response.completed`, `.incomplete` or `.failed`). */
  ended = false;
  /** `response.failed`'s error message, or an `error` event's: the upstream's own failure. */
  upstreamError: string | null = null;
  /** The first event that is not a Responses event (no JSON object with a `type`). */
  invalidEvent: string | null = null;

  feed(chunk: Uint8Array): void {
    this.#parser.feed(this.#decoder.write(chunk as Buffer));
  }

  end(): void {
    this.#parser.feed(`${this.#decoder.end()}\n\n`);
  }

  /** The last `sequence_number` seen: an event the gateway adds is numbered after it. */
  get sequence(): number {
    this.#readSequence();
    return this.#sequence;
  }

  text(): string {
    this.#readDeltas();
    return this.#text;
  }

  #readSequence(): void {
    for (let i = this.#unread.length - 1; i >= 0; i--) {
      const n = parsed(this.#unread[i]!)?.sequence_number;
      if (typeof n === 'number') {
        this.#sequence = n;
        break;
      }
    }
    this.#unread = [];
    this.#unreadChars = 0;
  }

  #readDeltas(): void {
    for (const data of this.#deltas) {
      const delta = parsed(data)?.delta;
      if (typeof delta === 'string') this.#text += delta;
    }
    this.#deltas = [];
    this.#deltaChars = 0;
  }

  /** Kept unread, but never more than KEEP_UNREAD characters: a long answer is read in batches as it comes. */
  #keepUnread(data: string): void {
    this.#unread.push(data);
    this.#unreadChars += data.length;
    if (this.#unreadChars > KEEP_UNREAD) this.#readSequence();
  }

  #keepDelta(data: string): void {
    this.#deltas.push(data);
    this.#deltaChars += data.length;
    if (this.#deltaChars > KEEP_UNREAD) this.#readDeltas();
  }

  #event(data: string): void {
    const type = this.#events++ === 0 ? null : leadingType(data);
    if (type !== null && !READ_WHOLE.has(type) && data.charCodeAt(data.length - 1) === 0x7d) {
      this.#keepUnread(data);
      if (type === TEXT_DELTA) this.#keepDelta(data);
      return;
    }
    const ev = parsed(data);
    if (ev === null || typeof ev.type !== 'string') {
      this.invalidEvent ??= data.slice(0, 80);
      return;
    }
    if (typeof ev.sequence_number === 'number') {
      this.#sequence = ev.sequence_number;
      this.#unread = [];
      this.#unreadChars = 0;
    }
    if (ev.type === TEXT_DELTA && typeof ev.delta === 'string') this.#keepDelta(data);
    else if (ev.type === 'error') this.upstreamError ??= typeof ev.message === 'string' ? ev.message : 'error event';
    const response = object(ev.response);
    if (response === null) return;
    if (typeof response.id === 'string') this.responseId ??= response.id;
    if (typeof response.model === 'string') this.model = response.model;
    if (!TERMINAL.has(ev.type)) return;
    this.ended = true;
    this.usage = readResponsesUsage(response.usage);
    this.finishReason = finishOf(response);
    if (ev.type === 'response.failed') {
      const message = object(response.error)?.message;
      this.upstreamError = typeof message === 'string' ? message : 'response failed';
    }
  }
}

export interface ResponsesStreamOptions {
  contender: Contender;
  captureText: boolean;
  startedAt: number;
  deadline: CallDeadline;
}

/** A streamed Responses answer, passed through as whole events (see the file comment for the failure rules). */
export function passResponsesStream(source: AsyncIterable<Uint8Array>, o: ResponsesStreamOptions, signal: CallSignal): UpstreamReply {
  const s = new StreamState(o.captureText);
  const latch = new OutcomeLatch(signal, () => s.outcome(), () => o.deadline.dispose());
  return { status: 200, contentType: 'text/event-stream', body: run(source, o, s, latch), outcome: latch.promise, wire: 'responses' };
}

/** What a passed-through stream has learned so far, for its outcome. */
class StreamState {
  readonly w = new ResponsesWatcher();
  ttftMs: number | null = null;

  constructor(readonly captureText: boolean) {}

  partial(): Partial<CallOutcome> {
    const w = this.w;
    return { usage: w.usage, finishReason: w.finishReason, ttftMs: this.ttftMs, text: this.captureText || w.usage === null ? w.text() : null };
  }

  outcome(): CallOutcome {
    return { ok: true, error: null, model: this.w.model, responseId: this.w.responseId, ...this.partial() } as CallOutcome;
  }
}

/**
 * The client's bytes of a passed-through stream. A generator declared once, at the top level: a generator function
 * declared inside the per-call function is a new closure each call, and V8 then kept every call's objects alive
 * through its young-generation collections (see gateway/mapped-chunks.ts).
 */
async function* run(source: AsyncIterable<Uint8Array>, o: ResponsesStreamOptions, s: StreamState, latch: OutcomeLatch): AsyncGenerator<Uint8Array> {
  const w = s.w;
  const aligner = new SseAligner();
  let sent = false;
  let failure: unknown = null;
  latch.busy = true;
  try {
    try {
      for await (const chunk of source) {
        s.ttftMs ??= performance.now() - o.startedAt;
        w.feed(chunk);
        const out = aligner.push(chunk);
        if (out === null) continue;
        if (w.invalidEvent !== null) throw new UpstreamError('upstream_error', `${o.contender.name}: upstream sent an invalid Responses event: ${JSON.stringify(w.invalidEvent)}`, { phase: sent ? 'mid_stream' : 'first_byte', retryable: true });
        // An error before anything was sent: a clean failure of the attempt, retried like the 5xx it usually stands for.
        if (!sent && w.upstreamError !== null) throw new UpstreamError('upstream_error', `${o.contender.name}: upstream error event: ${w.upstreamError}`, { phase: 'first_byte', retryable: true });
        sent = true;
        latch.busy = false;
        // An upstream's error text may quote its key: it reaches the client only with secrets stripped.
        yield w.upstreamError !== null ? Buffer.from(sanitize(out.toString('utf8'))) : out;
        latch.busy = true;
      }
    } catch (err) {
      failure = err;
    }
    const tail = aligner.flush();
    w.end();
    if (w.ended && w.invalidEvent === null) {
      if (tail !== null && tail.length > 0) {
        latch.busy = false;
        yield tail;
      }
      if (w.upstreamError !== null) latch.settle(failedOutcome({ code: 'upstream_error', message: `${o.contender.name}: upstream response failed: ${w.upstreamError}`, phase: 'mid_stream', upstreamStatus: null }, s.partial()));
      else latch.settle(s.outcome());
      return;
    }
    const reason = failure === null ? null : failure instanceof UpstreamError ? failure : o.deadline.explain(failure, sent ? 'mid_stream' : 'first_byte');
    if (!sent) {
      const err = reason ?? new UpstreamError('upstream_error', `${o.contender.name}: upstream closed the stream before any event`, { phase: 'first_byte', retryable: true });
      latch.settle(failedOutcome(err.info(), { ttftMs: s.ttftMs }));
      throw err;
    }
    if (o.deadline.callerAborted) return;
    if (reason === null && w.upstreamError !== null) {
      // The upstream's own error event has reached the client already.
      latch.settle(failedOutcome({ code: 'upstream_error', message: `${o.contender.name}: upstream error in stream: ${w.upstreamError}`, phase: 'mid_stream', upstreamStatus: null }, s.partial()));
      return;
    }
    const why = reason ? reason.message.replace(`${o.contender.name}: `, '') : 'ended before response.completed';
    const message = `${o.contender.name}: upstream stream cut: ${why}`;
    latch.settle(failedOutcome({ code: 'upstream_stream_cut', message, phase: 'mid_stream', upstreamStatus: null }, s.partial()));
    latch.busy = false;
    yield responsesErrorEvent('upstream_stream_cut', message, w.sequence + 1);
  } finally {
    latch.busy = false;
    if (!latch.settled) latch.settle(s.outcome());
  }
}

/** A Responses stream's `error` event (OpenAI's shape of it), numbered `sequence`. */
export function responsesErrorEvent(code: string, message: string, sequence: number): Buffer {
  return Buffer.from(`event: error\ndata: ${JSON.stringify({ type: 'error', code, message: sanitize(message), param: null, sequence_number: sequence })}\n\n`);
}
