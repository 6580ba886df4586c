/**
 * Moves SQLite's WAL checkpoints off the event loop. By default the connection that commits the 1000th WAL page
 * copies the WAL back into the database file and fsyncs it, inside that commit: measured on the request log, one
 * commit in a few hundred then stalls the event loop for 5–15 ms (commit p99.9 5.6 ms, max 14.7 ms, against
 * 0.33 / 2.7 ms with checkpoints elsewhere). A gateway holds every response's end until its row commits, so those
 * stalls land in the tail latency of every request in flight.
 *
 * So the gateway's connection turns auto-checkpointing off and a worker thread with its own connection runs a
 * PASSIVE checkpoint every `intervalMs` (`wal-checkpoint-loop.ts`): the checkpointer's own thread, or one that took
 * the checkpoints over (`handOver`: the race monitor's evidence thread, one isolate for both jobs). PASSIVE never
 * waits for or blocks writers, and once it has copied every frame, the next commit on the main connection starts
 * the WAL over from the beginning, so the file stays small.
 * `journal_size_limit` trims what an earlier burst left behind. Durability is unchanged: a commit is in the WAL
 * (the OS page cache) when it returns, checkpointed or not.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../worker-thread.js';

export interface WalCheckpointerOptions {
  /** How often the worker checkpoints (default 1000 ms). */
  intervalMs?: number;
  /** Bytes the WAL file is truncated to after a checkpoint restarts it (default 64 MiB). */
  journalSizeLimit?: number;
}

/**
 * What a worker thread that takes the checkpoints over is given (`handOver`): it runs `runWalCheckpoints(file,
 * intervalMs, report)` (`wal-checkpoint-loop.ts`) for as long as it lives, and a thread that replaces it does the same.
 */
export interface CheckpointDuty {
  readonly file: string;
  readonly intervalMs: number;
  /** One checkpoint ran: null, or the error it failed with (the main connection then checkpoints for itself again). */
  report(error: string | null): void;
  /** The thread is gone for good: the checkpointer's own thread takes the checkpoints back. */
  release(): void;
}

export interface WalCheckpointer {
  /** Checkpoints completed so far, by whichever thread ran them. */
  readonly checkpoints: number;
  /**
   * Where the checkpoints run: the checkpointer's own thread (started one interval after the store opened or the
   * checkpoints came back), a thread they were handed over to, the main connection's own auto-checkpoints (after a
   * failed checkpoint), or nowhere (stopped).
   */
  readonly runsOn: 'own thread' | 'handed over' | 'main connection' | 'stopped';
  /**
   * Hands the checkpoints to another worker thread, which opens its own connection to the file: one isolate fewer
   * (~10 MB of RSS). The checkpointer's own thread is not started, or is stopped. Null when the checkpoints are not
   * the checkpointer's to give (already handed over, failed, stopped).
   */
  handOver(): CheckpointDuty | null;
  /** Stops the worker; the main connection's own checkpoint on close (or the next start) handles the rest. */
  stop(): Promise<void>;
}

/** The checkpointer's own thread only sleeps and checkpoints: its young generation needs little room. */
const OWN_THREAD_YOUNG_GENERATION_MB = 3;

export function startWalCheckpointer(raw: BetterSqlite3.Database, file: string, opts: WalCheckpointerOptions = {}): WalCheckpointer {
  raw.pragma('wal_autocheckpoint = 0');
  raw.pragma(`journal_size_limit = ${Math.max(0, Math.trunc(opts.journalSizeLimit ?? 64 * 1024 * 1024))}`);
  const intervalMs = Math.max(10, opts.intervalMs ?? 1000);
  let runsOn: WalCheckpointer['runsOn'] = 'own thread';
  let checkpoints = 0;
  let worker: Worker | null = null;
  let exited: Promise<void> = Promise.resolve();
  let startTimer: NodeJS.Timeout | null = null;
  let duty: CheckpointDuty | null = null;

  const restoreAutoCheckpoint = (): void => {
    // Without a thread, the main connection checkpoints for itself again rather than let the WAL grow unbounded.
    if (raw.open) raw.pragma('wal_autocheckpoint = 1000');
  };
  const fail = (): void => {
    if (runsOn !== 'own thread' && runsOn !== 'handed over') return;
    runsOn = 'main connection';
    void stopOwn();
    restoreAutoCheckpoint();
  };
  // The thread starts an interval late (it would first checkpoint an interval after starting anyway), so that the
  // checkpoints can be handed over at start without an isolate started and ended for nothing.
  const scheduleOwn = (): void => {
    startTimer = setTimeout(startOwn, intervalMs);
    startTimer.unref();
  };
  function startOwn(): void {
    startTimer = null;
    if (runsOn !== 'own thread' || worker) return;
    const w = startWorker(import.meta.url, 'wal-checkpoint-thread', { file, intervalMs }, OWN_THREAD_YOUNG_GENERATION_MB);
    worker = w;
    w.unref();
    exited = new Promise((resolve) =>
      w.once('exit', () => {
        if (worker === w) worker = null;
        resolve();
      }),
    );
    w.on('message', (m: { type: string }) => (m.type === 'done' ? checkpoints++ : fail()));
    w.on('error', fail);
  }
  /** Ends the own thread, if any, by asking it (a thread ended while it loads the SQLite addon would abort the process). */
  function stopOwn(): Promise<void> {
    if (startTimer) clearTimeout(startTimer);
    startTimer = null;
    const w = worker;
    worker = null;
    if (!w) return exited;
    w.ref(); // an unref'd worker's exit would not keep the loop alive for whoever waits for it
    w.postMessage('stop');
    return exited;
  }
  scheduleOwn();

  return {
    get checkpoints() {
      return checkpoints;
    },
    get runsOn() {
      return runsOn;
    },
    handOver() {
      if (runsOn !== 'own thread') return null;
      runsOn = 'handed over';
      void stopOwn();
      const given: CheckpointDuty = {
        file,
        intervalMs,
        report(error) {
          if (duty !== given) return;
          if (error === null) checkpoints++;
          else fail();
        },
        release() {
          if (duty !== given) return;
          duty = null;
          if (runsOn !== 'handed over') return;
          runsOn = 'own thread';
          scheduleOwn();
        },
      };
      duty = given;
      return given;
    },
    async stop() {
      runsOn = 'stopped';
      duty = null;
      await stopOwn();
      restoreAutoCheckpoint();
    },
  };
}
