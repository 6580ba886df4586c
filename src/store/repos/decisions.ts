/** The append-only audit log of race decisions, with the statistics behind each one as JSON. */
import type { Kysely } from 'kysely';
import type { Database, DecisionsTable } from '../schema.js';
import type { DecisionRow } from '../types.js';

function fromRecord(r: DecisionsTable): DecisionRow {
  return {
    id: r.id,
    ts: Number(r.ts),
    race: r.race,
    action: r.action,
    contender: r.contender,
    reason: r.reason,
    details: JSON.parse(r.details) as unknown,
    actor: r.actor,
  };
}

export class DecisionsRepo {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async append(row: DecisionRow): Promise<void> {
    await this.#db
      .insertInto('decisions')
      .values({
        id: row.id,
        ts: row.ts,
        race: row.race,
        action: row.action,
        contender: row.contender ?? null,
        reason: row.reason ?? null,
        details: JSON.stringify(row.details ?? null),
        actor: row.actor ?? null,
      })
      .execute();
  }

  /** A race's decisions, newest first; `limit` defaults to 100 and is capped at 10 000. */
  async list(race: string, opts: { since?: number; limit?: number } = {}): Promise<DecisionRow[]> {
    let q = this.#db.selectFrom('decisions').selectAll().where('race', '=', race);
    if (opts.since !== undefined) q = q.where('ts', '>=', opts.since);
    const limit = Math.min(Math.max(1, Math.trunc(opts.limit ?? 100)), 10_000);
    const recs = await q.orderBy('ts', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return recs.map(fromRecord);
  }
}
