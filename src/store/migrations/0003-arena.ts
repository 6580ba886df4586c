/**
 * The arena: battles (append-only: a retired contender keeps every battle it fought), their tags in a side table
 * so per-tag leaderboards filter with an index instead of a JSON scan, and pending blind matches (the pairing stays
 * server-side until the vote). Same portable column types as 0001.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('battles')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .addColumn('race', 'text')
    .addColumn('prompt_hash', 'text', (c) => c.notNull())
    .addColumn('prompt', 'text')
    .addColumn('contender_a', 'text', (c) => c.notNull())
    .addColumn('contender_b', 'text', (c) => c.notNull())
    .addColumn('answer_a', 'text')
    .addColumn('answer_b', 'text')
    // Null with `error` set: a judgement that produced no verdict. Kept as a record, never rated.
    .addColumn('winner', 'text')
    .addColumn('error', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('voter', 'text')
    .addColumn('team', 'text')
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('language', 'text')
    .addColumn('style_a', 'text')
    .addColumn('style_b', 'text')
    .addColumn('details', 'text')
    .execute();
  await db.schema.createIndex('battles_ts').on('battles').column('ts').execute();
  await db.schema.createIndex('battles_race_ts').on('battles').columns(['race', 'ts']).execute();
  // A race's recorded contenders (its leaderboard's members) from the index alone.
  await db.schema.createIndex('battles_race_pair').on('battles').columns(['race', 'contender_a', 'contender_b']).execute();
  // Covering indexes for the leaderboard's grouped count (pair × outcome): an index-only scan instead of a pass over
  // whole rows, overall and per language.
  await db.schema.createIndex('battles_outcome').on('battles').columns(['contender_a', 'contender_b', 'winner']).execute();
  await db.schema.createIndex('battles_language_outcome').on('battles').columns(['language', 'contender_a', 'contender_b', 'winner']).execute();

  await db.schema
    .createTable('battle_tags')
    .addColumn('battle_id', 'text', (c) => c.notNull())
    .addColumn('tag', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('battle_tags_pk', ['battle_id', 'tag'])
    .execute();
  await db.schema.createIndex('battle_tags_tag').on('battle_tags').columns(['tag', 'battle_id']).execute();

  await db.schema
    .createTable('arena_matches')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .addColumn('race', 'text', (c) => c.notNull())
    .addColumn('contender_a', 'text', (c) => c.notNull())
    .addColumn('contender_b', 'text', (c) => c.notNull())
    .addColumn('prompt_hash', 'text', (c) => c.notNull())
    .addColumn('prompt', 'text')
    .addColumn('answer_a', 'text')
    .addColumn('answer_b', 'text')
    .addColumn('style_a', 'text')
    .addColumn('style_b', 'text')
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('language', 'text')
    .addColumn('team', 'text')
    .addColumn('key_id', 'text')
    .addColumn('voted_at', 'bigint')
    .addColumn('battle_id', 'text')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['arena_matches', 'battle_tags', 'battles']) await db.schema.dropTable(table).execute();
}
