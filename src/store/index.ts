/**
 * The store: one database (SQLite file by default, PostgreSQL for several replicas), migrated at open, with the
 * group-committing request log and one repo per table. Wiring is explicit; every `openStore` is independent.
 */
import { openDatabase, type DatabaseHandle, type OpenDatabaseOptions } from './db.js';
import { migrateToLatest } from './migrations/index.js';
import { RequestLogWriter, type RequestLogOptions } from './request-log.js';
import { postgresSink, sqliteSink } from './request-log-sinks.js';
import { AdmissionsRepo } from './repos/admissions.js';
import { BudgetClaimsRepo } from './repos/budget-claims.js';
import { RequestSpool } from './request-spool.js';
import { isRowRefusal } from './row-refusal.js';
import { StoreHealth, type StoreHealthOptions } from './store-health.js';
import { ApiKeysRepo } from './repos/api-keys.js';
import { BattlesRepo } from './repos/battles.js';
import { DecisionsRepo } from './repos/decisions.js';
import { EvalsRepo } from './repos/evals.js';
import { FeedbackRepo } from './repos/feedback.js';
import { RaceStateRepo } from './repos/race-state.js';
import { RequestsRepo } from './repos/requests.js';
import { RefusalsRepo } from './repos/refusals.js';
import { StoredResponsesRepo } from './repos/stored-responses.js';
import { RefusalLog, type RefusalLogOptions } from './refusal-log.js';
import type { Database } from './schema.js';
import type { Dialect } from './types.js';
import { startWalCheckpointer, type WalCheckpointer, type WalCheckpointerOptions } from './wal-checkpointer.js';

export interface StoreOptions extends OpenDatabaseOptions {
  requestLog?: RequestLogOptions;
  /** How refusals are counted and flushed (refusal-log.ts). */
  refusalLog?: Omit<RefusalLogOptions, 'storeUp'>;
  /**
   * SQLite file only: checkpoint the WAL from a worker thread instead of inside a commit (see wal-checkpointer.ts).
   * For long-lived writers with latency to protect, i.e. the gateway; short CLI commands keep SQLite's default.
   */
  backgroundCheckpoint?: boolean | WalCheckpointerOptions;
  /**
   * The request log's local spool (request-spool.ts): rows the store cannot commit are kept there and replayed
   * when it answers again. For processes that log calls already paid for, i.e. the gateway.
   */
  spool?: { path: string; maxBytes?: number; commitDeadlineMs?: number };
  health?: StoreHealthOptions;
  /** Called when replaying the spool fails (the rows stay spooled) or succeeds with rows. */
  onSpoolReplay?: (err: unknown, rows: number) => void;
  /** Called once per spooled row the store refuses for itself, when it is moved to the spool's quarantine file. */
  onSpoolQuarantine?: (row: { id: string }, err: unknown) => void;
}

export interface Store {
  readonly dialect: Dialect;
  /** The URL the store was opened from: another connection (a worker thread's) opens the same database with it. */
  readonly url: string;
  readonly db: DatabaseHandle['db'];
  /** The dialect's raw handle (better-sqlite3 Database or pg Pool), for measured hot paths only. */
  readonly handle: DatabaseHandle;
  readonly requestLog: RequestLogWriter;
  readonly requests: RequestsRepo;
  /** Requests refused at admission, counted per minute (refusal-log.ts), and their records (repos/refusals.ts). */
  readonly refusalLog: RefusalLog;
  readonly refusals: RefusalsRepo;
  /** Responses API responses kept for `previous_response_id` (repos/stored-responses.ts). */
  readonly responses: StoredResponsesRepo;
  readonly feedback: FeedbackRepo;
  readonly apiKeys: ApiKeysRepo;
  readonly raceState: RaceStateRepo;
  readonly decisions: DecisionsRepo;
  readonly evals: EvalsRepo;
  readonly battles: BattlesRepo;
  /** Budgeted calls admitted and not yet logged (see repos/admissions.ts). */
  readonly admissions: AdmissionsRepo;
  /** Budget reservations of other processes than the gateway (see repos/budget-claims.ts). */
  readonly claims: BudgetClaimsRepo;
  /** Whether the store answers; its heartbeat runs once `health.start()` is called (the gateway does). */
  readonly health: StoreHealth;
  /** The background WAL checkpointer, when `backgroundCheckpoint` started one. */
  readonly checkpointer: WalCheckpointer | null;
  /** Drains the request log, then closes the database. Idempotent. */
  close(): Promise<void>;
}

/**
 * Opens `url` (`sqlite:PATH`, `sqlite::memory:`, `postgres://…[?schema=NAME]`) and applies pending migrations.
 *
 * @example
 * const store = await openStore('sqlite:.saima/saima.db');
 * await store.requestLog.append(row); // resolves once the row's transaction has committed
 * await store.close();
 */
