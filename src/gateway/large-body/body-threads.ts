/**
 * Large chat bodies are parsed off the event loop. Parsing, validating and estimating a body of megabytes is tens
 * to hundreds of milliseconds of CPU (a body of 100,000 tiny messages: JSON.parse alone is over 100 ms); on the
 * gateway's thread that pause would stall every other tenant's requests and streams. Bodies of LARGE_BODY_BYTES or
 * more go to a small pool of worker threads (started at the first such body, unref'd while idle) and come back as
 * a body with raw parts (raw-json.ts). A worker that dies fails the bodies it held; a fresh one takes the next.
 */
import { availableParallelism } from 'node:os';
import { JobThread, startWorker } from '../../worker-thread.js';
import { rememberEstimate, type PromptEstimate } from '../../metering/prompt-estimate.js';
import { SaimaError, type ErrorCode } from '../../errors.js';
import type { ChatBody } from '../validate-chat.js';
import { RAW_MEMBERS, RawJson } from '../../providers/raw-json.js';

/** Below this a body is parsed on the event loop: a pathological 256 kB body parses in a few milliseconds. */
export const LARGE_BODY_BYTES = 256 * 1024;
/** The body limit of every route but chat completions (feedback, votes, battles, admin), capped by the configured one. */
export const SMALL_ROUTE_BODY_BYTES = 256 * 1024;

/** Bodies parsed here, by the object the route receives. */
const parsedOffThread = new WeakMap<object, LargeChatBody>();

/** What the body threads computed for a request body, when it was one of theirs. */
export function offThread(body: unknown): LargeChatBody | undefined {
  return typeof body === 'object' && body !== null ? parsedOffThread.get(body) : undefined;
}

/** Other large bodies parsed and checked off the event loop (see GatewayExtension), by the object the route receives. */
const checkedOffThread = new WeakMap<object, unknown>();

/** What a route's off-thread check returned for this body, when the body threads parsed it. */
export function offThreadChecked(body: unknown): unknown {
  return typeof body === 'object' && body !== null ? checkedOffThread.get(body) : undefined;
}

/** The fields its check kept as bytes (the module's RAW_FIELDS), as raw JSON spliced upstream unchanged. */
const rawOffThread = new WeakMap<object, Record<string, RawJson>>();

export function offThreadRaw(body: unknown): Record<string, RawJson> | undefined {
  return typeof body === 'object' && body !== null ? rawOffThread.get(body) : undefined;
}

export interface BodyJob {
  id: number;
  kind: 'chat' | 'checked';
  bytes: Uint8Array;
  /** For `checked`: the module whose `checkBody` checks the parsed body. */
  checker?: string;
  /** Whether to return the messages as text (only a race that captures prompts stores it). */
  promptText: boolean;
}

/** A bulky field: where its value's JSON lies in the body's bytes. */
export interface RawField {
  key: string;
  start: number;
  end: number;
  hasDeveloperRole: boolean;
}

export type BodyJobResult =
  | { id: number; ok: true; kind: 'checked'; bytes: Uint8Array; value: unknown; raw: RawField[] }
  | {
      id: number;
      ok: true;
      kind: 'chat';
      /** The body's bytes, handed back. */
      bytes: Uint8Array;
      fields: Record<string, unknown>;
      raw: RawField[];
      /** Byte ranges of the unknown parameters' members (`"key":value`, or runs of them). */
      members: Array<[number, number]>;
      /** The unknown parameters' members written out, when they were too scattered for a few ranges. */
      membersText: Uint8Array | null;
      estimate: PromptEstimate;
      promptText: string | null;
    }
  | { id: number; ok: false; error: { code: ErrorCode; message: string; param: string | null } };

/** A chat body parsed off-thread, with what was computed from the whole of it there. */
export interface LargeChatBody {
  body: ChatBody;
  estimate: PromptEstimate;
  /** The messages as text, as a capturing race stores them; null unless a race captures prompts. */
  promptText: string | null;
}

/** Large bodies waiting for the threads, at most: 16 bodies at the default 4 MiB body limit. */
export const MAX_QUEUED_BYTES = 64 * 1024 * 1024;

type Thread = JobThread<BodyJob, BodyJobResult>;

export class BodyThreads {
  readonly #size: number;
  readonly #threads: Array<Thread | null>;
  readonly #promptText: boolean;
  readonly #maxQueuedBytes: number;
  /** Bytes of the bodies handed to the threads and not answered yet. */
  #queuedBytes = 0;
  #next = 1;

