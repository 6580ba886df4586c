/**
 * Durable admission for budgeted calls. Before the upstream call, the call and its reservation are written to the
 * admission journal; once the call's request-log row is committed, the entry is marked done. A gateway killed in
 * between leaves the entry behind, and the next start logs it as `lost` at its reservation before budgets resume
 * from the log, so money already sent upstream is never admitted twice. Calls no budget covers are not journaled:
 * they cost nothing here.
 *
 * Where the journal lives: on a SQLite file, in a file beside the database (store/admission-file.ts); on PostgreSQL
 * (replicas share it and settle a dead one's entries, lost-calls.ts) and an in-memory database, in the store's
 * `admissions` table.
 */
import type { Config } from '../config/types.js';
import { AdmissionFile } from '../store/admission-file.js';
import type { Store } from '../store/index.js';
import type { AdmissionRecord } from '../store/repos/admissions.js';

const FLUSH_MS = 500;
/** Past the longest a call can take (every attempt of every contender of a plan), plus a margin. */
const MARGIN_MS = 60_000;

interface Pending {
  rec: AdmissionRecord;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class AdmissionJournal {
  readonly #done = new Set<string>();
  /** Entries admitted in this turn of the event loop: written together, in one statement and one commit. */
  #pending: Pending[] = [];
  #timer: NodeJS.Timeout | null = null;
  #flushing: Promise<void> = Promise.resolve();
  /** SQLite file: the journal file beside it; null: the table. */
  readonly #file: AdmissionFile | null;

  constructor(
    readonly store: Store,
    readonly config: Config,
    readonly onError: (err: unknown) => void,
    /** This gateway's id in `gateway_heartbeats`: a live replica settles a dead one's entries (lost-calls.ts). */
    readonly owner: string | null = null,
  ) {
    this.#file = store.handle.dialect === 'sqlite' && store.handle.file ? new AdmissionFile(store.handle.file) : null;
  }

  /**
   * Makes the entry durable; the upstream call is made only after this resolves. Entries of concurrent requests are
   * written together, once per turn of the event loop (one write to the file, or one insert and one commit to the
   * table): a commit per request cost as much CPU as the rest of a budgeted request, and a write per request
   * measured slower than the table's batches.
   */
  open(entry: Omit<AdmissionRecord, 'expires_at'>, names: readonly string[]): Promise<void> {
    let longest = 0;
    for (const n of names) {
      const c = this.config.contenders.get(n);
      if (c) longest += c.timeouts.totalMs * (1 + c.retry.maxRetries);
    }
    const rec = { ...entry, expires_at: entry.ts + longest + MARGIN_MS, owner: this.owner };
    return new Promise<void>((resolve, reject) => {
      if (this.#pending.push({ rec, resolve, reject }) === 1) setImmediate(() => void this.#write());
    });
  }

  async #write(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    try {
      const recs = batch.map((p) => p.rec);
      if (this.#file) this.#file.openMany(recs);
      else await this.store.admissions.openMany(recs);
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    for (const p of batch) p.resolve();
  }

  /** The call's row is committed: its entry may go. */
  done(id: string): void {
    if (this.#file) return this.#file.done(id);
    this.#done.add(id);
    this.#timer ??= setTimeout(() => void this.flush(), FLUSH_MS).unref();
  }

  /** Writes what is pending and lets go of the journal file. */
  async close(): Promise<void> {
    await this.flush();
    this.#file?.close();
  }

  flush(): Promise<void> {
    this.#file?.flush();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const ids = [...this.#done];
    this.#done.clear();
    this.#flushing = this.#flushing.then(() => this.store.admissions.close(ids)).catch((err: unknown) => this.onError(err));
    return this.#flushing;
  }
}

/**
 * Logs what a stopped gateway left in the journal as `lost` rows, before budgets are seeded from the log. A SQLite
 * store belongs to this one gateway, so every journal entry is an orphan (budget claims of CLI processes only once
 * expired); a shared PostgreSQL store may hold other live replicas' calls, so only entries whose call must have
 * ended are settled (lost-calls.ts settles a dead replica's sooner). Returns how many calls were lost.
 */
export async function recoverLostAdmissions(store: Store, now: number): Promise<number> {
  let lost = 0;
  // The journal file of a gateway on a SQLite file: its entries are cleared only once their lost rows are committed
  // (a crash in between finds those rows in the log next time and drops the entries).
  const file = store.handle.dialect === 'sqlite' ? store.handle.file : null;
  if (file) {
    const rows = await store.admissions.unlogged(AdmissionFile.read(file));
    await Promise.all(rows.map((row) => store.requestLog.append(row)));
    AdmissionFile.clear(file);
    lost += rows.length;
  }
  // The table: older gateways' entries, claims of other processes, a PostgreSQL store's replicas.
  const orphans = await store.admissions.orphans(store.dialect === 'sqlite' ? null : now, now);
  if (orphans.length === 0) return lost;
  await Promise.all(orphans.map((o) => store.requestLog.append(o.row)));
  await store.admissions.close(orphans.map((o) => o.id));
  return lost + orphans.length;
}
