/**
 * The race monitor's evidence, read on a worker thread with a connection of its own (`monitor-evidence-thread.ts`).
 * On SQLite every read runs synchronously on the thread that makes it: the first tick after a start reads a busy
 * race's whole window (seconds), and every later tick reads and folds the thousands of rows that arrived since; on
 * PostgreSQL the driver parses each result row on the calling thread. On the gateway's thread either stalls every
 * request in flight. The thread runs the very reader the gateway would (`EvidenceReader`: same queries, same books,
 * same order), so the evidence, and with it every decision, is the same; the gateway's thread only sends the race
 * and its state and receives a few numbers per arm and window. Launch-gate verdicts, a read or two of a gate race,
 * stay on the gateway's side, where tests can supply their own.
 *
 * What a second connection sees: only committed rows, as the gateway's own connection does (a request-log batch is
 * one synchronous transaction, and rows still waiting for their group commit are in no table yet). Each tick bounds
 * its reads by the newest rowid it sees (SQLite) or by a commit delay (PostgreSQL), so a row committed after it is
 * read by the next. SQLite's WAL lets this reader run beside the gateway's writes; an in-memory SQLite database
 * cannot be opened twice, so its monitor reads on its own thread (`canReadOffThread`).
 *
 * The thread starts with the monitor (`warm`), an interval before its first tick; clustered, with the replica's first
 * read as the lease holder. A read made before any thread has answered (a replica that takes the lease ticks at
 * once) is made on the calling thread rather than wait for a thread to load its modules; the reads move to the
 * thread once it answers.
 *
 * On a SQLite file the thread also runs the store's WAL checkpoints (`checkpoints`), on a second connection of its
 * own, so that the gateway keeps one worker isolate instead of two (each costs 10–30 MB of RSS).
 *
 * When the thread dies (a crash, running out of memory, a read that did not answer within `deadlineMs`), the read
 * it held is retried on a fresh thread, whose first read rebuilds its books from the store; after `maxRestarts`
 * deaths in a row without an answer in between, the reads move to the gateway's thread for good. Both are logged.
 */
import type { Config, Race } from '../config/types.js';
import type { OpenDatabaseOptions } from '../store/db.js';
import type { CheckpointDuty, WalCheckpointer } from '../store/wal-checkpointer.js';
import { JobThread, startWorker } from '../worker-thread.js';
import type { RaceEvidence } from './evidence.js';
import { EvidenceReader, readGates, type EvidenceConfig, type EvidenceSource, type EvidenceStore, type GateResults } from './monitor-evidence.js';
import type { RaceState } from './race-state.js';

/** What the thread starts with: where the database is, and the config its reader needs. */
export interface EvidenceThreadData {
  url: string;
  options: Pick<OpenDatabaseOptions, 'connectTimeoutMs' | 'statementTimeoutMs' | 'busyTimeoutMs'>;
  fx: Config['fx'];
  contenders: Array<[string, { timeouts: { totalMs: number } }]>;
  /** The store's WAL checkpoints, when they were handed to this thread (`runWalCheckpoints`). */
  walCheckpoints?: { file: string; intervalMs: number };
}

/** What the thread sends outside any read: a WAL checkpoint it ran (null, or the error it failed with). */
export interface EvidenceNotice {
  checkpoint: true;
  error: string | null;
}

/** A race to read, or (`ping`) a question the thread answers once it has started. */
export type EvidenceJob = { id: number; race: Race; state: RaceState; now: number } | { id: number; ping: true };

export type EvidenceJobResult =
  | { id: number; windows: RaceEvidence['windows']; assignment: RaceEvidence['assignment'] }
  | { id: number; error: string }
  | { id: number; ready: true };

export interface EvidenceWorkerOptions {
  /** The store's URL (`Store.url`); see `canReadOffThread`. */
  url: string;
  config: EvidenceConfig & { readonly storeOptions?: Pick<Config['storeOptions'], 'connectMs' | 'statementMs' | 'busyMs'> };
  gates?: GateResults | null;
  /** The gateway's own store: where the reads go once the thread keeps dying. */
  fallback: EvidenceStore;
  /** Deaths in a row the thread is restarted after (default 3); one more and the reads stay on this thread. */
  maxRestarts?: number;
  /** A read not answered within this many ms ends the thread, as a death (default 300 000: a first read is seconds). */
  deadlineMs?: number;
  /**
   * The store's WAL checkpointer (SQLite): the thread takes its checkpoints over while reads run on a thread, so the
   * gateway runs one worker isolate for both; they go back to the checkpointer's own thread when the reads fall back
   * to the gateway's thread for good, or this reader closes.
   */
  checkpoints?: Pick<WalCheckpointer, 'handOver'> | null;
  /** Where restarts and the fall back are reported (the gateway passes its logger's warn). */
  log?: (msg: string, fields: Record<string, unknown>) => void;
}

