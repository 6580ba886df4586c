/**
 * An index on `refusals.first_id`: the id a refused call was answered with opens its record
 * (`GET /admin/requests/:id`, `?id=` on the list) without reading every minute ever recorded.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('refusals_first_id').on('refusals').column('first_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('refusals_first_id').execute();
}
