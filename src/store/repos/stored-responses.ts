/**
 * Responses API responses kept for `previous_response_id` and `GET /v1/responses/{id}` (migrations/0018), and the
 * ids of those an upstream's own Responses API holds (migrations/0019: who may continue them, and where). Each
 * response stores its own turn and a link to the one it continued; a conversation is read back as its chain in one
 * recursive query, so a long conversation costs its size once, not once per turn.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';

type Message = Record<string, unknown>;

export interface StoredResponse {
  id: string;
  ts: number;
  expiresAt: number;
  team: string | null;
  keyId: string | null;
  race: string | null;
  contender: string;
  /** The response this one continued, or null. */
  previousId: string | null;
  /** The chat messages this response added: its request's input, then its answer. */
  turn: Message[];
  /** The response object as sent (empty for an upstream's). */
  response: Record<string, unknown>;
  /**
   * Made by the contender's own Responses API, which holds the conversation (migrations/0019): the gateway keeps only
   * who may continue it and where, and `contextTokens`, what it leaves in the upstream's context (its input and
   * output tokens), null when unknown.
   */
  upstream?: { contextTokens: number | null };
}

/** A conversation up to a response: its messages in order, and the ids of the responses that hold them. */
export interface StoredConversation {
  messages: Message[];
  /** Per message: the contender of the response whose turn holds it (whose answer it is, for an assistant message). */
  origins: string[];
  ids: string[];
}

/** Ids per UPDATE … IN (…): far below either database's limit on bound parameters. */
const IDS_PER_STATEMENT = 500;

export class StoredResponsesRepo {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /**
   * Stores a response; `ancestors` (the responses its conversation holds) are kept at least as long as it, so a
   * conversation does not lose its beginning while its end can still be continued.
   */
  async put(r: StoredResponse, ancestors: readonly string[] = []): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      await tx
        .insertInto('responses')
        .values({
          id: r.id,
          ts: r.ts,
          expires_at: r.expiresAt,
          team: r.team,
          key_id: r.keyId,
          race: r.race,
          contender: r.contender,
          previous_id: r.previousId,
          turn: JSON.stringify(r.turn),
          response: JSON.stringify(r.response),
          upstream: r.upstream ? 1 : 0,
          context_tokens: r.upstream?.contextTokens ?? null,
        })
        .execute();
      for (let i = 0; i < ancestors.length; i += IDS_PER_STATEMENT) {
        await tx
          .updateTable('responses')
          .set({ expires_at: r.expiresAt })
          .where('id', 'in', ancestors.slice(i, i + IDS_PER_STATEMENT))
          .where('expires_at', '<', r.expiresAt)
          .execute();
      }
    });
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
      previousId: row.previous_id,
      turn: JSON.parse(row.turn) as Message[],
      response: JSON.parse(row.response) as Record<string, unknown>,
      ...(Number(row.upstream) === 1 ? { upstream: { contextTokens: row.context_tokens === null ? null : Number(row.context_tokens) } } : {}),
    };
  }

  /** The conversation up to `id`, oldest turn first; null when `id` or one of its ancestors is not stored. */
  async conversation(id: string): Promise<StoredConversation | null> {
    const { rows } = await sql<{ id: string; previous_id: string | null; contender: string; turn: string }>`
      with recursive chain(id, previous_id, contender, turn, depth) as (
        select id, previous_id, contender, turn, 0 from responses where id = ${id}
        union all
        select r.id, r.previous_id, r.contender, r.turn, chain.depth + 1 from responses r join chain on r.id = chain.previous_id
      )
      select id, previous_id, contender, turn from chain order by depth desc`.execute(this.#db);
    if (rows.length === 0 || rows[0]!.previous_id !== null) return null;
    const messages: Message[] = [];
    const origins: string[] = [];
    for (const r of rows) {
      for (const m of JSON.parse(r.turn) as Message[]) {
        messages.push(m);
        origins.push(r.contender);
      }
    }
    return { messages, origins, ids: rows.map((r) => r.id) };
  }

  /**
   * Deletes one response (`DELETE /v1/responses/{id}`); true when it was there. Its turn goes with it, so a response
   * that continued it can no longer be continued either: its conversation lost a turn (`conversation` answers null).
   */
  async delete(id: string): Promise<boolean> {
    const r = await this.#db.deleteFrom('responses').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Deletes responses whose retention ended; returns how many. */
  async prune(now: number): Promise<number> {
    const r = await this.#db.deleteFrom('responses').where('expires_at', '<=', now).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
