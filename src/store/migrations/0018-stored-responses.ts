/**
 * `responses`: what the Responses API front door keeps of each response stored (`store`, true unless the client says
 * false), so that a later request with `previous_response_id` continues the conversation on the same contender:
 * `turn` holds the chat messages this response added (its request's input items translated, then the answer;
 * instructions are not carried over, as OpenAI documents) and `previous_id` the response it continued, so a
 * conversation is its chain of turns, stored once each (not a copy of the whole conversation per response).
 * `response` is the response object as sent (for `GET /v1/responses/{id}`), `team` scopes who may continue or read
 * it, and `expires_at` is when the configured retention ends (a continuation extends its ancestors' to its own).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('responses')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('team', 'text')
    .addColumn('key_id', 'text')
    .addColumn('race', 'text')
    .addColumn('contender', 'text', (c) => c.notNull())
    .addColumn('previous_id', 'text')
    .addColumn('turn', 'text', (c) => c.notNull())
    .addColumn('response', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('responses_expires_at').on('responses').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('responses').execute();
}
