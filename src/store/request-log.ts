/**
 * Group-committing request log. `append(row)` resolves only after the transaction holding the row has committed,
 * so a response released on that promise is on disk (SQLite WAL) before the client sees it. Rows that arrive in
 * the same event-loop turn (or within `windowMs`) share one transaction: a commit costs far more than a row.
 */
import type { BatchSink } from './request-log-sinks.js';
import type { RequestSpool, SpoolReplay } from './request-spool.js';
import type { RequestLogRow } from './types.js';

export interface RequestLogOptions {
  /**
   * 0 (default): commit at the end of the current event-loop turn (setImmediate), gathering every row that
   * finished in that turn's I/O callbacks. > 0: wait up to this many ms for more rows (adds that much latency).
   */
  windowMs?: number;
  /** Rows per transaction at most; a full batch commits without waiting for the window (default 500). */
  maxBatch?: number;
  /** Called once per failed batch with the error and the ids whose promises were rejected (or spooled). */
  onError?: (err: unknown, ids: readonly string[]) => void;
  /**
   * Where a batch goes when the store cannot commit it (see request-spool.ts): its rows resolve once spooled.
   * Without a spool, a failed batch rejects its rows.
   */
  spool?: RequestSpool;
  /** With a spool: an asynchronous commit not done within this many ms is given up and spooled (default 5000). */
  commitDeadlineMs?: number;
  /** With a spool: false sends batches straight to the spool, without trying a store known to be down. */
  storeUp?: () => boolean;
}

/** A commit that missed the writer's deadline; the row went to the spool (or failed, without one). */
export class CommitDeadlineError extends Error {
  override readonly name = 'CommitDeadlineError';
}

interface Pending {
  row: RequestLogRow;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** How long to wait before retrying when the connection is inside someone else's transaction. */
const NOT_READY_RETRY_MS = 1;

export class RequestLogWriter {
  readonly #sink: BatchSink;
  readonly #windowMs: number;
  readonly #maxBatch: number;
  readonly #onError: (err: unknown, ids: readonly string[]) => void;
  readonly #spool: RequestSpool | null;
  readonly #deadlineMs: number;
  readonly #storeUp: () => boolean;
  #pending: Pending[] = [];
  /** Cancels the scheduled commit; `immediate` says it runs at the end of this turn already. */
  #scheduled: { cancel: () => void; immediate: boolean } | null = null;
  #writing = false;
  #closed = false;
  #idleWaiters: Array<() => void> = [];
  #batches = 0;
  #rows = 0;
  #spooled = 0;

  constructor(sink: BatchSink, opts: RequestLogOptions = {}) {
    this.#sink = sink;
    this.#windowMs = Math.max(0, opts.windowMs ?? 0);
    this.#maxBatch = Math.max(1, Math.trunc(opts.maxBatch ?? 500));
    this.#onError = opts.onError ?? (() => {});
    this.#spool = opts.spool ?? null;
    this.#deadlineMs = Math.max(1, opts.commitDeadlineMs ?? 5_000);
    this.#storeUp = opts.storeUp ?? (() => true);
  }

  /** Rows that went to the spool instead of the store, so far. */
  get rowsSpooled(): number {
    return this.#spooled;
  }

  /** Committed transactions so far (a test checks it stays below the number of rows). */
  get batches(): number {
    return this.#batches;
  }

  /** Rows committed so far. */
  get rowsWritten(): number {
    return this.#rows;
  }

  /** Spooled rows the store refused for themselves, kept in the spool's quarantine file. */
  get spoolQuarantined(): number {
    return this.#spool?.quarantined ?? 0;
  }

  /** Bytes of rows waiting in the spool file (not counting a replay under way). */
  get spoolBytes(): number {
    return this.#spool?.bytes ?? 0;
  }

  /** True while spooled rows wait to be replayed into the store. */
  get spoolPending(): boolean {
    return this.#spool?.pending ?? false;
  }

