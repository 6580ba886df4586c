/**
 * Leaderboard fits off the event loop. The fit and its bootstrap are pure CPU over a few thousand pair counts
 * (1,000 rounds over 50 contenders: ~1 s of CPU at a million battles, see docs/arena.md); on the gateway's thread
 * that second would stall every request in flight. One worker thread per process does them in turn: it starts at
 * the first fit and is unref'd whenever idle, so a CLI command still exits when its work is done. A worker that
 * dies fails the fits it held and a fresh one starts with the next.
 */
import { Worker } from 'node:worker_threads';
import { SaimaError, type ErrorCode } from '../errors.js';
import type { Leaderboard, LeaderboardData, LeaderboardOptions } from './leaderboard.js';

export interface LeaderboardJob {
  id: number;
  data: Omit<LeaderboardData, 'retired'>;
  /** `data.retired` as a list: functions do not cross threads. */
  retired: string[];
  opts: LeaderboardOptions;
}

export type LeaderboardJobResult =
  | { id: number; board: Leaderboard }
  | { id: number; error: { code: ErrorCode | null; message: string; param: string | null } };

// From dist the entry is plain JS; from source (tests, tsx) the worker registers tsx before importing it.
const ENTRY = new URL(import.meta.url.endsWith('.ts') ? './leaderboard-thread.ts' : './leaderboard-thread.js', import.meta.url).href;
const BOOT = `const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.entry.endsWith('.ts')) (await import('tsx/esm/api')).register();
  await import(workerData.entry);
})().catch((err) => { setImmediate(() => { throw err; }); });`;

interface Pending {
  resolve(board: Leaderboard): void;
  reject(err: unknown): void;
}

export class LeaderboardWorker {
  #worker: Worker | null = null;
  readonly #pending = new Map<number, Pending>();
  #next = 1;

  compute(data: LeaderboardData, opts: LeaderboardOptions = {}): Promise<Leaderboard> {
    const names = new Set([...(data.members ?? []), ...data.counts.flatMap((c) => [c.contenderA, c.contenderB])]);
    const { retired, ...rest } = data;
    const job: LeaderboardJob = { id: this.#next++, data: rest, retired: [...names].filter((n) => retired(n)), opts };
    const worker = this.#ensure();
    return new Promise<Leaderboard>((resolve, reject) => {
      this.#pending.set(job.id, { resolve, reject });
      worker.ref();
      worker.postMessage(job);
    });
  }

  /** Stops the thread; fits still running fail. */
  async close(): Promise<void> {
    const w = this.#worker;
    this.#worker = null;
    if (w) await w.terminate();
  }

  #ensure(): Worker {
    if (this.#worker) return this.#worker;
    const w = new Worker(BOOT, { eval: true, workerData: { entry: ENTRY } });
    w.unref();
    w.on('message', (r: LeaderboardJobResult) => {
      const p = this.#pending.get(r.id);
      this.#pending.delete(r.id);
      if (this.#pending.size === 0) w.unref();
      if (!p) return;
      if ('board' in r) p.resolve(r.board);
      else p.reject(r.error.code ? new SaimaError(r.error.code, r.error.message, r.error.param) : new Error(r.error.message));
    });
    const fail = (err: unknown): void => {
      if (this.#worker === w) this.#worker = null;
      for (const p of this.#pending.values()) p.reject(err instanceof Error ? err : new Error(`leaderboard worker exited (${String(err)})`));
      this.#pending.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => {
      if (this.#pending.size > 0) fail(new Error(`leaderboard worker exited with code ${code}`));
      if (this.#worker === w) this.#worker = null;
    });
    this.#worker = w;
    return w;
  }
}

/** The process's shared worker: stateless, so one serves every gateway and command in the process. */
export const sharedLeaderboardWorker = new LeaderboardWorker();
