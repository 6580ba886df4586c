/**
 * Three secondary indexes on `battles` instead of five: each one an import of a million battles rebuilds costs
 * about as much as inserting the rows, and the two that are gone serve nothing the others cannot.
 *
 * - `battles_ts` (ts) stays: the newest battles of all races.
 * - `battles_race_ts_pair` (race, ts, contender_a, contender_b) replaces `battles_race_ts` and `battles_race_pair`:
 *   a race's battles by time (the monitor, the list), and its recorded contenders from the index alone.
 * - `battles_pair_outcome` (contender_a, contender_b, winner, language) replaces `battles_outcome` and
 *   `battles_language_outcome`: the leaderboard's grouped count (pair × outcome) from the index alone, overall or for
 *   one language (the language filtered in the index instead of leading it).
 *
 * Keys that grow with time build from presorted input; the pair index is the one random sort left.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const name of ['battles_race_ts', 'battles_race_pair', 'battles_outcome', 'battles_language_outcome']) await db.schema.dropIndex(name).execute();
  await db.schema.createIndex('battles_race_ts_pair').on('battles').columns(['race', 'ts', 'contender_a', 'contender_b']).execute();
  await db.schema.createIndex('battles_pair_outcome').on('battles').columns(['contender_a', 'contender_b', 'winner', 'language']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('battles_pair_outcome').execute();
  await db.schema.dropIndex('battles_race_ts_pair').execute();
  await db.schema.createIndex('battles_race_ts').on('battles').columns(['race', 'ts']).execute();
  await db.schema.createIndex('battles_race_pair').on('battles').columns(['race', 'contender_a', 'contender_b']).execute();
  await db.schema.createIndex('battles_outcome').on('battles').columns(['contender_a', 'contender_b', 'winner']).execute();
  await db.schema.createIndex('battles_language_outcome').on('battles').columns(['language', 'contender_a', 'contender_b', 'winner']).execute();
}