  /**
   * Moves the spooled rows into the store, skipping ids already there (exactly once even after a crash mid-replay
   * or a commit that landed after its deadline). Rejects, leaving them spooled, if the store fails again.
   */
  async replaySpool(): Promise<SpoolReplay> {
    const spool = this.#spool;
    if (!spool || !spool.pending) return { rows: 0, skipped: 0 };
    return spool.replay(async (rows) => {
      while (this.#sink.ready && !this.#sink.ready()) await new Promise((r) => setTimeout(r, NOT_READY_RETRY_MS));
      await withDeadline(this.#sink.writeSkippingDuplicates(rows), this.#deadlineMs);
      this.#rows += rows.length;
    });
  }

  /** Resolves after the row's transaction commits; rejects with the database error if it could not be written. */
  append(row: RequestLogRow): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('request log is closed'));
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ row, resolve, reject });
      this.#schedule(this.#pending.length >= this.#maxBatch ? 0 : this.#windowMs);
    });
  }

  /** Commits everything appended so far (without waiting for the window); never rejects. */
  flush(): Promise<void> {
    if (this.#pending.length === 0 && !this.#writing) return Promise.resolve();
    const idle = new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    this.#schedule(0);
    return idle;
  }

  /** Refuses new rows and drains the pending ones. Close the database only after this resolves. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
    this.#spool?.close();
  }

  #schedule(delayMs: number): void {
    if (this.#writing) return; // #run reschedules when the current batch is done
    if (this.#scheduled) {
      if (delayMs > 0 || this.#scheduled.immediate) return;
      this.#scheduled.cancel();
    }
    this.#scheduled = later(delayMs, () => void this.#run());
  }

  async #run(): Promise<void> {
    this.#scheduled = null;
    if (this.#writing || this.#pending.length === 0) return this.#notifyIdle();
    if (this.#sink.ready && !this.#sink.ready()) {
      this.#scheduled = later(NOT_READY_RETRY_MS, () => void this.#run());
      return;
    }
    this.#writing = true;
    const batch = this.#pending.splice(0, this.#maxBatch);
    try {
      await this.#commit(batch);
    } finally {
      this.#writing = false;
    }
    // Rows that arrived while this batch was committing form the next group.
    if (this.#pending.length > 0) this.#schedule(this.#idleWaiters.length > 0 || this.#pending.length >= this.#maxBatch ? 0 : this.#windowMs);
    else this.#notifyIdle();
  }

  // Only an asynchronous sink is awaited: SQLite's synchronous writes (and the retries below) then run back to
  // back in one turn, leaving no gap in which a Kysely transaction could open on the shared connection.
  async #commit(batch: Pending[]): Promise<void> {
    if (this.#spool) return this.#commitOrSpool(batch, this.#spool);
    try {
      const writing = this.#sink.write(batch.map((p) => p.row));
      if (writing) await writing;
      this.#batches++;
      this.#rows += batch.length;
      for (const p of batch) p.resolve();
      return;
    } catch (err) {
      if (batch.length === 1) return this.#fail(err, batch);
    }
    // The batch rolled back as a whole. Retry its rows one by one so a single bad row (a duplicate id, say)
    // fails only its own request, and a systemic error (disk full, connection lost) fails each row visibly.
    let firstErr: unknown = null;
    const failed: Pending[] = [];
    for (const p of batch) {
      try {
        const writing = this.#sink.write([p.row]);
        if (writing) await writing;
        this.#batches++;
        this.#rows++;
        p.resolve();
      } catch (err) {
        firstErr ??= err;
        failed.push(p);
        p.reject(err);
      }
    }
    if (failed.length > 0) this.#report(firstErr, failed);
  }

  // With a spool the batch is all or nothing, then: committed, or spooled (a store that is down fails every row
  // alike, so a row-by-row retry would only multiply the wait). Spooled rows are replayed with duplicates skipped.
  async #commitOrSpool(batch: Pending[], spool: RequestSpool): Promise<void> {
    let err: unknown = null;
    if (this.#storeUp()) {
      try {
        const writing = this.#sink.write(batch.map((p) => p.row));
        if (writing) await withDeadline(writing, this.#deadlineMs);
        this.#batches++;
        this.#rows += batch.length;
        for (const p of batch) p.resolve();
        return;
      } catch (e) {
        err = e;
      }
    } else {
      err = new Error('store is down');
    }
    try {
      spool.append(batch.map((p) => p.row));
      this.#spooled += batch.length;
      for (const p of batch) p.resolve();
    } catch (spoolErr) {
      for (const p of batch) p.reject(spoolErr);
    }
    this.#report(err, batch);
  }

  #fail(err: unknown, batch: Pending[]): void {
    for (const p of batch) p.reject(err);
    this.#report(err, batch);
  }

  #report(err: unknown, batch: Pending[]): void {
    try {
      this.#onError(err, batch.map((p) => p.row.id));
    } catch {
      // A broken logger must not stop the writer.
    }
  }

  #notifyIdle(): void {
    if (this.#pending.length > 0 || this.#writing) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }
}

function withDeadline(work: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    // Decided after one more I/O phase: a commit acknowledged while the event loop was busy wins over the timer.
    const timer = setTimeout(() => setImmediate(() => reject(new CommitDeadlineError(`request log: commit not done within ${ms} ms`))), ms);
    work.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

function later(delayMs: number, fn: () => void): { cancel: () => void; immediate: boolean } {
  if (delayMs > 0) {
    const t = setTimeout(fn, delayMs);
    return { cancel: () => clearTimeout(t), immediate: false };
  }
  const i = setImmediate(fn);
  return { cancel: () => clearImmediate(i), immediate: true };
}
