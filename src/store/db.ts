/**
 * Opens the one database a Saima process uses, from a URL: `sqlite:PATH`, `sqlite::memory:`, or
 * `postgres://…` / `postgresql://…` (optionally `?schema=NAME`). Both dialects go through the same Kysely code;
 * the raw handle is exposed for the few places that measured faster without Kysely (the request log on SQLite).
 */
import { PostgresTextPlugin } from './postgres-text.js';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql, type PostgresPool, type PostgresPoolClient } from 'kysely';
import type pg from 'pg';
import type { Dialect } from './types.js';
import type { Database } from './schema.js';
import { SearchPathPostgresDialect } from './search-path-introspector.js';

interface HandleBase {
  db: Kysely<Database>;
  /** `select 1` on a connection of its own, given up (and that connection dropped) after `deadlineMs`. */
  probe(deadlineMs: number): Promise<void>;
  /**
   * Drops every pooled connection, idle or busy: after an outage they may be half-open (alive to us, gone at the
   * server), and a query on one would wait for its full deadline. Queries in flight fail at once.
   */
  resetConnections(): void;
  /** Closes the Kysely instance and with it the SQLite connection or the pg pool. */
  close(): Promise<void>;
}
export interface SqliteHandle extends HandleBase {
  dialect: 'sqlite';
  raw: BetterSqlite3.Database;
  /** Absolute path, or null for `:memory:`. */
  file: string | null;
}
export interface PostgresHandle extends HandleBase {
  dialect: 'postgres';
  raw: pg.Pool;
  /** The `?schema=` the connection's search_path points at, or null for the server default. */
  schema: string | null;
}
export type DatabaseHandle = SqliteHandle | PostgresHandle;

