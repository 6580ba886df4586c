/**
 * Partial indexes on `admissions`, which holds two kinds of entry: the gateway's journal (state null: one per
 * budgeted call in flight, tens of thousands under load with slow upstreams) and other processes' budget claims
 * (state set: a handful). The gateway reads the claims every 50 ms and, on a shared store, the journal's owners every
 * two seconds; without an index each read scanned every call in flight (30,000 entries: 1.5 ms on SQLite, 4.4 ms on
 * PostgreSQL, each time, on the gateway's thread). A partial index holds only the entries its reads ask for, so the
 * journal's own inserts and deletes (state null) do not maintain `admissions_claims` at all.
 *
 * - `admissions_claims` (ts) where state is not null: the claims, oldest first (budget-claims.ts `all`).
 * - `admissions_journal_owner` (owner) where state is null: whose journal entries exist (lost-calls.ts).
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('admissions_claims').on('admissions').column('ts').where(sql.ref('state'), 'is not', null).execute();
  await db.schema.createIndex('admissions_journal_owner').on('admissions').column('owner').where(sql.ref('state'), 'is', null).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('admissions_journal_owner').execute();
  await db.schema.dropIndex('admissions_claims').execute();
}
