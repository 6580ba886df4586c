/**
 * `requests.output_cap`: the output cap (tokens per choice) the gateway sent upstream, the one the request's
 * budget reservation was made at; null when none was sent.
 * `requests.source`: which part of Saima made the call (`gateway`, `shadow`, `arena`, `judge`); null on rows
 * written before it, which spend reports read as `shadow` or `gateway` by the shadow flag.
 * `admissions`: the journal of budgeted calls admitted and not yet logged, written before the upstream call and
 * removed once the call's row is committed; what a crash leaves in it is logged as `lost` at its reservation.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('requests').addColumn('output_cap', 'integer').execute();
  await db.schema.alterTable('requests').addColumn('source', 'text').execute();
  await db.schema
    .createTable('admissions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('team', 'text')
    .addColumn('key_id', 'text')
    .addColumn('race', 'text')
    .addColumn('contender', 'text', (c) => c.notNull())
    .addColumn('upstream_model', 'text')
    .addColumn('reserved_nanos', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('admissions').execute();
  await db.schema.alterTable('requests').dropColumn('source').execute();
  await db.schema.alterTable('requests').dropColumn('output_cap').execute();
}