export interface OpenDatabaseOptions {
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
  /** SQLite: how long a writer waits for another process's lock before SQLITE_BUSY (default 5000 ms). */
  busyTimeoutMs?: number;
  /** PostgreSQL: deadline to open a connection, and to wait for a free one from a busy pool (default 5000 ms). */
  connectTimeoutMs?: number;
  /**
   * PostgreSQL: the server's `statement_timeout`, and (plus a second's margin) the client's deadline for an answer,
   * which also covers a server that stopped answering at all (default 30 000 ms).
   */
  statementTimeoutMs?: number;
  /** Called with every connection-level error (a reset, a timeout): the store's health watches these. */
  onConnectionError?: (err: Error) => void;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
/** The client-side deadline waits this much longer than the server's own, so a slow query fails on the server. */
const CLIENT_DEADLINE_MARGIN_MS = 1_000;

export function dialectOf(url: string): Dialect {
  if (url.startsWith('sqlite:')) return 'sqlite';
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return 'postgres';
  throw new Error(`store: unsupported database URL '${url.split(':')[0]}:…' (use sqlite:PATH or postgres://…)`);
}

export async function openDatabase(url: string, opts: OpenDatabaseOptions = {}): Promise<DatabaseHandle> {
  return dialectOf(url) === 'sqlite' ? openSqlite(url.slice('sqlite:'.length), opts) : openPostgres(url, opts);
}

function openSqlite(path: string, opts: OpenDatabaseOptions): SqliteHandle {
  if (path === '') throw new Error('store: sqlite URL needs a path, e.g. sqlite:.saima/saima.db or sqlite::memory:');
  const file = path === ':memory:' ? null : resolve(path);
  if (file) mkdirSync(dirname(file), { recursive: true });
  const raw = new BetterSqlite3(file ?? ':memory:');
  // WAL + synchronous=NORMAL: a commit appends its frames to the WAL (in the OS page cache) without an fsync, so a
  // committed row survives a process crash or kill -9; only power loss or an OS crash may drop the last commits
  // (synchronous=FULL would fsync each commit to cover that, at several times the cost per commit).
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.pragma(`busy_timeout = ${Math.max(0, Math.trunc(opts.busyTimeoutMs ?? 5000))}`);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
  const ping = raw.prepare('select 1');
  return { dialect: 'sqlite', db, raw, file, probe: async () => void ping.get(), resetConnections: () => {}, close: () => db.destroy() };
}

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

// int8 (count(*), bigint columns: epoch ms, nanos) arrives from pg as a string; every value Saima stores fits in
// a double's 2^53 exact range, so parse to number. Done per pool, not through pg's global type registry.
const INT8_OID = 20;
function int8AsNumber(driver: typeof pg): pg.CustomTypesConfig {
  return {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === INT8_OID && format !== 'binary' ? (v: string) => Number(v) : driver.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
  };
}

async function openPostgres(url: string, opts: OpenDatabaseOptions): Promise<PostgresHandle> {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema');
  parsed.searchParams.delete('schema');
  if (schema !== null && !SCHEMA_NAME.test(schema)) throw new Error(`store: invalid schema name '${schema}'`);
  // Loaded only for PostgreSQL: a SQLite gateway does not carry the driver in memory.
  const { default: driver } = await import('pg');
  const statementMs = Math.max(1, Math.trunc(opts.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS));
  const onError = opts.onConnectionError ?? (() => {});
  const poolOptions = {
    connectionString: parsed.toString(),
    max: opts.poolSize ?? 10,
    types: int8AsNumber(driver),
    // Bounds both the TCP/startup handshake and the wait for a pooled connection when all are checked out.
    connectionTimeoutMillis: Math.max(1, Math.trunc(opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS)),
    // A peer that vanished without a FIN/RST (a dropped link) is found by the OS instead of lingering forever.
    keepAlive: true,
    // search_path set at connect time applies to every pooled connection, so unqualified names land in the schema.
    options: [`-c statement_timeout=${statementMs}`, ...(schema ? [`-c search_path=${schema}`] : [])].join(' '),
  };
  const raw = new driver.Pool(poolOptions);
  // The health probe has a connection of its own: it must answer while the main pool is exhausted by hung queries.
  // Its connect timeout is the probe's deadline, so a handshake lost in an outage does not block the next probe.
  let probePool: pg.Pool | null = null;
  let probeQuery: ReturnType<typeof deadlinePool> | null = null;
  const probe = (deadlineMs: number) => {
    if (!probePool || !probeQuery) {
      probePool = new driver.Pool({ ...poolOptions, max: 1, idleTimeoutMillis: 60_000, connectionTimeoutMillis: deadlineMs });
      probePool.on('error', () => {});
      probePool.on('connect', (client) => client.on('error', () => {}));
      probeQuery = deadlinePool(probePool, Number.POSITIVE_INFINITY, () => {});
    }
    return probeQuery.timed(deadlineMs, 'select 1');
  };
  // An idle pooled client that loses its server (restart, failover) emits 'error' on the pool, and an unhandled
  // 'error' event would kill the process. The pool discards that client; the next query reconnects or fails itself.
  raw.on('error', (err) => onError(err));
  // A checked-out client emits 'error' on itself, not on the pool (the pool listens only while it is idle): a
  // connection reset with a query in flight would otherwise crash the process. The query still fails on its own,
  // and the dead client is discarded when it is released (it is no longer queryable).
  raw.on('connect', (client) => client.on('error', (err) => onError(err)));
  // The search-path introspector keeps the migrator's table check inside our own schema (see its comment).
  const pool = deadlinePool(raw, statementMs + CLIENT_DEADLINE_MARGIN_MS, onError);
  const db = new Kysely<Database>({ dialect: new SearchPathPostgresDialect({ pool }), plugins: [new PostgresTextPlugin()] });
  try {
    if (schema) await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return {
    dialect: 'postgres',
    db,
    raw,
    schema,
    probe,
    resetConnections: () => {
      for (const client of (raw as unknown as { _clients: pg.PoolClient[] })._clients) destroySocket(client);
    },
    close: async () => {
      await db.destroy();
      await probePool?.end();
    },
  };
}

/** A query that got no answer within the client-side deadline (the server or the link is gone). */
export class StoreDeadlineError extends Error {
  override readonly name = 'StoreDeadlineError';
}

/**
 * The pool as Kysely sees it, with a client-side deadline on every query. pg's own `query_timeout` fails the
 * query but keeps the connection, on which the next query would then queue behind the unanswered one; here the
 * connection is destroyed instead, so it errors out, leaves the pool on release, and the next query gets a fresh one.
 */
function destroySocket(client: pg.PoolClient | pg.Client): void {
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}

function withClientDeadline<T>(client: pg.PoolClient, result: Promise<T>, deadlineMs: number, onError: (err: Error) => void): Promise<T> {
  if (!Number.isFinite(deadlineMs)) return result;
  return new Promise((resolve, reject) => {
    let settled = false;
    // Decided after one more I/O phase: an answer that arrived while the event loop was busy wins over the timer.
    const timer = setTimeout(() => setImmediate(() => {
      if (settled) return;
      const err = new StoreDeadlineError(`store: no answer from PostgreSQL within ${deadlineMs} ms`);
      onError(err);
      reject(err);
      destroySocket(client);
    }), deadlineMs);
    result.then(
      (r) => {
        settled = true;
        clearTimeout(timer);
        resolve(r);
      },
      (e: unknown) => {
        settled = true;
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/**
 * The pool as Kysely sees it, with a client-side deadline on every query. pg's own `query_timeout` fails the
 * query but keeps the connection, on which the next query would then queue behind the unanswered one; here the
 * connection is destroyed instead, so it errors out, leaves the pool on release, and the next query gets a fresh one.
 */
function deadlinePool(pool: pg.Pool, deadlineMs: number, onError: (err: Error) => void): PostgresPool & { timed(ms: number, text: string): Promise<void> } {
  return {
    async connect() {
      const client = await pool.connect();
      return {
        query: ((...args: unknown[]) => {
          const result = (client.query as (...a: unknown[]) => unknown)(...args);
          if (!(result instanceof Promise)) return result; // a cursor: its reads carry no deadline of ours
          return withClientDeadline(client, result, deadlineMs, onError);
        }) as PostgresPoolClient['query'],
        release: (destroy?: boolean) => client.release(destroy === true ? true : undefined),
      };
    },
    /** One query under its own deadline, the wait for a connection included. */
    async timed(ms, text) {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      const acquire = pool.connect();
      const client = await Promise.race([
        acquire,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => setImmediate(() => reject(new StoreDeadlineError(`store: no connection within ${ms} ms`))), ms);
        }),
      ])
        .catch((err: unknown) => {
          // The connection may still arrive after we gave up on it: it must not stay checked out forever.
          acquire.then((c) => c.release(true), () => {});
          throw err;
        })
        .finally(() => clearTimeout(timer));
      let broken = false;
      try {
        await withClientDeadline(client, client.query(text), Math.max(1, ms - (performance.now() - started)), () => {
          broken = true;
        });
      } catch (err) {
        broken = true;
        throw err;
      } finally {
        client.release(broken ? true : undefined);
      }
    },
    end: () => pool.end(),
  };
}
