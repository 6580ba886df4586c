/**
 * Every upstream call (chat completions, the Responses API, embeddings, Anthropic Messages and count_tokens) goes
 * through undici's `dispatch`, with a handler of our own, instead of its `request` API. `request` wraps every call in an AsyncResource, parses every response header into an object and hands the body
 * over as a Readable, which the caller then reads through events or an async iterator (a generator, its promises and
 * an end-of-stream watcher per body): all garbage once the call ends, on every request. Here the HTTP parser's chunks
 * go straight into an array (a whole answer) or a small queue read by `for await` (a stream), and headers are parsed
 * only for a status the caller must explain.
 *
 * The contract: a failure before the response headers is a retryable network error (http.ts's `networkError`), a
 * non-2xx status becomes the `UpstreamError` its policy says (upstream-error.ts) with the vendor's message read from
 * its body, and once the body flows the call's deadline (stream-deadline.ts) explains a failure. The caller's signal
 * aborts the call at any point.
 */
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { Contender } from '../config/types.js';
import type { CallSignal } from './call-signal.js';
import { networkError, splitUrl, upstreamSaid, type UpstreamAgents } from './http.js';
import type { BodyParts } from './raw-json.js';
import { CallDeadline } from './stream-deadline.js';
import { errorForStatus, parseRetryAfter, UpstreamError } from './upstream-error.js';

/** What an error status's body may contribute to the error. */
const ERROR_BODY_LIMIT = 4096;
/** Bytes a stream's queue takes before the upstream socket is paused (the client reads slower than it sends). */
const QUEUE_HIGH_BYTES = 64 * 1024;

export interface UpstreamPost {
  agents: UpstreamAgents;
  url: string;
  headers: Record<string, string>;
  payload: string | BodyParts;
  contender: Contender;
  signal: CallSignal;
  /** performance.now() at the start of the call: the deadline's and the time to first byte's origin. */
  startedAt: number;
}

function dispatchOptions(p: UpstreamPost): Dispatcher.DispatchOptions {
  const { origin, path } = splitUrl(p.url);
  // first_byte_ms bounds the wait for headers and for each body chunk (the stall limit), streamed or not: an
  // upstream that hangs must fail over in seconds, not after total_ms. A non-streaming call whose server sends
  // headers only once the whole answer is ready needs first_byte_ms above its longest answer (configuration.md).
  const firstByteMs = p.contender.timeouts.firstByteMs;
  const parts = typeof p.payload === 'string' ? null : p.payload;
  return {
    origin,
    path,
    method: 'POST',
    // Slices go out one after another under their total length.
    headers: parts === null ? p.headers : { ...p.headers, 'content-length': String(parts.length) },
    body: parts === null ? (p.payload as string) : Readable.from(parts.parts, { objectMode: false }),
    headersTimeout: firstByteMs,
    bodyTimeout: firstByteMs,
  };
}

/** Raw header pairs → the lower-cased record `parseRetryAfter` reads (error statuses only). */
function headerRecord(raw: Buffer[] | null): Record<string, string> {
  const out: Record<string, string> = {};
  if (raw === null) return out;
  for (let i = 0; i + 1 < raw.length; i += 2) out[raw[i]!.toString('latin1').toLowerCase()] ??= raw[i + 1]!.toString('latin1');
  return out;
}

/**
 * The part both handlers share: the caller's signal, the abort undici hands over, and an error status's body read
 * (bounded) into its `UpstreamError`. Subclasses take a 2xx body.
 */
abstract class UpstreamHandler implements Dispatcher.DispatchHandler {
  protected readonly post: UpstreamPost;
  #abort: ((err?: Error) => void) | null = null;
  /** Set when aborted before undici connected the request: given to its abort as soon as it does. */
  #abortReason: Error | null = null;
  #listening = false;
  /** A non-2xx answer being read for its message, or null. */
  #errorStatus: { status: number; headers: Buffer[]; chunks: Buffer[]; size: number } | null = null;
  protected headersSeen = false;
  readonly #onAbort = (): void => this.abort((this.post.signal.reason as Error | undefined) ?? new Error('call aborted'));

  constructor(post: UpstreamPost) {
    this.post = post;
  }

