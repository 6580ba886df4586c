/**
 * The first schema: request log, feedback, API keys, race state, decisions. Kysely's schema builder only, so the
 * same migration runs on SQLite and PostgreSQL. Column types are chosen to mean the same on both: `bigint` (epoch
 * ms, nanos) is INTEGER affinity in SQLite, `double precision` is REAL, booleans are 0/1 integers, JSON is text.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .addColumn('race', 'text')
    .addColumn('contender', 'text')
    .addColumn('upstream_model', 'text')
    .addColumn('team', 'text')
    .addColumn('key_id', 'text')
    .addColumn('user_hash', 'text')
    .addColumn('parent_id', 'text')
    .addColumn('shadow', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('stream', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('latency_ms', 'double precision', (c) => c.notNull())
    .addColumn('ttft_ms', 'double precision')
    .addColumn('prompt_tokens', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('completion_tokens', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('reasoning_tokens', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('cached_tokens', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('usage_estimated', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('cost_nanos', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('finish_reason', 'text')
    .addColumn('prompt_text', 'text')
    .addColumn('response_text', 'text')
    .execute();
  // Race monitor: one race's contenders since a time. Dashboard: a team's traffic; everything over a time range.
  await db.schema.createIndex('requests_race_contender_ts').on('requests').columns(['race', 'contender', 'ts']).execute();
  await db.schema.createIndex('requests_team_ts').on('requests').columns(['team', 'ts']).execute();
  await db.schema.createIndex('requests_ts').on('requests').column('ts').execute();

  await db.schema
    .createTable('feedback')
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
  await db.schema.createIndex('feedback_race_contender_ts').on('feedback').columns(['race', 'contender', 'ts']).execute();
  await db.schema.createIndex('feedback_request_id').on('feedback').column('request_id').execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('hash', 'text', (c) => c.notNull().unique())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('team', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('races', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .addColumn('last_used_at', 'bigint')
    .addColumn('rpm', 'integer')
    .addColumn('tpm', 'integer')
    .execute();

  await db.schema
    .createTable('race_state')
    .addColumn('race', 'text', (c) => c.primaryKey())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('decisions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .addColumn('race', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('contender', 'text')
    .addColumn('reason', 'text')
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('actor', 'text')
    .execute();
  await db.schema.createIndex('decisions_race_ts').on('decisions').columns(['race', 'ts']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['decisions', 'race_state', 'api_keys', 'feedback', 'requests']) await db.schema.dropTable(table).execute();
}
