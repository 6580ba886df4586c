/**
 * Requests refused at admission, counted in memory per minute and per (key, team, race, contender, code, message)
 * and added to the store once a second: a client sending thousands of refused calls a second costs one map update
 * each and, in the store, one row per minute and combination (repos/refusals.ts). Nothing is written while nothing
 * was refused; the timer starts with the first refusal, so a process that never refuses (the CLI) never runs it.
 * A flush the store does not take is kept and added to the next one.
 */
import { createHash } from 'node:crypto';
import { REFUSAL_BUCKET_MS, type RefusalsRepo } from './repos/refusals.js';
import type { Refusal, RefusalRecord } from './types.js';

export interface RefusalLogOptions {
  /** How often counts go to the store, in ms (default 1000). */
  flushMs?: number;
  /**
   * Combinations kept in memory between flushes at most (default 10 000). Their number is bounded by the config
   * (keys × races × contenders × budgets) and the minutes a store outage lasts; a refusal past it is only counted
   * in `dropped`.
   */
  maxEntries?: number;
  /** False while the store is known to be down: the counts wait in memory instead of failing a write. */
  storeUp?: () => boolean;
  onError?: (err: unknown) => void;
}

type Entry = Omit<RefusalRecord, 'id'>;

export class RefusalLog {
  readonly #repo: RefusalsRepo;
  readonly #flushMs: number;
  readonly #maxEntries: number;
  readonly #storeUp: () => boolean;
  readonly #onError: (err: unknown) => void;
  #entries = new Map<string, Entry>();
  /** The entry the latest refusal went to, while it is in `#entries`. */
  #last: Entry | null = null;
  #timer: NodeJS.Timeout | null = null;
  #flushing: Promise<void> | null = null;
  #closed = false;
  #noted = 0;
  #dropped = 0;
  #recordsWritten = 0;

  constructor(repo: RefusalsRepo, opts: RefusalLogOptions = {}) {
    this.#repo = repo;
    this.#flushMs = Math.max(1, opts.flushMs ?? 1_000);
    this.#maxEntries = Math.max(1, opts.maxEntries ?? 10_000);
    this.#storeUp = opts.storeUp ?? (() => true);
    this.#onError = opts.onError ?? (() => {});
  }

  /** Refusals counted so far. */
  get noted(): number {
    return this.#noted;
  }

  /** Refusals not counted because `maxEntries` combinations were already waiting. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Records sent to the store so far (an insert or an addition each): what a flood costs the store. */
  get recordsWritten(): number {
    return this.#recordsWritten;
  }

  /** Constant time: counts the refusal in its minute's entry. */
  note(r: Refusal): void {
    if (this.#closed) return;
    const bucket = r.ts - (r.ts % REFUSAL_BUCKET_MS);
    this.#noted++;
    // A flood is mostly one client refused for one reason: the entry of the previous refusal, compared field by field,
    // spares building and hashing the map key.
    const last = this.#last;
    const e = last !== null && same(last, bucket, r) ? last : this.#entries.get(`${bucket}\n${r.keyId}\n${r.team}\n${r.race}\n${r.contender}\n${r.status}\n${r.code}\n${r.message}`);
    if (e) {
      this.#last = e;
      e.count++;
      if (r.ts < e.firstTs) {
        e.firstTs = r.ts;
        e.firstId = r.id;
      }
      if (r.ts > e.lastTs) e.lastTs = r.ts;
      return;
    }
    if (this.#entries.size >= this.#maxEntries) {
      this.#dropped++;
      return;
    }
    const entry = { ts: bucket, team: r.team, keyId: r.keyId, race: r.race, contender: r.contender, status: r.status, code: r.code, message: r.message, count: 1, firstTs: r.ts, lastTs: r.ts, firstId: r.id };
    this.#entries.set(`${bucket}\n${r.keyId}\n${r.team}\n${r.race}\n${r.contender}\n${r.status}\n${r.code}\n${r.message}`, entry);
    this.#last = entry;
    this.#timer ??= setInterval(() => void this.#flushOnce(), this.#flushMs).unref();
  }

  /**
   * Adds everything counted before this call to the store; never rejects (a failed flush is kept for the next). A
   * write already under way took only what was counted before it began: this one follows it.
   */
  async flush(): Promise<void> {
    if (this.#flushing) await this.#flushing;
    await this.#flushOnce();
  }

  /** The timer's flush: joins a write under way instead of queueing another behind a slow store. */
  #flushOnce(): Promise<void> {
    this.#flushing ??= this.#write().finally(() => (this.#flushing = null));
    return this.#flushing;
  }

  /** Stops counting and writes what is left. Call before the database closes. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.flush();
  }

  async #write(): Promise<void> {
    if (this.#entries.size === 0 || !this.#storeUp()) return;
    const taken = this.#entries;
    this.#entries = new Map();
    this.#last = null;
    const records = [...taken].map(([key, e]) => ({ ...e, id: recordId(key) }));
    try {
      await this.#repo.add(records);
      this.#recordsWritten += records.length;
    } catch (err) {
      for (const [key, e] of taken) this.#putBack(key, e);
      try {
        this.#onError(err);
      } catch {
        // A broken logger must not lose the counts.
      }
    }
  }

  #putBack(key: string, e: Entry): void {
    const now = this.#entries.get(key);
    if (!now) {
      if (this.#entries.size < this.#maxEntries) this.#entries.set(key, e);
      else this.#dropped += e.count;
      return;
    }
    now.count += e.count;
    if (e.firstTs < now.firstTs) {
      now.firstTs = e.firstTs;
      now.firstId = e.firstId;
    }
    if (e.lastTs > now.lastTs) now.lastTs = e.lastTs;
  }
}

function same(e: Entry, bucket: number, r: Refusal): boolean {
  return e.ts === bucket && e.keyId === r.keyId && e.team === r.team && e.race === r.race && e.contender === r.contender && e.status === r.status && e.code === r.code && e.message === r.message;
}

/** The same minute and combination give the same id on every replica. */
function recordId(key: string): string {
  return `refused_${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
}