  start(): void {
    const { signal } = this.post;
    if (signal.aborted) {
      this.onError((signal.reason as Error | undefined) ?? new Error('call aborted'));
      return;
    }
    signal.addEventListener('abort', this.#onAbort, { once: true });
    this.#listening = true;
    this.post.agents.for(this.post.contender).dispatch(dispatchOptions(this.post), this);
  }

  /** Ends the call with `err`: undici tears the request down and calls `onError` with it. */
  abort(err: Error): void {
    if (this.#abort !== null) this.#abort(err);
    else this.#abortReason ??= err;
  }

  onConnect(abort: (err?: Error) => void): void {
    this.#abort = abort;
    if (this.#abortReason !== null) abort(this.#abortReason);
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true;
    this.headersSeen = true;
    if (statusCode >= 300) {
      this.#errorStatus = { status: statusCode, headers: rawHeaders, chunks: [], size: 0 };
      return true;
    }
    return this.answerStarted(resume);
  }

  onData(chunk: Buffer): boolean {
    const e = this.#errorStatus;
    if (e !== null) {
      if (e.size < ERROR_BODY_LIMIT) e.chunks.push(chunk);
      e.size += chunk.length;
      return true;
    }
    return this.answerData(chunk);
  }

  onComplete(): void {
    this.#stopListening();
    const e = this.#errorStatus;
    if (e !== null) return this.failed(this.#statusError(e));
    this.answerEnded();
  }

  onError(err: Error): void {
    this.#stopListening();
    const e = this.#errorStatus;
    // A broken error body still leaves us the status code.
    if (e !== null) return this.failed(this.#statusError(e));
    // Before the response headers: a network failure, retryable (the `connect` phase).
    if (!this.headersSeen) return this.failed(networkError(err, this.post.contender, 'connect'));
    this.answerFailed(err);
  }

  #statusError(e: { status: number; headers: Buffer[]; chunks: Buffer[] }): UpstreamError {
    const said = upstreamSaid(Buffer.concat(e.chunks).subarray(0, ERROR_BODY_LIMIT).toString('utf8'));
    return errorForStatus(e.status, said.message, parseRetryAfter(headerRecord(e.headers)), said.code);
  }

  #stopListening(): void {
    if (!this.#listening) return;
    this.#listening = false;
    this.post.signal.removeEventListener('abort', this.#onAbort);
  }

  /** A 2xx status arrived; false pauses the socket until `resume`. */
  protected abstract answerStarted(resume: () => void): boolean;
  protected abstract answerData(chunk: Buffer): boolean;
  protected abstract answerEnded(): void;
  /** The 2xx body failed (the socket, a stall, the deadline, the caller's abort). */
  protected abstract answerFailed(err: Error): void;
  /** The call failed before a 2xx body: a network error or the error status's `UpstreamError`. */
  protected abstract failed(err: UpstreamError): void;
}

/** A whole answer and its time to first byte (from `startedAt`). */
export interface WholeAnswer {
  bytes: Buffer;
  ttftMs: number | null;
}

class WholeHandler extends UpstreamHandler {
  readonly #resolve: (a: WholeAnswer) => void;
  readonly #reject: (err: unknown) => void;
  readonly #limit: number;
  #deadline: CallDeadline | null = null;
  #chunks: Buffer[] = [];
  #size = 0;
  #ttftMs: number | null = null;

  constructor(post: UpstreamPost, limit: number, resolve: (a: WholeAnswer) => void, reject: (err: unknown) => void) {
    super(post);
    this.#limit = limit;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  protected answerStarted(): boolean {
    // total_ms is armed once the headers are in: before them undici's own timeouts apply (stream-deadline.ts).
    this.#deadline = new CallDeadline(this.post.signal, this.post.contender, this.post.startedAt);
    this.#deadline.arm(this);
    return true;
  }

  /** The deadline's way to end the call. */
  destroy(err?: Error): void {
    this.abort(err ?? new Error('destroyed'));
  }

  protected answerData(chunk: Buffer): boolean {
    this.#ttftMs ??= performance.now() - this.post.startedAt;
    this.#size += chunk.length;
    if (this.#size > this.#limit) {
      this.abort(new UpstreamError('upstream_error', `${this.post.contender.name}: response larger than ${this.#limit} bytes`, { phase: 'first_byte', retryable: false }));
      return false;
    }
    this.#chunks.push(chunk);
    return true;
  }

  protected answerEnded(): void {
    this.#deadline?.dispose();
    const chunks = this.#chunks;
    this.#resolve({ bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.#size), ttftMs: this.#ttftMs });
  }

  protected answerFailed(err: Error): void {
    const deadline = this.#deadline!;
    deadline.dispose();
    this.#reject(deadline.explain(err, 'first_byte'));
  }

  protected failed(err: UpstreamError): void {
    this.#reject(err);
  }
}

/**
 * POSTs and reads the whole 2xx answer. Rejects with an `UpstreamError`: a network failure or error status (see the
 * file comment), or a body that broke, stalled, outlived total_ms or grew past `limit`.
 */
export function postForWhole(post: UpstreamPost, limit: number): Promise<WholeAnswer> {
  return new Promise((resolve, reject) => new WholeHandler(post, limit, resolve, reject).start());
}

/**
 * A streamed 2xx body: the chunks undici parsed, read once with `for await`. Each read takes everything that arrived
 * since the last, as one buffer (as a Readable's `read()` does): an upstream writes each event as its own HTTP chunk,
 * and one socket read holds many, which then go on, and to the client, in one piece rather than one write each. A
 * waiting reader is answered once the parser is done with the socket read (a microtask later), for the same reason.
 * The upstream socket pauses while more than `QUEUE_HIGH_BYTES` wait; stopping the iteration early (or `destroy`)
 * aborts the call. A failure reaches the reader after the bytes that came before it.
 */
export class StreamedBody implements AsyncIterable<Uint8Array>, AsyncIterator<Uint8Array> {
  readonly #handler: StreamHandler;
  #queue: Buffer[] = [];
  #queued = 0;
  #ended = false;
  #error: Error | null = null;
  #waiting: { resolve: (r: IteratorResult<Uint8Array>) => void; reject: (err: unknown) => void } | null = null;
  #delivering = false;
  #resume: (() => void) | null = null;
  #paused = false;
  readonly #deliver = (): void => {
    this.#delivering = false;
    const w = this.#waiting;
    if (w === null || this.#queue.length === 0) return;
    this.#waiting = null;
    w.resolve({ done: false, value: this.#take() });
  };

  constructor(handler: StreamHandler) {
    this.#handler = handler;
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this;
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    if (this.#queue.length > 0) return Promise.resolve({ done: false, value: this.#take() });
    if (this.#error !== null) {
      const err = this.#error;
      this.#ended = true;
      this.#error = null;
      return Promise.reject(err);
    }
    if (this.#ended) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => (this.#waiting = { resolve, reject }));
  }

  /** The reader stopped early: the rest of the answer is not wanted. */
  return(): Promise<IteratorResult<Uint8Array>> {
    this.destroy();
    return Promise.resolve({ done: true, value: undefined });
  }

  /** Ends the call (the deadline's way, and the reader's); a reader waiting gets `err`. */
  destroy(err?: Error): void {
    if (this.#ended || this.#error !== null) return;
    this.#handler.abort(err ?? new Error('response body destroyed'));
  }

  /** From the handler. */
  started(resume: () => void): void {
    this.#resume = resume;
  }

  push(chunk: Buffer): boolean {
    this.#queue.push(chunk);
    this.#queued += chunk.length;
    if (this.#waiting !== null && !this.#delivering) {
      this.#delivering = true;
      queueMicrotask(this.#deliver);
    }
    if (this.#queued < QUEUE_HIGH_BYTES) return true;
    this.#paused = true;
    return false;
  }

  end(): void {
    if (this.#ended || this.#error !== null) return;
    this.#ended = true;
    // Bytes still queued reach a waiting reader first (#deliver); the read after them sees the end.
    const w = this.#waiting;
    if (w === null || this.#queue.length > 0) return;
    this.#waiting = null;
    w.resolve({ done: true, value: undefined });
  }

  fail(err: Error): void {
    if (this.#ended || this.#error !== null) return;
    const w = this.#waiting;
    if (w !== null && this.#queue.length === 0) {
      this.#waiting = null;
      this.#ended = true;
      w.reject(err);
      return;
    }
    this.#error = err;
  }

  /** Everything queued, as one buffer; resumes a paused socket. */
  #take(): Buffer {
    const q = this.#queue;
    const out = q.length === 1 ? q[0]! : Buffer.concat(q, this.#queued);
    this.#queue = [];
    this.#queued = 0;
    if (this.#paused) {
      this.#paused = false;
      this.#resume?.();
    }
    return out;
  }
}

class StreamHandler extends UpstreamHandler {
  readonly #resolve: (body: StreamedBody) => void;
  readonly #reject: (err: unknown) => void;
  readonly body: StreamedBody;

  constructor(post: UpstreamPost, resolve: (body: StreamedBody) => void, reject: (err: unknown) => void) {
    super(post);
    this.#resolve = resolve;
    this.#reject = reject;
    this.body = new StreamedBody(this);
  }

  protected answerStarted(resume: () => void): boolean {
    this.body.started(resume);
    this.#resolve(this.body);
    return true;
  }

  protected answerData(chunk: Buffer): boolean {
    return this.body.push(chunk);
  }

  protected answerEnded(): void {
    this.body.end();
  }

  protected answerFailed(err: Error): void {
    this.body.fail(err);
  }

  protected failed(err: UpstreamError): void {
    this.#reject(err);
  }
}

/**
 * POSTs and resolves at 2xx response headers with the body to stream. Rejects as `postForWhole` does before that;
 * later failures come out of the body's iteration (undici's own error, for the caller's deadline to explain).
 */
export function postForStream(post: UpstreamPost): Promise<StreamedBody> {
  return new Promise((resolve, reject) => new StreamHandler(post, resolve, reject).start());
}
