/**
 * The admission journal: a budgeted call is written here (committed) before its upstream call and removed once its
 * request-log row is committed. After a crash, what is left are calls the upstream may have served and billed with
 * no row to say so; `recover` logs each as outcome `lost` at its reservation, so budgets resuming from the log never
 * admit that money again.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import type { AdmissionsTable, Database } from '../schema.js';
import { protocolOf, toRequestRecord } from '../request-row.js';
import type { RequestLogRow } from '../types.js';

export type AdmissionRecord = AdmissionsTable;

const COLUMNS = ['id', 'ts', 'expires_at', 'team', 'key_id', 'race', 'contender', 'upstream_model', 'reserved_nanos', 'currency', 'owner', 'state', 'source', 'settled_nanos', 'protocol'] as const;

/**
 * SQLite: the journal's writes as prepared statements in one synchronous transaction. Every budgeted request pays
 * one insert and one delete; through Kysely each batch was compiled, prepared and awaited again (measured: the
 * journal then cost a budgeted request about 25 µs of CPU, most of it preparing statements).
 */
function sqliteJournal(raw: BetterSqlite3.Database) {
  // Positional parameters, as the request log's insert (request-log-sinks.ts): a named one is looked up by name.
  const insert = raw.prepare(`insert into admissions (${COLUMNS.join(', ')}) values (${COLUMNS.map(() => '?').join(', ')})`);
  const remove = raw.prepare('delete from admissions where id = ?');
  const values = new Array<unknown>(COLUMNS.length);
  return {
    open: raw.transaction((list: readonly AdmissionRecord[]) => {
      for (const a of list) {
        for (let i = 0; i < COLUMNS.length; i++) values[i] = a[COLUMNS[i]!] ?? null;
        insert.run(values);
      }
    }),
    close: raw.transaction((ids: readonly string[]) => {
      for (const id of ids) remove.run(id);
    }),
    // Kysely shares the connection: inside one of its transactions ours would nest as a savepoint (request-log-sinks.ts).
    ready: () => !raw.inTransaction,
  };
}

export class AdmissionsRepo {
  readonly #db: Kysely<Database>;
  readonly #sqlite: ReturnType<typeof sqliteJournal> | null;

  constructor(db: Kysely<Database>, raw: BetterSqlite3.Database | null = null) {
    this.#db = db;
    this.#sqlite = raw ? sqliteJournal(raw) : null;
  }

  async open(a: AdmissionRecord): Promise<void> {
    await this.#db.insertInto('admissions').values(a).execute();
  }

