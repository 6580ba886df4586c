/**
 * `requests.output_cap`: the output cap (tokens per choice) the gateway sent upstream, the one the request's
 * budget reservation was made at; null when none was sent.
 * `requests.source`: which part of Saima made the call (`gateway`, `shadow`, `arena`, `judge`); null on rows
 * written before it, which spend reports read as `shadow` or `gateway` by the shadow flag.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('requests').addColumn('output_cap', 'integer').execute();
  await db.schema.alterTable('requests').addColumn('source', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('requests').dropColumn('source').execute();
  await db.schema.alterTable('requests').dropColumn('output_cap').execute();
}
