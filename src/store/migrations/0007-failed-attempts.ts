/**
 * `requests.failed_attempts`: the attempts that failed before the one that answered (or before the request gave
 * up), as JSON: `[{contender, code, message, ms}]`. A rescued row then says why its assigned contender failed.
 * Null when the first attempt answered, so ordinary rows carry nothing extra.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('requests').addColumn('failed_attempts', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('requests').dropColumn('failed_attempts').execute();
}
