/**
 * The checkpoint loop of `wal-checkpointer.ts`, run on whichever worker thread holds the checkpoints: the
 * checkpointer's own, or a thread that took them over (the race monitor's evidence thread, so that a gateway keeps
 * one worker isolate instead of two). It opens a connection of its own, so that a checkpoint never meets a statement
 * of the thread's other work on its connection.
 */
import Database from 'better-sqlite3';

export interface CheckpointLoop {
  /** Stops the timer and closes the loop's connection. */
  stop(): void;
}

/** Runs a PASSIVE checkpoint of `file` every `intervalMs`, each after the last ended; `report` gets null or the error. */
export function runWalCheckpoints(file: string, intervalMs: number, report: (error: string | null) => void): CheckpointLoop {
  let db: Database.Database;
  try {
    db = new Database(file, { timeout: 5000 });
    db.pragma('synchronous = NORMAL');
  } catch (err) {
    report(messageOf(err));
    return { stop: () => undefined };
  }
  let timer: NodeJS.Timeout | null = null;
  const tick = (): void => {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
      report(null);
    } catch (err) {
      report(messageOf(err));
    }
    timer = setTimeout(tick, intervalMs);
  };
  timer = setTimeout(tick, intervalMs);
  return {
    stop() {
      if (timer) clearTimeout(timer);
      timer = null;
      if (db.open) db.close();
    },
  };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
