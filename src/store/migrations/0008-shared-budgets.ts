/**
 * Budgets shared with the CLI, lost calls recovered by live replicas, and prompt calibration.
 * `admissions.owner`: the process that wrote the entry (a gateway replica's id for its journal entries; for a budget
 * claim of another process — an eval run, a gate, an arena judging run — who made it); null on entries written
 * before it. `admissions.state`: null for journal entries; a claim's `pending` (waiting for the gateway's decision),
 * `granted`, `refused` or `settled` (`settled_nanos` then holds what the call cost). `admissions.source`: the call's
 * source (`eval`, `gate`, `arena`, `judge`).
 * `gateway_heartbeats`: each running gateway and when it last said it lives: on one node, whether a gateway decides
 * claims; on a shared store, whose journal entries belong to a dead replica.
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
    .createTable('gateway_heartbeats')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('seen_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.alterTable('requests').addColumn('prompt_estimate', 'integer').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('requests').dropColumn('prompt_estimate').execute();
  await db.schema.dropTable('gateway_heartbeats').execute();
  for (const c of ['settled_nanos', 'source', 'state', 'owner']) await db.schema.alterTable('admissions').dropColumn(c).execute();
}
