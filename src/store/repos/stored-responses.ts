/** Responses API responses kept for `previous_response_id` and `GET /v1/responses/{id}` (migrations/0017). */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

export interface StoredResponse {
  id: string;
  ts: number;
  expiresAt: number;
  team: string | null;
  keyId: string | null;
  race: string | null;
  contender: string;
  /** The chat messages of the conversation so far. */
  conversation: Array<Record<string, unknown>>;
  /** The response object as sent. */
  response: Record<string, unknown>;
}

export class StoredResponsesRepo {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async put(r: StoredResponse): Promise<void> {
    await this.#db
      .insertInto('responses')
      .values({ id: r.id, ts: r.ts, expires_at: r.expiresAt, team: r.team, key_id: r.keyId, race: r.race, contender: r.contender, conversation: JSON.stringify(r.conversation), response: JSON.stringify(r.response) })
      .execute();
  }

  /** The response if stored and not expired at `now`; the caller checks who may see it. */
  async get(id: string, now: number): Promise<StoredResponse | null> {
    const row = await this.#db.selectFrom('responses').selectAll().where('id', '=', id).where('expires_at', '>', now).executeTakeFirst();
    if (!row) return null;
    return {
      id: row.id,
      ts: Number(row.ts),
      expiresAt: Number(row.expires_at),
      team: row.team,
      keyId: row.key_id,
      race: row.race,
      contender: row.contender,
      conversation: JSON.parse(row.conversation) as Array<Record<string, unknown>>,
      response: JSON.parse(row.response) as Record<string, unknown>,
    };
  }

  /** Deletes responses whose retention ended; returns how many. */
  async prune(now: number): Promise<number> {
    const r = await this.#db.deleteFrom('responses').where('expires_at', '<=', now).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
