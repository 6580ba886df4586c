/**
 * `requests.protocol`: the front door a request came through, `chat` (OpenAI chat completions, every row before
 * this migration) or `messages` (Anthropic Messages API). A race's evidence stays pooled per contender whatever the
 * protocol; the column lets an operator tell the two apart in the request log.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('requests').addColumn('protocol', 'text', (c) => c.notNull().defaultTo('chat')).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('requests').dropColumn('protocol').execute();
}
