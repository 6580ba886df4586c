/**
 * Leaderboard fits off the event loop. The fit and its bootstrap are pure CPU over a few thousand pair counts
 * (1,000 rounds over 50 contenders: ~1 s of CPU at a million battles, see docs/arena.md); on the gateway's thread
 * that second would stall every request in flight. One worker thread per process does them in turn: it starts at
 * the first fit and is unref'd whenever idle, so a CLI command still exits when its work is done. A worker that
 * dies fails the fits it held and a fresh one starts with the next.
 */
import { JobThread, startWorker } from '../worker-thread.js';
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

export class LeaderboardWorker {
  #thread: JobThread<LeaderboardJob, LeaderboardJobResult> | null = null;
  #next = 1;

  async compute(data: LeaderboardData, opts: LeaderboardOptions = {}): Promise<Leaderboard> {
    const names = new Set([...(data.members ?? []), ...data.counts.flatMap((c) => [c.contenderA, c.contenderB])]);
    const { retired, ...rest } = data;
    const job: LeaderboardJob = { id: this.#next++, data: rest, retired: [...names].filter((n) => retired(n)), opts };
    const r = await this.#ensure().post(job);
    if ('board' in r) return r.board;
    throw r.error.code ? new SaimaError(r.error.code, r.error.message, r.error.param) : new Error(r.error.message);
  }

  /** Stops the thread; fits still running fail. */
  async close(): Promise<void> {
    const t = this.#thread;
    this.#thread = null;
    if (t) await t.terminate();
  }

  #ensure(): JobThread<LeaderboardJob, LeaderboardJobResult> {
    if (this.#thread) return this.#thread;
    // A thread that dies fails the fits it held; the next fit starts a fresh one.
    const thread: JobThread<LeaderboardJob, LeaderboardJobResult> = new JobThread(startWorker(import.meta.url, 'leaderboard-thread'), 'leaderboard worker', () => {
      if (this.#thread === thread) this.#thread = null;
    });
    this.#thread = thread;
    return thread;
  }
}

/** The process's shared worker: stateless, so one serves every gateway and command in the process. */
export const sharedLeaderboardWorker = new LeaderboardWorker();
