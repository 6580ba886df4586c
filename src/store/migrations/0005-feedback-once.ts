/**
 * Feedback counts once per request. `feedback` keeps each request's current rating (the latest from a key that may
 * rate it; a unique index on `request_id`), and `feedback_history` keeps every rating ever given, with the key that
 * gave it. Before, each POST added a row and twelve thumbs-up on one answer counted twelve times in the monitor.
 * Existing duplicates are folded here: every row goes to the history, and the newest of each request stays current.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('feedback_history')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('race', 'text')
    .addColumn('contender', 'text')
    .addColumn('team', 'text')
    .addColumn('key_id', 'text')
    .addColumn('score', 'double precision', (c) => c.notNull())
    .addColumn('comment', 'text')
    .execute();
  await db.schema.createIndex('feedback_history_request_id_ts').on('feedback_history').columns(['request_id', 'ts']).execute();
  await sql`insert into feedback_history (id, ts, request_id, race, contender, team, key_id, score, comment)
            select id, ts, request_id, race, contender, team, key_id, score, comment from feedback`.execute(db);
  // Keep the newest row of each request (ties broken by id, the same order the read APIs use).
  await sql`delete from feedback where exists (
              select 1 from feedback newer
              where newer.request_id = feedback.request_id
                and (newer.ts > feedback.ts or (newer.ts = feedback.ts and newer.id > feedback.id)))`.execute(db);
  await db.schema.dropIndex('feedback_request_id').execute();
  await db.schema.createIndex('feedback_request_once').on('feedback').column('request_id').unique().execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('feedback_request_once').execute();
  await db.schema.createIndex('feedback_request_id').on('feedback').column('request_id').execute();
  await db.schema.dropTable('feedback_history').execute();
}
