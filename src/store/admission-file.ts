/**
 * The admission journal of a gateway on a SQLite file, as an append-only file beside the database
 * (`<database>-admissions/journal`). A budgeted call's entry is written (in the OS page cache like a SQLite commit
 * under synchronous=NORMAL, so it survives the process being killed as the database does) before its upstream call,
 * the entries admitted in one turn of the event loop in one `write`; once the call's row is committed a `-id` line
 * marks it done. The table's journal
 * (repos/admissions.ts) cost a budgeted request an insert, a delete and a share of a commit on the gateway's thread,
 * ~13-48 µs measured alone; a line here ~1.5-3.5 µs (in writes of 16 and of 1).
 *
 * Lines: `+{entry as JSON}` when a call is admitted, `-{id}` when its row is committed. Done marks are written with
 * the next entry, or within FLUSH_MS: a crash may lose the last of them, and recovery then finds those calls' rows in
 * the log (as the table's journal does with deletes not yet flushed). A line torn by a crash is the call whose write
 * never returned: that call was never sent upstream, so recovery skips it.
 *
 * The file is rewritten when it has grown past ROTATE_BYTES and twice the entries still open: the open entries are
 * written to a fresh file that then replaces the old one (rename), so the file holds what is in flight, not history.
 *
 * One gateway per SQLite database (as the store assumes): the file is this process's; at start, whatever an earlier
 * process left in it is recovered (admission-journal.ts `recoverLostAdmissions`) before any call is admitted.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AdmissionLines } from './admission-line.js';
import type { AdmissionsTable } from './schema.js';

const ROTATE_BYTES = 4 * 1024 * 1024;
const FLUSH_MS = 500;

export class AdmissionFile {
  readonly dir: string;
  readonly path: string;
  #fd: number | null = null;
  #bytes = 0;
  /** Entries written and not yet marked done, by id: their lines, for the rewrite. */
  readonly #open = new Map<string, string>();
  #openBytes = 0;
  /** Done marks not yet written. */
  #marks = '';
  #timer: NodeJS.Timeout | null = null;
  /** The last write failed part-way, perhaps after some of its bytes. */
  #torn = false;
  readonly #lines = new AdmissionLines();

  constructor(databaseFile: string) {
    this.path = journalPath(databaseFile);
    this.dir = dirname(this.path);
  }

  /** Entries still in flight in this process. */
  get inFlight(): number {
    return this.#open.size;
  }

  /**
   * Writes the entries (the calls admitted in one turn of the event loop) in one write before returning; throws when
   * it cannot (their calls must not go upstream then). The pending done marks ride along in the same write.
   */
  openMany(entries: readonly AdmissionsTable[]): void {
    const lines = entries.map((e) => `+${this.#lines.text(e)}\n`);
    this.#rotateIfLarge();
    this.#write(this.#marks + lines.join(''));
    this.#marks = '';
    for (let i = 0; i < entries.length; i++) {
      this.#open.set(entries[i]!.id, lines[i]!);
      this.#openBytes += lines[i]!.length;
    }
  }

  /** The call's row is committed. An id this process did not write (or already marked) is ignored. */
  done(id: string): void {
    const line = this.#open.get(id);
    if (line === undefined) return;
    this.#open.delete(id);
    this.#openBytes -= line.length;
    this.#marks += `-${id}\n`;
    this.#timer ??= setTimeout(() => this.flush(), FLUSH_MS).unref();
  }

  /** Writes the pending done marks now. A failure is kept for the next write (they are only a hint to recovery). */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#marks === '' || this.#fd === null) return;
    try {
      this.#write(this.#marks);
      this.#marks = '';
    } catch {
      // Recovery finds these calls' rows in the log without the marks.
    }
  }

  close(): void {
    this.flush();
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
  }

  /**
   * What an earlier process left open: entries without a done mark, in the order written. A torn last line is
   * skipped (its call never went upstream).
   */
  static read(databaseFile: string): AdmissionsTable[] {
    const path = journalPath(databaseFile);
    if (!existsSync(path)) return [];
    const open = new Map<string, AdmissionsTable>();
    const text = readFileSync(path, 'utf8');
    // Only whole lines: the text after the last newline is a write the crash cut short.
    const end = text.lastIndexOf('\n');
    for (const line of text.slice(0, end + 1).split('\n')) {
      if (line.startsWith('-')) open.delete(line.slice(1));
      else if (line.startsWith('+')) {
        try {
          const entry = JSON.parse(line.slice(1)) as AdmissionsTable;
          if (typeof entry.id === 'string') open.set(entry.id, entry);
        } catch {
          // Only a torn write can make a line unreadable, and only the last one: its call never went upstream.
        }
      }
    }
    return [...open.values()];
  }

  /** Forgets what an earlier process left, once recovery has logged it. */
  static clear(databaseFile: string): void {
    const path = journalPath(databaseFile);
    rmSync(path, { force: true });
    rmSync(`${path}.next`, { force: true });
  }

  #write(text: string): void {
    if (this.#fd === null) {
      mkdirSync(this.dir, { recursive: true });
      this.#fd = openSync(this.path, 'a');
    }
    // After a failed write (a full disk) the file may end in part of a line: end it, or the next entry would be read
    // as part of that unreadable line and its call, which does go upstream, missed by recovery.
    const whole = this.#torn ? `\n${text}` : text;
    const bytes = Buffer.byteLength(whole);
    try {
      // The string goes to the write as it is (no Buffer made for it); a short write sends the rest from a Buffer.
      const written = writeSync(this.#fd, whole);
      if (written < bytes) writeAll(this.#fd, Buffer.from(whole).subarray(written));
    } catch (err) {
      this.#torn = true;
      throw err;
    }
    this.#torn = false;
    this.#bytes += bytes;
  }

  /**
   * Past ROTATE_BYTES, and when most of the file is calls already done: the open entries go to a fresh file that
   * replaces this one. The fresh file is fsynced before the rename, so a power cut cannot leave a rename without its
   * contents; the entries it copies were written (and survive a kill) already.
   */
  #rotateIfLarge(): void {
    if (this.#bytes < ROTATE_BYTES || this.#bytes < 2 * this.#openBytes || this.#fd === null) return;
    const next = `${this.path}.next`;
    const fd = openSync(next, 'w');
    try {
      writeAll(fd, Buffer.from([...this.#open.values()].join('')));
      fsyncSync(fd);
      renameSync(next, this.path);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    closeSync(this.#fd);
    this.#fd = fd;
    this.#bytes = this.#openBytes;
    // Marks not yet written are for entries the fresh file no longer holds, and it ends in a whole line.
    this.#marks = '';
    this.#torn = false;
  }
}

function journalPath(databaseFile: string): string {
  return join(`${databaseFile}-admissions`, 'journal');
}

/** `writeSync` may write part of a buffer: the rest follows until all of it is written or a write throws. */
function writeAll(fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off);
}
