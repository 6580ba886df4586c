/**
 * `refusals`: requests the gateway refused at admission (a spent budget, a rate limit), counted per minute and per
 * (key, team, race, contender, code, message) instead of one row each, so a flood of refused calls costs the store
 * one row per minute and combination, whatever its rate. `id` is derived from the bucket and its dimensions, so
 * replicas sharing a store add their counts into the same row. `ts` is the minute's start; `first_ts`, `last_ts` and
 * `first_id` the earliest and latest refusal counted in it and the id the earliest one was answered with.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('refusals')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .addColumn('team', 'text')
    .addColumn('key_id', 'text')
    .addColumn('race', 'text')
    .addColumn('contender', 'text')
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addColumn('first_ts', 'bigint', (c) => c.notNull())
    .addColumn('last_ts', 'bigint', (c) => c.notNull())
    .addColumn('first_id', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('refusals_ts').on('refusals').columns(['ts', 'id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('refusals').execute();
}
