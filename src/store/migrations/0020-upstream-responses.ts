/**
 * `responses.upstream`: a response made by a contender's own Responses API (`responses: true`, passed through). The
 * upstream holds its conversation, so the gateway keeps only who may continue it (`team`, `key_id`), where (`race`,
 * `contender`) and until when; `turn` and `response` stay empty. `context_tokens` is what such a response leaves in
 * the upstream's context (its input and output tokens): a continuation is billed it again as input, so admission
 * reserves it on top of the new input.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('responses').addColumn('upstream', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('responses').addColumn('context_tokens', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('responses').dropColumn('context_tokens').execute();
  await db.schema.alterTable('responses').dropColumn('upstream').execute();
}
