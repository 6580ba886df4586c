/**
 * Race state (weights and the like) with optimistic concurrency: a put names the version it read, and loses if
 * another replica or an operator wrote in between. The caller re-reads and decides again.
 */
import type { Kysely } from 'kysely';
import type { Database, RaceStateTable } from '../schema.js';
import type { RaceStatePutResult, RaceStateRecord } from '../types.js';

function fromRecord(r: RaceStateTable): RaceStateRecord {
  return { race: r.race, state: JSON.parse(r.state) as unknown, version: Number(r.version), updatedAt: Number(r.updated_at) };
}

export class RaceStateRepo {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** The stored state (parsed JSON, `unknown`: validate it before use), or null when the race has none yet. */
  async get(race: string): Promise<RaceStateRecord | null> {
    const rec = await this.#db.selectFrom('race_state').selectAll().where('race', '=', race).executeTakeFirst();
    return rec ? fromRecord(rec) : null;
  }

  async list(): Promise<RaceStateRecord[]> {
    const recs = await this.#db.selectFrom('race_state').selectAll().orderBy('race').execute();
    return recs.map(fromRecord);
  }

  /**
   * Writes `state` if the stored version is still `expectedVersion` (0 = the race has no state yet), bumping the
   * version by one. On a stale version nothing is written and the current record comes back.
   */
  async put<T>(race: string, state: T, expectedVersion: number, now: number): Promise<RaceStatePutResult<T>> {
    const json = JSON.stringify(state);
    const version = expectedVersion + 1;
    let written: bigint;
    if (expectedVersion === 0) {
      const res = await this.#db
        .insertInto('race_state')
        .values({ race, state: json, version, updated_at: now })
        .onConflict((oc) => oc.column('race').doNothing())
        .executeTakeFirst();
      written = res.numInsertedOrUpdatedRows ?? 0n;
    } else {
      const res = await this.#db
        .updateTable('race_state')
        .set({ state: json, version, updated_at: now })
        .where('race', '=', race)
        .where('version', '=', expectedVersion)
        .executeTakeFirst();
      written = res.numUpdatedRows;
    }
    if (Number(written) > 0) return { ok: true, record: { race, state, version, updatedAt: now } };
    return { ok: false, current: await this.get(race) };
  }
}
