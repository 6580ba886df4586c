/**
 * Budgets shared with the CLI, and prompt calibration.
 * `admissions.owner`: null for the gateway's own journal entries; for a budget claim of another process (an eval
 * run, a gate, an arena judging run), who made it. `admissions.state`: null for journal entries; `pending` (the
 * claim waits for the budget's arbiter), `granted`, `refused` or `settled` (`settled_nanos` then holds what the call
 * cost). `admissions.source`: the claim's call source (`eval`, `gate`, `arena`, `judge`).
 * `budget_arbiters`: a gateway that decides claims against its live budgets, and when it last said so.
 * `requests.prompt_estimate`: the gateway's prompt-token estimate the row's reservation was made with, so the
 * observed ratio of billed to estimated prompt tokens can be rebuilt at start.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('admissions').addColumn('owner', 'text').execute();
  await db.schema.alterTable('admissions').addColumn('state', 'text').execute();
  await db.schema.alterTable('admissions').addColumn('source', 'text').execute();
  await db.schema.alterTable('admissions').addColumn('settled_nanos', 'bigint').execute();
  await db.schema
    .createTable('budget_arbiters')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('seen_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.alterTable('requests').addColumn('prompt_estimate', 'integer').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('requests').dropColumn('prompt_estimate').execute();
  await db.schema.dropTable('budget_arbiters').execute();
  for (const c of ['settled_nanos', 'source', 'state', 'owner']) await db.schema.alterTable('admissions').dropColumn(c).execute();
}