  /** Several entries in one statement (and so one commit), a few hundred at a time to stay under bind limits. */
  async openMany(list: readonly AdmissionRecord[]): Promise<void> {
    if (this.#sqlite?.ready()) return this.#sqlite.open(list);
    for (let i = 0; i < list.length; i += 500) await this.#db.insertInto('admissions').values(list.slice(i, i + 500)).execute();
  }

  /**
   * Takes the journal entries of `owners` (replicas found dead) and logs each whose call has no row as `lost`, in
   * one transaction: of several live replicas sweeping at once, exactly one logs each entry. Returns the lost rows.
   */
  async takeLost(owners: readonly string[]): Promise<RequestLogRow[]> {
    if (owners.length === 0) return [];
    return this.#db.transaction().execute(async (trx) => {
      const taken = await trx.deleteFrom('admissions').where('owner', 'in', owners).where('state', 'is', null).returningAll().execute();
      if (taken.length === 0) return [];
      const logged = new Set((await trx.selectFrom('requests').select('id').where('id', 'in', taken.map((a) => a.id)).execute()).map((r) => r.id));
      const lost = taken.filter((a) => !logged.has(a.id)).map(lostRow);
      for (let i = 0; i < lost.length; i += 500) await trx.insertInto('requests').values(lost.slice(i, i + 500).map(toRequestRecord)).execute();
      return lost;
    });
  }

  /**
   * Owners of journal entries (replicas that admitted calls not yet logged). A loose index scan: one seek in
   * `admissions_journal_owner` per owner, so the cost follows the number of replicas, not of calls in flight (a
   * `distinct` read every entry: 30,000 in flight cost 2-8 ms per sweep).
   */
  async owners(): Promise<string[]> {
    const rows = await sql<{ owner: string | null }>`
      with recursive o(owner) as (
        select min(owner) from admissions where state is null and owner is not null
        union all
        select (select min(a.owner) from admissions a where a.state is null and a.owner > o.owner) from o where o.owner is not null
      )
      select owner from o where owner is not null`.execute(this.#db);
    return rows.rows.map((r) => r.owner!);
  }

  /** Of journal entries kept elsewhere (the journal file, store/admission-file.ts), those without a row, as `lost` rows. */
  async unlogged(entries: readonly AdmissionRecord[]): Promise<RequestLogRow[]> {
    const logged = await this.#logged(entries);
    return entries.filter((a) => !logged.has(a.id)).map(lostRow);
  }

  /** Which of the entries' calls have a row, asked 500 ids at a time (SQLite binds at most 32,766 parameters). */
  async #logged(entries: readonly AdmissionRecord[]): Promise<Set<string>> {
    const logged = new Set<string>();
    for (let i = 0; i < entries.length; i += 500) {
      const ids = entries.slice(i, i + 500).map((a) => a.id);
      for (const r of await this.#db.selectFrom('requests').select('id').where('id', 'in', ids).execute()) logged.add(r.id);
    }
    return logged;
  }

  async close(ids: readonly string[]): Promise<void> {
    if (ids.length > 0 && this.#sqlite?.ready()) return this.#sqlite.close(ids);
    if (ids.length > 0) await this.#db.deleteFrom('admissions').where('id', 'in', ids).execute();
  }

  /**
   * Journal entries to settle: all of them (`expiredBefore` null: the caller knows no live process wrote any), or
   * only those whose call must have ended by `expiredBefore`. Entries whose row was committed are dropped; the rest
   * are returned as `lost` rows for the caller to log, and dropped once it has.
   */
  async orphans(expiredBefore: number | null, now: number = expiredBefore ?? Date.now()): Promise<Array<{ id: string; row: RequestLogRow }>> {
    let q = this.#db.selectFrom('admissions').selectAll();
    if (expiredBefore !== null) q = q.where('expires_at', '<', expiredBefore);
    // Claims of other processes (an eval run may outlive a gateway restart) are orphans only once expired, and only
    // while they still hold: a refused claim held nothing, a settled one has its row.
    q = q.where((eb) => eb.or([eb('state', 'is', null), eb.and([eb('expires_at', '<', now), eb('state', 'in', ['pending', 'granted'])])]));
    const open = await q.orderBy('ts').execute();
    if (open.length === 0) return [];
    const logged = await this.#logged(open);
    await this.close(open.filter((a) => logged.has(a.id)).map((a) => a.id));
    return open.filter((a) => !logged.has(a.id)).map((a) => ({ id: a.id, row: lostRow(a) }));
  }
}

export function lostRow(a: AdmissionRecord): RequestLogRow {
  return {
    id: a.id,
    ts: Number(a.ts),
    race: a.race,
    contender: a.contender,
    upstreamModel: a.upstream_model,
    team: a.team,
    keyId: a.key_id,
    userHash: null,
    parentId: null,
    // No client saw an answer, and the crash was the gateway's, not the contender's: marked shadow, as arena calls
    // are, so the race monitor's evidence (served rows only) does not count it against the contender.
    shadow: true,
    stream: false,
    status: 0,
    outcome: 'lost',
    errorCode: 'lost',
    errorMessage: a.state
      ? 'the process that made this call stopped before logging it; charged at its reservation'
      : 'the gateway stopped before this call was logged; charged at its reservation',
    attempts: 1,
    latencyMs: 0,
    ttftMs: null,
    promptTokens: 0,
    completionTokens: 0,
    reasoningTokens: 0,
    cachedTokens: 0,
    usageEstimated: true,
    costNanos: Number(a.reserved_nanos),
    currency: a.currency,
    finishReason: null,
    promptText: null,
    responseText: null,
    fallbackFrom: null,
    outputCap: null,
    source: a.source ?? 'gateway',
    // The door its client came through, as the row it never got would say; entries from before 0019 read as chat.
    protocol: protocolOf(a.protocol),
  };
}
