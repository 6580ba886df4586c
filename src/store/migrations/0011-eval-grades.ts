/**
 * `eval_grades`: a grade is keyed by the answer it grades (the result's cache key) *and* by what graded it (the
 * grading key: assertions, expected value, threshold, judge). An answer is paid for once and reused by any run that
 * makes the same call; a run that grades it differently grades it again instead of reading another run's verdict.
 * Grades stored before this table move here under the grading key `v1`, the key runs created before it keep using;
 * the judge's cost moves with its grade. `eval_results.grade` and its judge columns are no longer read.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('eval_grades')
    .addColumn('cache_key', 'text', (c) => c.notNull())
    .addColumn('grading_key', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .addColumn('grade', 'text', (c) => c.notNull())
    .addColumn('judge_cost_nanos', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('judge_currency', 'text')
    .addPrimaryKeyConstraint('eval_grades_pk', ['cache_key', 'grading_key'])
    .execute();
  await db.schema.createIndex('eval_grades_run_id').on('eval_grades').column('run_id').execute();
  await sql`INSERT INTO eval_grades (cache_key, grading_key, run_id, ts, grade, judge_cost_nanos, judge_currency)
    SELECT cache_key, 'v1', run_id, ts, grade, judge_cost_nanos, judge_currency FROM eval_results WHERE grade IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('eval_grades').execute();
}