  /**
   * `promptText`: some race captures prompts, so each body's messages come back as text too. `maxQueuedBytes`: past
   * this many bytes waiting for the threads, a body is refused at once (503) rather than held: a flood of large
   * bodies would otherwise hold each one in memory for as long as the queue ahead of it takes.
   */
  constructor(opts: { promptText: boolean; size?: number; maxQueuedBytes?: number }) {
    const size = opts.size ?? Math.max(1, Math.min(4, availableParallelism() - 1));
    this.#promptText = opts.promptText;
    this.#maxQueuedBytes = opts.maxQueuedBytes ?? MAX_QUEUED_BYTES;
    this.#size = size;
    this.#threads = Array.from({ length: size }, () => null);
  }

  /**
   * Parses `bytes`, which are handed to the thread: a buffer that owns its whole memory is moved, not copied, and is
   * unusable to the caller afterwards. Rejects with the client's 400.
   */
  parse(bytes: Uint8Array): Promise<LargeChatBody> {
    return this.#post('chat', bytes) as Promise<LargeChatBody>;
  }

  /**
   * Parses `bytes` and checks them with `checkBody` of the module at `checker` (a route's large body, see
   * GatewayExtension): resolves with a token object that `offThreadChecked` maps to what the check returned.
   */
  parseChecked(bytes: Uint8Array, checker: string): Promise<object> {
    return this.#post('checked', bytes, checker) as Promise<object>;
  }

  #post(kind: BodyJob['kind'], bytes: Uint8Array, checker?: string): Promise<unknown> {
    const size = bytes.byteLength;
    // One body is always taken, whatever its size: the bound is on what waits, not on what the body limit allows.
    if (this.#queuedBytes > 0 && this.#queuedBytes + size > this.#maxQueuedBytes) {
      return Promise.reject(new SaimaError('service_unavailable', 'The gateway is busy parsing other large request bodies; retry shortly.'));
    }
    this.#queuedBytes += size;
    const release = () => void (this.#queuedBytes -= size);
    const thread = this.#leastBusy();
    const owned = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
    const job: BodyJob = { id: this.#next++, kind, bytes: owned ? bytes : new Uint8Array(bytes), promptText: this.#promptText, ...(checker ? { checker } : {}) };
    return thread.post(job, [job.bytes.buffer as ArrayBuffer]).then(
      (r) => {
        release();
        if (r.ok) return assemble(r);
        throw new SaimaError(r.error.code, r.error.message, r.error.param);
      },
      (err: unknown) => {
        release();
        // The thread died under this body (out of memory, killed): the client may retry, the next body gets a fresh one.
        throw err instanceof SaimaError ? err : new SaimaError('service_unavailable', 'The gateway could not finish reading this request body; retry it.');
      },
    );
  }

  async close(): Promise<void> {
    const threads = this.#threads.splice(0, this.#size, ...Array.from({ length: this.#size }, () => null));
    await Promise.all(threads.map((t) => t?.terminate()));
  }

  #leastBusy(): Thread {
    let best: Thread | null = null;
    for (let i = 0; i < this.#size; i++) {
      const t = this.#threads[i] ?? this.#start(i);
      if (!best || t.pending < best.pending) best = t;
      if (t.pending === 0) break;
    }
    return best!;
  }

  #start(slot: number): Thread {
    // A thread that dies fails the bodies it held (JobThread); the next body starts a fresh one in its slot.
    const thread: Thread = new JobThread(startWorker(import.meta.url, 'body-thread'), 'body thread', () => {
      if (this.#threads[slot] === thread) this.#threads[slot] = null;
    });
    this.#threads[slot] = thread;
    return thread;
  }
}

function assemble(r: Extract<BodyJobResult, { ok: true }>): unknown {
  if (r.kind === 'checked') {
    const token = { checked: true };
    checkedOffThread.set(token, r.value);
    if (r.raw.length > 0) rawOffThread.set(token, Object.fromEntries(r.raw.map((f) => [f.key, new RawJson(r.bytes.subarray(f.start, f.end))])));
    return token;
  }
  const body: Record<string | symbol, unknown> = { ...r.fields };
  for (const f of r.raw) body[f.key] = new RawJson(r.bytes.subarray(f.start, f.end), f.hasDeveloperRole);
  const parts = r.membersText ? [r.membersText] : r.members.map(([s, e]) => r.bytes.subarray(s, e));
  if (parts.length > 0) body[RAW_MEMBERS] = { parts };
  const large: LargeChatBody = { body: body as unknown as ChatBody, estimate: r.estimate, promptText: r.promptText };
  parsedOffThread.set(body, large);
  rememberEstimate(large.body, r.estimate);
  return large;
}
