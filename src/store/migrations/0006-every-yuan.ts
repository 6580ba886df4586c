/**
 * `requests.output_cap`: the output cap (tokens per choice) the gateway sent upstream, the one the request's
 * budget reservation was made at; null when none was sent.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('requests').addColumn('output_cap', 'integer').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('requests').dropColumn('output_cap').execute();
}