/** Whether another thread can open the database at `url` (an in-memory SQLite database exists on its connection only). */
/** How long an end waits for a starting thread to open its connection before terminating it anyway. */
const OPEN_GRACE_MS = 5_000;

/**
 * The thread's young generation: a read folds a window's rows as they stream, and the thread lives as long as the
 * gateway, so V8's default (semi-spaces up to 16 MB, kept once grown) held ~7 MB more of the gateway's RSS after
 * bench:gateway's load, for no gain that matters to a read every few seconds.
 */
const EVIDENCE_THREAD_YOUNG_GENERATION_MB = 6;

export function canReadOffThread(url: string): boolean {
  return !(url.startsWith('sqlite:') && url.slice('sqlite:'.length) === ':memory:');
}

export class EvidenceWorker implements EvidenceSource {
  readonly #opts: EvidenceWorkerOptions;
  readonly #data: EvidenceThreadData;
  readonly #maxRestarts: number;
  readonly #deadlineMs: number;
  #thread: JobThread<EvidenceJob, EvidenceJobResult> | null = null;
  /** Deaths since the last answered read. */
  #deaths = 0;
  /** Set once the thread has died more than `maxRestarts` times in a row: reads on this thread from then on. */
  #inThread: EvidenceReader | null = null;
  /** Whether a thread has started (answered) yet; `#early` reads until then, `#starting` is its answer. */
  #started = false;
  #early: EvidenceReader | null = null;
  #starting: Promise<void> | null = null;
  #closed = false;
  #next = 1;
  /** The store's checkpoints, while this reader's threads run them. */
  #checkpoints: CheckpointDuty | null = null;
  /** Each thread's first answer: it has loaded its modules and opened its connection. */
  readonly #opened = new WeakMap<JobThread<EvidenceJob, EvidenceJobResult>, Promise<EvidenceJobResult>>();

