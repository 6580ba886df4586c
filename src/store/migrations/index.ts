/**
 * Every migration, listed statically: no filesystem scan, so the same code runs from `src/` under tsx and from the
 * compiled `dist/`. Names sort in apply order; never rename or edit an applied migration, add the next one.
 */
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Database } from '../schema.js';
import * as m0001 from './0001-initial.js';
import * as m0002 from './0002-evals.js';
import * as m0003 from './0003-arena.js';
import * as m0004 from './0004-fallback-from.js';
import * as m0005 from './0005-feedback-once.js';
import * as m0006 from './0006-every-yuan.js';
import * as m0007 from './0007-failed-attempts.js';
import * as m0008 from './0008-shared-budgets.js';
import * as m0011 from './0011-eval-grades.js';
import * as m0012 from './0012-battle-indexes.js';
import * as m0013 from './0013-refusals.js';
import * as m0015 from './0015-admission-indexes.js';
import * as m0016 from './0016-request-protocol.js';
import * as m0017 from './0017-refusal-first-id.js';
import * as m0018 from './0018-stored-responses.js';
import * as m0019 from './0019-admission-protocol.js';
import * as m0020 from './0020-upstream-responses.js';

const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-evals': m0002,
  '0003-arena': m0003,
  '0004-fallback-from': m0004,
  '0005-feedback-once': m0005,
  '0006-every-yuan': m0006,
  '0007-failed-attempts': m0007,
  '0008-shared-budgets': m0008,
  '0011-eval-grades': m0011,
  '0012-battle-indexes': m0012,
  '0013-refusals': m0013,
  '0015-admission-indexes': m0015,
  '0016-request-protocol': m0016,
  '0017-refusal-first-id': m0017,
  '0018-stored-responses': m0018,
  '0019-admission-protocol': m0019,
  '0020-upstream-responses': m0020,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};

/**
 * Applies pending migrations. `schema` keeps Kysely's own bookkeeping tables in that PostgreSQL schema: without it
 * the migrator looks for them across all schemas and would find another schema's copy.
 */
export async function migrateToLatest(db: Kysely<Database>, schema: string | null = null): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider, ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`store: migration ${failed ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
