/**
 * `requests.fallback_from`: the contender a race assigned when it failed before the first byte and a fallback
 * served the request instead. `contender` stays the one that answered (and charged); the race monitor counts the
 * row as a failure of the assigned arm, which would otherwise never see its own pre-first-byte errors. A partial
 * index: written only for such rows, so ordinary commits touch no extra page.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('requests').addColumn('fallback_from', 'text').execute();
  await db.schema
    .createIndex('requests_race_fallback_from_ts')
    .on('requests')
    .columns(['race', 'fallback_from', 'ts'])
    .where(sql.ref('fallback_from'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('requests_race_fallback_from_ts').execute();
  await db.schema.alterTable('requests').dropColumn('fallback_from').execute();
}