  constructor(opts: EvidenceWorkerOptions) {
    if (!canReadOffThread(opts.url)) throw new Error('an in-memory SQLite database cannot be read from another thread');
    this.#opts = opts;
    this.#maxRestarts = opts.maxRestarts ?? 3;
    this.#deadlineMs = opts.deadlineMs ?? 300_000;
    const o = opts.config.storeOptions;
    this.#data = {
      url: opts.url,
      options: o ? { connectTimeoutMs: o.connectMs, statementTimeoutMs: o.statementMs, busyTimeoutMs: o.busyMs } : {},
      fx: opts.config.fx,
      contenders: [...opts.config.contenders].map(([name, c]) => [name, { timeouts: { totalMs: c.timeouts.totalMs } }]),
    };
  }

  /** True once the reads have moved to the gateway's thread (the worker kept dying). */
  get fellBack(): boolean {
    return this.#inThread !== null;
  }

  async read(race: Race, state: RaceState, now: number): Promise<RaceEvidence> {
    const [read, gates] = await Promise.all([this.#readWindows(race, state, now), readGates(this.#opts.gates ?? null, race, state)]);
    return { windows: read.windows, assignment: read.assignment, gates };
  }

  /**
   * Starts the thread now (it loads its modules and opens its connection while nothing waits for it); resolves once
   * it answers. The monitor calls it when it starts, an interval before its first tick.
   */
  warm(): Promise<void> {
    if (this.#started || this.#inThread || this.#closed) return Promise.resolve();
    const thread = this.#ensure();
    this.#starting ??= this.#opened.get(thread)!.then(
      () => {
        this.#started = true;
        this.#early = null;
      },
      // A thread that died starting counts as a death (`onDeath`); the next read or warm starts another.
      () => void (this.#starting = null),
    );
    return this.#starting;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#releaseCheckpoints();
    const thread = this.#thread;
    this.#thread = null;
    if (thread) await this.#end(thread);
  }

  /**
   * Ends a thread, but not while it is still opening its connection: a worker terminated while it registers the
   * SQLite addon aborts the whole process (the addon's start-up cannot raise the error it then gets, and calls a fatal
   * error instead). A thread still starting is given a few seconds to finish first.
   */
  async #end(thread: JobThread<EvidenceJob, EvidenceJobResult>): Promise<void> {
    const opened = this.#opened.get(thread);
    if (opened) {
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, OPEN_GRACE_MS)));
      await Promise.race([opened.then(() => undefined, () => undefined), grace]);
      clearTimeout(timer);
    }
    await thread.terminate();
  }

  /**
   * Ends the current thread from outside, as a crash would: the read it holds fails over to a fresh thread, and a
   * thread that keeps dying sends the reads back to the gateway's thread (what the tests of those paths do).
   */
  async terminateThread(): Promise<void> {
    if (this.#thread) await this.#end(this.#thread);
  }

  async #readWindows(race: Race, state: RaceState, now: number): Promise<Pick<RaceEvidence, 'windows' | 'assignment'>> {
    for (;;) {
      if (this.#inThread) return this.#inThread.read(race, state, now);
      if (this.#closed) throw new Error('the race monitor evidence reader is closed');
      if (!this.#started) {
        // No thread has started yet (a tick right after the start, e.g. on taking the monitor lease over): this
        // one reads here rather than wait for a thread to load; the reads move to the thread once it answers. A
        // thread that replaces a dead one is waited for instead (a busy race's first read is seconds).
        void this.warm();
        return (this.#early ??= new EvidenceReader(this.#opts.fallback, this.#opts.config)).read(race, state, now);
      }
      const thread = this.#ensure();
      let r: EvidenceJobResult;
      const deadline = setTimeout(() => {
        this.#opts.log?.('race monitor evidence thread did not answer in time; ending it', { race: race.name, deadlineMs: this.#deadlineMs });
        void this.#end(thread);
      }, this.#deadlineMs);
      deadline.unref();
      try {
        r = await thread.post({ id: this.#next++, race, state, now });
      } catch {
        // The thread died with this read (counted and logged by its `onDeath`): read again, on a fresh thread or here.
        continue;
      } finally {
        clearTimeout(deadline);
      }
      this.#deaths = 0;
      if ('error' in r) throw new Error(r.error);
      if (!('windows' in r)) throw new Error('the race monitor evidence thread answered a read with no evidence');
      return r;
    }
  }

  #releaseCheckpoints(): void {
    this.#checkpoints?.release();
    this.#checkpoints = null;
  }

  #ensure(): JobThread<EvidenceJob, EvidenceJobResult> {
    if (this.#thread) return this.#thread;
    // Taken with the first thread and kept across restarts: a thread that replaces a dead one runs them again.
    this.#checkpoints ??= this.#opts.checkpoints?.handOver() ?? null;
    const duty = this.#checkpoints;
    const data: EvidenceThreadData = { ...this.#data, ...(duty ? { walCheckpoints: { file: duty.file, intervalMs: duty.intervalMs } } : {}) };
    const thread: JobThread<EvidenceJob, EvidenceJobResult> = new JobThread(
      startWorker(import.meta.url, 'monitor-evidence-thread', { ...data }, EVIDENCE_THREAD_YOUNG_GENERATION_MB),
      'race monitor evidence thread',
      (err) => {
        if (this.#thread === thread) this.#thread = null;
        if (this.#closed) return;
        this.#deaths++;
        if (this.#deaths <= this.#maxRestarts) {
          this.#opts.log?.('race monitor evidence thread exited; the next read starts a fresh one', { err: err.message, deaths: this.#deaths });
          return;
        }
        this.#inThread = new EvidenceReader(this.#opts.fallback, this.#opts.config);
        this.#releaseCheckpoints();
        this.#opts.log?.("race monitor evidence thread keeps exiting; reading the evidence on the gateway's thread from now on", { err: err.message, deaths: this.#deaths });
      },
      (notice) => {
        const n = notice as EvidenceNotice | null;
        if (n?.checkpoint === true) duty?.report(n.error);
      },
    );
    this.#thread = thread;
    // Asked at once, so that an end can wait for the thread to have opened its connection (`#end`).
    const opened = thread.post({ id: this.#next++, ping: true });
    opened.catch(() => undefined);
    this.#opened.set(thread, opened);
    return thread;
  }
}
