/**
 * Opens the one database a Saima process uses, from a URL: `sqlite:PATH`, `sqlite::memory:`, or
 * `postgres://…` / `postgresql://…` (optionally `?schema=NAME`). Both dialects go through the same Kysely code;
 * the raw handle is exposed for the few places that measured faster without Kysely (the request log on SQLite).
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import type pg from 'pg';
import type { Dialect } from './types.js';
import type { Database } from './schema.js';
import { SearchPathPostgresDialect } from './search-path-introspector.js';

interface HandleBase {
  db: Kysely<Database>;
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
}

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
  return { dialect: 'sqlite', db, raw, file, close: () => db.destroy() };
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
  const raw = new driver.Pool({
    connectionString: parsed.toString(),
    max: opts.poolSize ?? 10,
    types: int8AsNumber(driver),
    // search_path set at connect time applies to every pooled connection, so unqualified names land in the schema.
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle pooled client that loses its server (restart, failover) emits 'error' on the pool, and an unhandled
  // 'error' event would kill the process. The pool discards that client; the next query reconnects or fails itself.
  raw.on('error', () => {});
  // The search-path introspector keeps the migrator's table check inside our own schema (see its comment).
  const db = new Kysely<Database>({ dialect: new SearchPathPostgresDialect({ pool: raw }) });
  try {
    if (schema) await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return { dialect: 'postgres', db, raw, schema, close: () => db.destroy() };
}
