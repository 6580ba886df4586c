/**
 * Where a request-log batch goes: one call to `write(rows)` is one committed transaction, or a throw that leaves
 * nothing of the batch behind.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { REQUEST_COLUMNS, toRequestRecord } from './request-row.js';
import type { Database, RequestsTable } from './schema.js';
import type { RequestLogRow } from './types.js';

export interface BatchSink {
  /** Commits all rows in one transaction; resolves (or returns) only after the commit. */
  write(rows: readonly RequestLogRow[]): void | Promise<void>;
  /** False while the connection cannot start its own transaction now; the writer retries shortly. */
  ready?(): boolean;
  /** Like `write`, but rows whose id is already stored are skipped (the spool's replay: exactly once). */
  writeSkippingDuplicates(rows: readonly RequestLogRow[]): Promise<void>;
}

/**
 * SQLite: a prepared better-sqlite3 statement run inside `db.transaction()`, synchronously. Through Kysely each
 * insert would be compiled and awaited (a promise hop and a mutex per query); measured in bench/store-log.ts.
 */
export function sqliteSink(raw: BetterSqlite3.Database): BatchSink {
  const insertShaped = shapedInserts(raw);
  const tx = raw.transaction((rows: readonly RequestLogRow[]) => {
    for (const row of rows) insertShaped(Object.values(toRequestRecord(row)));
  });
  // Only a duplicate id is skipped: `insert or ignore` would also drop, silently, a row that breaks NOT NULL, which the
  // spool's replay must see refused (and quarantine) instead.
  const insertOrIgnore = raw.prepare(insertSql(REQUEST_COLUMNS, ' on conflict (id) do nothing'));
  const txIgnore = raw.transaction((rows: readonly RequestLogRow[]) => {
    for (const row of rows) insertOrIgnore.run(...Object.values(toRequestRecord(row)));
  });
  return {
    write: (rows) => tx(rows),
    writeSkippingDuplicates: async (rows) => void txIgnore(rows),
    // Kysely shares this connection. If one of its transactions is open (awaiting between statements), our
    // transaction would nest as a savepoint and commit only with — or roll back with — someone else's work.
    ready: () => !raw.inTransaction,
  };
}

/**
 * An insert of `cols` with positional parameters: binding 34 named ones looks each up by name on the record, measured
 * at about a fifth of an insert's CPU. `Object.values` of a record follows REQUEST_COLUMNS, its own key order; the
 * values are passed as arguments rather than as one array, which the addon would read element by element through
 * N-API (5–15 % of an insert, measured on 34 columns).
 */
function insertSql(cols: readonly string[], tail = ''): string {
  return `insert into requests (${cols.join(', ')}) values (${cols.map(() => '?').join(', ')})${tail}`;
}

/** Shapes of row (which nullable columns a row leaves out) given their own statement, at most. */
const MAX_SHAPES = 64;

/**
 * Inserts a row of `requests` values (in REQUEST_COLUMNS order) binding only what is not NULL. Each bound value costs
 * the addon a run of N-API type checks (a 34-value insert measured 59k instructions, most of them there), and a
 * served request leaves a third of its columns NULL (errors, texts, fallbacks, caps). A column may be left out only
 * where leaving it out stores what binding NULL would: nullable, no primary key, no default (read from the table
 * itself, so a column added later with a default is always bound). Each shape's statement is prepared once; past
 * MAX_SHAPES shapes, rows bind every column.
 */
function shapedInserts(raw: BetterSqlite3.Database): (values: unknown[]) => void {
  const info = raw.prepare('pragma table_info(requests)').all() as Array<{ name: string; notnull: number; dflt_value: unknown; pk: number }>;
  const omittable = new Set(info.filter((c) => c.notnull === 0 && c.dflt_value === null && c.pk === 0).map((c) => c.name));
  // A shape is a bit mask over the first 30 omittable columns: it stays a small integer.
  const bit = REQUEST_COLUMNS.map(() => 0);
  let next = 0;
  REQUEST_COLUMNS.forEach((c, i) => {
    if (omittable.has(c) && next < 30) bit[i] = 1 << next++;
  });
  const all = raw.prepare(insertSql(REQUEST_COLUMNS));
  const shapes = new Map<number, BetterSqlite3.Statement>();
  const statementFor = (mask: number): BetterSqlite3.Statement | undefined => {
    let stmt = shapes.get(mask);
    if (stmt === undefined && shapes.size < MAX_SHAPES) {
      stmt = raw.prepare(insertSql(REQUEST_COLUMNS.filter((_, i) => (mask & bit[i]!) === 0)));
      shapes.set(mask, stmt);
    }
    return stmt;
  };
  return (values) => {
    let mask = 0;
    for (let i = 0; i < values.length; i++) if (values[i] === null) mask |= bit[i]!;
    const stmt = mask === 0 ? undefined : statementFor(mask);
    if (stmt === undefined) {
      all.run(...values);
      return;
    }
    const bound: unknown[] = [];
    for (let i = 0; i < values.length; i++) if ((mask & bit[i]!) === 0) bound.push(values[i]);
    stmt.run(...bound);
  };
}

/**
 * PostgreSQL: one multi-row INSERT per batch (autocommitted), chunked at `maxRowsPerStatement` inside one
 * transaction for larger batches. 28 columns × 500 rows stays well under the protocol's 65 535 parameters.
 */
export function postgresSink(db: Kysely<Database>, maxRowsPerStatement = 500): BatchSink {
  return {
    async write(rows) {
      const records = rows.map(postgresRecord);
      if (records.length <= maxRowsPerStatement) {
        await db.insertInto('requests').values(records).execute();
        return;
      }
      await db.transaction().execute(async (trx) => {
        for (let i = 0; i < records.length; i += maxRowsPerStatement) {
          await trx.insertInto('requests').values(records.slice(i, i + maxRowsPerStatement)).execute();
        }
      });
    },
    async writeSkippingDuplicates(rows) {
      const records = rows.map(postgresRecord);
      for (let i = 0; i < records.length; i += maxRowsPerStatement) {
        await db
          .insertInto('requests')
          .values(records.slice(i, i + maxRowsPerStatement))
          .onConflict((oc) => oc.column('id').doNothing())
          .execute();
      }
    },
  };
}

/**
 * PostgreSQL's text type cannot hold U+0000, which JSON (and so a client's prompt or an upstream's answer) may carry:
 * the whole row would be refused, and with it the request's place in spend and race counts. It is stored as U+FFFD.
 * `includes` is a native scan; rows without a NUL are passed on untouched.
 */
function postgresRecord(row: RequestLogRow): RequestsTable {
  const rec = toRequestRecord(row);
  for (const key of TEXT_COLUMNS) {
    const v = rec[key];
    if (typeof v === 'string' && v.includes('\u0000')) (rec as unknown as Record<string, unknown>)[key] = v.replaceAll('\u0000', '\uFFFD');
  }
  return rec;
}

const TEXT_COLUMNS = ['race', 'contender', 'upstream_model', 'team', 'key_id', 'user_hash', 'parent_id', 'error_code', 'error_message', 'finish_reason', 'prompt_text', 'response_text', 'fallback_from', 'source', 'failed_attempts', 'protocol'] as const satisfies ReadonlyArray<keyof RequestsTable>;