export async function openStore(url: string, opts: StoreOptions = {}): Promise<Store> {
  let health: StoreHealth | null = null;
  const handle = await openDatabase(url, { ...opts, onConnectionError: (err) => (err.name === 'StoreDeadlineError' ? health?.reportFailure(err) : health?.suspect()) });
  try {
    await migrateToLatest(handle.db, handle.dialect === 'postgres' ? handle.schema : null);
  } catch (err) {
    await handle.close();
    throw err;
  }
  const sink = handle.dialect === 'sqlite' ? sqliteSink(handle.raw) : postgresSink(handle.db);
  const userOnChange = opts.health?.onChange;
  const storeHealth = new StoreHealth((ms) => handle.probe(ms), {
    ...opts.health,
    onChange: (up, err) => {
      // Pooled connections may be half-open after an outage: drop them all so no query waits on a dead one.
      if (!up) handle.resetConnections();
      userOnChange?.(up, err);
    },
  });
  health = storeHealth;
  const spool = opts.spool
    ? new RequestSpool(opts.spool.path, {
        ...(opts.spool.maxBytes ? { maxBytes: opts.spool.maxBytes } : {}),
        isRefusal: isRowRefusal,
        ...(opts.onSpoolQuarantine ? { onQuarantine: opts.onSpoolQuarantine } : {}),
      })
    : null;
  const onError = opts.requestLog?.onError;
  const requestLog = new RequestLogWriter(sink, {
    ...opts.requestLog,
    ...(spool
      ? { spool, storeUp: () => storeHealth.up, ...(opts.spool?.commitDeadlineMs ? { commitDeadlineMs: opts.spool.commitDeadlineMs } : {}) }
      : {}),
    onError: (err, ids) => {
      if (isOutage(err)) storeHealth.reportFailure(err);
      // A batch refused for one bad row (a duplicate id, invalid data) was spooled whole: its good rows go in now,
      // not at the next outage's end (the replay skips a duplicate and quarantines a refused row).
      else setImmediate(() => replay());
      onError?.(err, ids);
    },
  });
  if (spool) {
    storeHealth.onUp(replay);
    // Rows left by an earlier process (the store was down when it stopped) go in now.
    replay();
  }
  function replay(): void {
    if (!requestLog.spoolPending) return;
    requestLog.replaySpool().then(
      (r) => {
        opts.onSpoolReplay?.(null, r.rows);
        // Rows spooled while that replay ran: take them too, while the store answers.
        if (requestLog.spoolPending && storeHealth.up) replay();
      },
      (err: unknown) => {
        if (isOutage(err)) storeHealth.reportFailure(err);
        opts.onSpoolReplay?.(err, 0);
      },
    );
  }
  const checkpointer: WalCheckpointer | null =
    handle.dialect === 'sqlite' && handle.file && opts.backgroundCheckpoint
      ? startWalCheckpointer(handle.raw, handle.file, opts.backgroundCheckpoint === true ? {} : opts.backgroundCheckpoint)
      : null;
  const db = handle.db;
  const refusals = new RefusalsRepo(db);
  const refusalLog = new RefusalLog(refusals, { ...opts.refusalLog, storeUp: () => storeHealth.up });
  let closing: Promise<void> | null = null;
  return Object.freeze({
    dialect: handle.dialect,
    url,
    db,
    handle,
    requestLog,
    requests: new RequestsRepo(db, handle.dialect, handle.dialect === 'sqlite' ? handle.raw : null),
    refusalLog,
    refusals,
    responses: new StoredResponsesRepo(db),
    feedback: new FeedbackRepo(db),
    apiKeys: new ApiKeysRepo(db),
    raceState: new RaceStateRepo(db),
    decisions: new DecisionsRepo(db),
    evals: new EvalsRepo(db),
    battles: new BattlesRepo(db, handle.dialect === 'sqlite' ? handle.raw : null),
    admissions: new AdmissionsRepo(db, handle.dialect === 'sqlite' ? handle.raw : null),
    claims: new BudgetClaimsRepo(db, handle.dialect, handle.dialect === 'sqlite' ? handle.file : null, handle.dialect === 'sqlite' ? handle.raw : null),
    health: storeHealth,
    checkpointer,
    close() {
      storeHealth.stop();
      closing ??= requestLog
        .close()
        .then(() => refusalLog.close())
        .then(() => checkpointer?.stop())
        .then(() => handle.close());
      return closing;
    },
  });
}

/** Whether a failed write says the store is unreachable, rather than that rows were refused (row-refusal.ts). */
function isOutage(err: unknown): boolean {
  return !isRowRefusal(err);
}

export { openDatabase, dialectOf, type DatabaseHandle, type SqliteHandle, type PostgresHandle } from './db.js';
export { migrateToLatest, migrationProvider } from './migrations/index.js';
export { RequestLogWriter, CommitDeadlineError, type RequestLogOptions } from './request-log.js';
export { RequestSpool, SpoolFullError, type SpoolReplay } from './request-spool.js';
export { StoreHealth, type StoreHealthOptions } from './store-health.js';
export { StoreDeadlineError } from './db.js';
export { sqliteSink, postgresSink, type BatchSink } from './request-log-sinks.js';
export type { AggregateOptions } from './repos/requests.js';
export { RefusalLog, type RefusalLogOptions } from './refusal-log.js';
export { RefusalsRepo, REFUSAL_BUCKET_MS, type RefusalFilter } from './repos/refusals.js';
export { RequestsRepo, FeedbackRepo, ApiKeysRepo, RaceStateRepo, DecisionsRepo, EvalsRepo };
export { BattlesRepo, BATTLE_SOURCES, BATTLE_WINNERS, LEAN_FIELDS, batchSize } from './repos/battles.js';
export type { ArenaMatchRecord, BattleBatch, BattleFilter, BattleRecord, BattleSource, BattleWinner, LeanBattles, PairOutcomeCount, StyleCounts, StyledBattle } from './repos/battles.js';
export type { EvalRunRecord, EvalRunStatus, EvalRunSummary, EvalResultRow, EvalGradeRow, GateResultRow, SpendByCurrency } from './repos/evals.js';
export { gradeId } from './repos/evals.js';
export type { Database };
export type * from './types.js';
