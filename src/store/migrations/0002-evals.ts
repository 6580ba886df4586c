/**
 * Evaluation runs, their result cache, and launch-gate verdicts. `eval_results` is keyed by the cache key (a hash
 * of contender, item, twin, sample index and call parameters), so a result is paid for once and any run that plans
 * the same call reuses it; `run_id` names the run that paid. Same portable column types as 0001.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('eval_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('stop_reason', 'text')
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('spec', 'text', (c) => c.notNull())
    .addColumn('plan', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('eval_runs_created_at').on('eval_runs').column('created_at').execute();

  await db.schema
    .createTable('eval_results')
    .addColumn('cache_key', 'text', (c) => c.primaryKey())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .addColumn('contender', 'text', (c) => c.notNull())
    .addColumn('item_id', 'text', (c) => c.notNull())
    .addColumn('variant_id', 'text', (c) => c.notNull())
    .addColumn('sample', 'integer', (c) => c.notNull())
    .addColumn('ok', 'integer', (c) => c.notNull())
    .addColumn('answer', 'text')
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('grade', 'text')
    .addColumn('latency_ms', 'double precision', (c) => c.notNull())
    .addColumn('ttft_ms', 'double precision')
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('prompt_tokens', 'integer', (c) => c.notNull())
    .addColumn('completion_tokens', 'integer', (c) => c.notNull())
    .addColumn('usage_estimated', 'integer', (c) => c.notNull())
    .addColumn('cost_nanos', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('judge_cost_nanos', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('judge_currency', 'text')
    .execute();
  await db.schema.createIndex('eval_results_run_id').on('eval_results').column('run_id').execute();

  await db.schema
    .createTable('gate_results')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .addColumn('race', 'text', (c) => c.notNull())
    .addColumn('challenger', 'text', (c) => c.notNull())
    .addColumn('passed', 'integer', (c) => c.notNull())
    .addColumn('reasons', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text')
    .execute();
  await db.schema.createIndex('gate_results_race_challenger_ts').on('gate_results').columns(['race', 'challenger', 'ts']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['gate_results', 'eval_results', 'eval_runs']) await db.schema.dropTable(table).execute();
}
