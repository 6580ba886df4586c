/** Requests refused at admission, counted per minute and combination (migrations/0013-refusals.ts). */
import { sql, type Kysely } from 'kysely';
import type { Database, RefusalsTable } from '../schema.js';
import type { RefusalRecord, RequestFilter } from '../types.js';
import { visibleTo } from './visible-to.js';

/** 13 columns × 500 records stays far below either database's limit on bound parameters. */
const RECORDS_PER_STATEMENT = 500;
/** A minute: the span of one record. */
export const REFUSAL_BUCKET_MS = 60_000;

/** The filters of `GET /admin/requests` that a refusal has a column for; `before` is keyset pagination as for requests. */
export type RefusalFilter = Pick<RequestFilter, 'team' | 'visibleTo' | 'race' | 'contender' | 'since' | 'until' | 'id' | 'before' | 'limit'>;

export class RefusalsRepo {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /**
   * Adds counts: a record whose id is stored already grows by the new count and widens its first and last moments
   * (SET expressions read the row as it was, so `first_id` follows the old `first_ts`).
   */
  async add(records: readonly RefusalRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += RECORDS_PER_STATEMENT) {
      await this.#db
        .insertInto('refusals')
        .values(records.slice(i, i + RECORDS_PER_STATEMENT).map(toTable))
        .onConflict((oc) =>
          oc.column('id').doUpdateSet({
            count: sql`refusals.count + excluded.count`,
            first_id: sql`case when excluded.first_ts < refusals.first_ts then excluded.first_id else refusals.first_id end`,
            first_ts: sql`case when excluded.first_ts < refusals.first_ts then excluded.first_ts else refusals.first_ts end`,
            last_ts: sql`case when excluded.last_ts > refusals.last_ts then excluded.last_ts else refusals.last_ts end`,
          }),
        )
        .execute();
    }
  }

  /** Newest minute first, then by id descending (the order `before` pages in). */
  async list(filter: RefusalFilter): Promise<RefusalRecord[]> {
    let q = this.#filtered(filter).selectAll();
    if (filter.before !== undefined) {
      const { ts, id } = filter.before;
      q = q.where((eb) => eb.or([eb('ts', '<', ts), eb.and([eb('ts', '=', ts), eb('id', '<', id)])]));
    }
    const recs = await q.orderBy('ts', 'desc').orderBy('id', 'desc').limit(Math.max(1, Math.trunc(filter.limit ?? 100))).execute();
    return recs.map(fromTable);
  }

  /** The record of this id, or the one holding the refused request answered with this id (its first). */
  async get(id: string): Promise<RefusalRecord | null> {
    const r = await this.#filtered({ id }).selectAll().orderBy('ts', 'desc').limit(1).executeTakeFirst();
    return r ? fromTable(r) : null;
  }

  /** Records matching the filter, counted over at most `cap` of them, and the refused requests those records hold. */
  async count(filter: RefusalFilter, cap: number): Promise<{ records: number; requests: number }> {
    const r = await this.#db
      .selectFrom(this.#filtered(filter).select('count').limit(cap).as('m'))
      .select([sql<number>`count(*)`.as('n'), sql<number | null>`sum(m.count)`.as('s')])
      .executeTakeFirstOrThrow();
    return { records: Number(r.n), requests: Number(r.s ?? 0) };
  }

  #filtered(filter: RefusalFilter) {
    let q = this.#db.selectFrom('refusals');
    // A refusal is found by its record's id or by the id its first refused request was answered with.
    if (filter.id !== undefined) q = q.where((eb) => eb.or([eb('id', '=', filter.id!), eb('first_id', '=', filter.id!)]));
    if (filter.race !== undefined) q = q.where('race', '=', filter.race);
    if (filter.contender !== undefined) q = q.where('contender', '=', filter.contender);
    if (filter.team !== undefined) q = q.where('team', '=', filter.team);
    if (filter.visibleTo !== undefined) q = q.where(visibleTo(filter.visibleTo));
    // A minute counts when it overlaps the window.
    if (filter.since !== undefined) q = q.where('ts', '>', filter.since - REFUSAL_BUCKET_MS);
    if (filter.until !== undefined) q = q.where('ts', '<', filter.until);
    return q;
  }
}

function toTable(r: RefusalRecord): RefusalsTable {
  return {
    id: r.id,
    ts: r.ts,
    team: r.team,
    key_id: r.keyId,
    race: r.race,
    contender: r.contender,
    status: r.status,
    code: r.code,
    message: r.message,
    count: r.count,
    first_ts: r.firstTs,
    last_ts: r.lastTs,
    first_id: r.firstId,
  };
}

function fromTable(r: RefusalsTable): RefusalRecord {
  return {
    id: r.id,
    ts: Number(r.ts),
    team: r.team,
    keyId: r.key_id,
    race: r.race,
    contender: r.contender,
    status: Number(r.status),
    code: r.code,
    message: r.message,
    count: Number(r.count),
    firstTs: Number(r.first_ts),
    lastTs: Number(r.last_ts),
    firstId: r.first_id,
  };
}
