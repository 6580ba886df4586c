/**
 * The request log's local spool: where the row of a call that was already paid for goes when the store cannot
 * commit it (database down mid-call). One JSON row per line, appended and fsynced before the caller is told the
 * row is safe, bounded in bytes. When the store answers again the spool is replayed into it: rows whose id is
 * already there are skipped (`replayRows` inserts with "on conflict do nothing"), so a replay that crashed half-way,
 * or a row whose first commit did land after its deadline, is still written exactly once.
 *
 * Replay first renames the file aside (`<path>.replaying`): rows spooled during a replay go to a fresh file, and a
 * process that dies mid-replay finds the renamed file at its next start.
 *
 * A row the store refuses for itself (a constraint or invalid data, not a lost connection) would stop every replay
 * at the same place and keep every later row out. It is quarantined instead: appended (fsynced) to
 * `<path>.quarantine` with the store's reason, counted, reported once, and the rows after it go in.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RequestLogRow } from './types.js';

export const DEFAULT_SPOOL_MAX_BYTES = 64 * 1024 * 1024;

/** The spool is full (or its disk failed): the row could be neither committed nor kept. */
export class SpoolFullError extends Error {
  override readonly name = 'SpoolFullError';
}

export interface SpoolReplay {
  /** Rows read from the spool. */
  rows: number;
  /** Lines that did not parse (a write torn by a crash), skipped. */
  skipped: number;
  /** Rows the store refused for themselves, newly quarantined by this replay. */
  quarantined?: number;
}

export interface RequestSpoolOptions {
  maxBytes?: number;
  /** True when a failed insert is the rows' own fault (the store answered and said no), not an outage. */
  isRefusal?: (err: unknown) => boolean;
  /** Called once per row when it is quarantined, with the store's error. */
  onQuarantine?: (row: RequestLogRow, err: unknown) => void;
}

export class RequestSpool {
  readonly path: string;
  readonly #maxBytes: number;
  #fd: number | null = null;
  #bytes = 0;
  #replaying: Promise<SpoolReplay> | null = null;
  readonly #isRefusal: (err: unknown) => boolean;
  readonly #onQuarantine: (row: RequestLogRow, err: unknown) => void;
  /** Ids in the quarantine file, so a replay that runs again after dying half-way does not add them twice. */
  readonly #quarantined = new Set<string>();

  constructor(path: string, opts: RequestSpoolOptions = {}) {
    this.path = path;
    this.#maxBytes = opts.maxBytes ?? DEFAULT_SPOOL_MAX_BYTES;
    this.#isRefusal = opts.isRefusal ?? (() => false);
    this.#onQuarantine = opts.onQuarantine ?? (() => {});
    this.#bytes = existsSync(path) ? statSync(path).size : 0;
    if (existsSync(this.quarantinePath)) {
      for (const line of readFileSync(this.quarantinePath, 'utf8').split('\n')) {
        if (line === '') continue;
        try {
          this.#quarantined.add(String((JSON.parse(line) as { row: { id: unknown } }).row.id));
        } catch {
          // A line torn by a crash: its row is still in the spool and will be refused (and kept) again.
        }
      }
    }
  }

  /** Where refused rows are kept, one `{"quarantinedAt","error","row"}` object per line. */
  get quarantinePath(): string {
    return `${this.path}.quarantine`;
  }

  /** Rows kept in the quarantine file. */
  get quarantined(): number {
    return this.#quarantined.size;
  }

  /** Rows may be waiting (in the spool file or a replay left half-way). */
  get pending(): boolean {
    return this.#bytes > 0 || existsSync(this.#replayPath);
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Appends the rows and fsyncs; throws SpoolFullError if they do not fit (nothing is written then). */
  append(rows: readonly RequestLogRow[]): void {
    const text = rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
    const size = Buffer.byteLength(text);
    if (this.#bytes + size > this.#maxBytes) throw new SpoolFullError(`request spool is full (${this.#bytes} of ${this.#maxBytes} bytes)`);
    try {
      if (this.#fd === null) {
        mkdirSync(dirname(this.path), { recursive: true });
        this.#fd = openSync(this.path, 'a', 0o600);
      }
      writeSync(this.#fd, text);
      fsyncSync(this.#fd);
    } catch (err) {
      throw new SpoolFullError(`request spool write failed: ${(err as Error).message}`);
    }
    this.#bytes += size;
  }

  /**
   * Moves every spooled row into the store through `insert` (which must skip ids already present), then removes
   * the replayed file. One replay at a time; a failed insert leaves the rows spooled for the next attempt, unless
   * the store refused the rows themselves: then each row of that batch is tried alone and the refused ones are
   * quarantined.
   */
  replay(insert: (rows: RequestLogRow[]) => Promise<void>, batch = 500): Promise<SpoolReplay> {
    this.#replaying ??= this.#replay(insert, batch).finally(() => {
      this.#replaying = null;
    });
    return this.#replaying;
  }

  close(): void {
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
  }

  get #replayPath(): string {
    return `${this.path}.replaying`;
  }

  async #replay(insert: (rows: RequestLogRow[]) => Promise<void>, batch: number): Promise<SpoolReplay> {
    const aside = this.#replayPath;
    // A replay that died half-way left its file aside: finish that one first, then take the current spool.
    if (!existsSync(aside)) {
      if (this.#bytes === 0) return { rows: 0, skipped: 0 };
      this.close();
      renameSync(this.path, aside);
      this.#bytes = 0;
    }
    const rows: RequestLogRow[] = [];
    let skipped = 0;
    for (const line of readFileSync(aside, 'utf8').split('\n')) {
      if (line === '') continue;
      try {
        rows.push(JSON.parse(line) as RequestLogRow);
      } catch {
        skipped++;
      }
    }
    let quarantined = 0;
    for (let i = 0; i < rows.length; i += batch) {
      const slice = rows.slice(i, i + batch);
      try {
        await insert(slice);
      } catch (err) {
        if (!this.#isRefusal(err)) throw err;
        // One row refused the whole batch: find it (or them) row by row. Rare, so no cleverer search.
        for (const row of slice) {
          try {
            await insert([row]);
          } catch (rowErr) {
            if (!this.#isRefusal(rowErr)) throw rowErr;
            if (this.#quarantine(row, rowErr)) quarantined++;
          }
        }
      }
    }
    unlinkSync(aside);
    // Rows spooled while this replay ran wait for the next one, which the caller starts (store still up).
    return { rows: rows.length, skipped, quarantined };
  }

  /** Keeps a refused row on disk before its spool file may go; false if it was already kept. */
  #quarantine(row: RequestLogRow, err: unknown): boolean {
    const id = String(row.id);
    if (this.#quarantined.has(id)) return false;
    const line = JSON.stringify({ quarantinedAt: Date.now(), error: err instanceof Error ? err.message : String(err), row }) + '\n';
    const fd = openSync(this.quarantinePath, 'a', 0o600);
    try {
      writeSync(fd, line);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.#quarantined.add(id);
    this.#onQuarantine(row, err);
    return true;
  }
}
