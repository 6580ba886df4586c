/**
 * `admissions.protocol`: the front door of a journaled call (`chat`, `messages`, `responses`, `embeddings`), so the
 * `lost` row a crash leaves of it says the protocol its client used, as the row it would have had does. Null on
 * entries written before it and on calls made by Saima itself (arena, judge, CLI claims): those read as `chat`.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('admissions').addColumn('protocol', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('admissions').dropColumn('protocol').execute();
}
