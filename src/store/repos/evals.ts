/**
 * Evaluation runs, the per-call result cache, and launch-gate verdicts. Results are written one row per completed
 * call, each in its own autocommit, so a run killed at any moment loses at most the calls still in flight; a row
 * exists exactly when its call has been paid for. Grades are JSON the eval layer validates, never trusted here.
 */
import type { Kysely } from 'kysely';
import type { Database, EvalResultsTable, EvalRunsTable, GateResultsTable } from '../schema.js';
import type { SpendRecord } from '../types.js';

export type EvalRunStatus = 'running' | 'done' | 'stopped';

export interface EvalRunRecord {
  id: string;
  createdAt: number;
  updatedAt: number;
  status: EvalRunStatus;
  stopReason: string | null;
  /** Human label, e.g. the suite names. */
  label: string;
  /** Parsed JSON (`unknown`: validate before use). */
  spec: unknown;
  plan: unknown;
}

export type EvalRunSummary = Omit<EvalRunRecord, 'plan'>;

export interface EvalResultRow {
  cacheKey: string;
  /** The run that made (and paid for) the call. */
  runId: string;
  ts: number;
  contender: string;
  itemId: string;
  variantId: string;
  sample: number;
  /** The call produced an answer (a failed call is data too: `ok` false with its error). */
  ok: boolean;
  answer: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  latencyMs: number;
  ttftMs: number | null;
  attempts: number;
  promptTokens: number;
  completionTokens: number;
  usageEstimated: boolean;
  costNanos: number;
  currency: string;
}

/** A stored answer's grade under one grading (see `gradingKey` in the eval layer). */
export interface EvalGradeRow {
  cacheKey: string;
  gradingKey: string;
  /** The run that graded it (and paid for its judge calls). */
  runId: string;
  ts: number;
  /** Parsed grade JSON. */
  grade: unknown;
  judgeCostNanos: number;
  judgeCurrency: string | null;
}

export interface GateResultRow {
  id: string;
  ts: number;
  race: string;
  challenger: string;
  passed: boolean;
  /** Parsed JSON: the checks and their numbers. */
  reasons: unknown;
  runId: string | null;
}

/** Spend of a run in each currency it touched, integer nanos (1e-9 of the currency). */
export type SpendByCurrency = Record<string, number>;

/** Keeps `IN (…)` lists well under PostgreSQL's 65 535 bind parameters and SQLite's 32 766. */
const KEYS_PER_QUERY = 500;

const runFromRecord = (r: EvalRunsTable): EvalRunRecord => ({
  id: r.id,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
  status: r.status as EvalRunStatus,
  stopReason: r.stop_reason,
  label: r.label,
  spec: JSON.parse(r.spec) as unknown,
  plan: JSON.parse(r.plan) as unknown,
});

const resultFromRecord = (r: EvalResultsTable): EvalResultRow => ({
  cacheKey: r.cache_key,
  runId: r.run_id,
  ts: Number(r.ts),
  contender: r.contender,
  itemId: r.item_id,
  variantId: r.variant_id,
  sample: Number(r.sample),
  ok: Number(r.ok) === 1,
  answer: r.answer,
  errorCode: r.error_code,
  errorMessage: r.error_message,
  latencyMs: Number(r.latency_ms),
  ttftMs: r.ttft_ms === null ? null : Number(r.ttft_ms),
  attempts: Number(r.attempts),
  promptTokens: Number(r.prompt_tokens),
  completionTokens: Number(r.completion_tokens),
  usageEstimated: Number(r.usage_estimated) === 1,
  costNanos: Number(r.cost_nanos),
  currency: r.currency,
});

const gateFromRecord = (r: GateResultsTable): GateResultRow => ({
  id: r.id,
  ts: Number(r.ts),
  race: r.race,
  challenger: r.challenger,
  passed: Number(r.passed) === 1,
  reasons: JSON.parse(r.reasons) as unknown,
  runId: r.run_id,
});

/** The map key of a grade in `findGrades`' answer. */
export const gradeId = (cacheKey: string, gradingKey: string): string => `${cacheKey}\n${gradingKey}`;

export class EvalsRepo {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async createRun(run: EvalRunRecord): Promise<void> {
    await this.#db
      .insertInto('eval_runs')
      .values({
        id: run.id,
        created_at: run.createdAt,
        updated_at: run.updatedAt,
        status: run.status,
        stop_reason: run.stopReason,
        label: run.label,
        spec: JSON.stringify(run.spec),
        plan: JSON.stringify(run.plan),
      })
      .execute();
  }

  async getRun(id: string): Promise<EvalRunRecord | null> {
    const rec = await this.#db.selectFrom('eval_runs').selectAll().where('id', '=', id).executeTakeFirst();
    return rec ? runFromRecord(rec) : null;
  }

  /** Newest first, without the plan; `limit` defaults to 50. */
  async listRuns(limit = 50): Promise<EvalRunSummary[]> {
    const recs = await this.#db
      .selectFrom('eval_runs')
      .select(['id', 'created_at', 'updated_at', 'status', 'stop_reason', 'label', 'spec'])
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(Math.min(Math.max(1, Math.trunc(limit)), 10_000))
      .execute();
    return recs.map((r) => {
      const { plan: _plan, ...rest } = runFromRecord({ ...r, plan: 'null' });
      return rest;
    });
  }

  async setRunStatus(id: string, status: EvalRunStatus, stopReason: string | null, now: number): Promise<void> {
    await this.#db.updateTable('eval_runs').set({ status, stop_reason: stopReason, updated_at: now }).where('id', '=', id).execute();
  }

  /** The cached results among `keys`, in no particular order. */
  async findResults(keys: readonly string[]): Promise<EvalResultRow[]> {
    const out: EvalResultRow[] = [];
    for (let i = 0; i < keys.length; i += KEYS_PER_QUERY) {
      const slice = keys.slice(i, i + KEYS_PER_QUERY);
      const recs = await this.#db.selectFrom('eval_results').selectAll().where('cache_key', 'in', slice).execute();
      for (const r of recs) out.push(resultFromRecord(r));
    }
    return out;
  }

  /**
   * Records a completed call. A key already answered (another run got there first) is left as it is; a key whose
   * stored call had failed is replaced, so a retried failure counts once.
   */
  async putResult(row: EvalResultRow): Promise<void> {
    const values: EvalResultsTable = {
      cache_key: row.cacheKey,
      run_id: row.runId,
      ts: row.ts,
      contender: row.contender,
      item_id: row.itemId,
      variant_id: row.variantId,
      sample: row.sample,
      ok: row.ok ? 1 : 0,
      answer: row.answer,
      error_code: row.errorCode,
      error_message: row.errorMessage,
      grade: null,
      latency_ms: row.latencyMs,
      ttft_ms: row.ttftMs,
      attempts: row.attempts,
      prompt_tokens: row.promptTokens,
      completion_tokens: row.completionTokens,
      usage_estimated: row.usageEstimated ? 1 : 0,
      cost_nanos: row.costNanos,
      currency: row.currency,
      judge_cost_nanos: 0,
      judge_currency: null,
    };
    const { cache_key: _key, ...update } = values;
    await this.#db
      .insertInto('eval_results')
      .values(values)
      .onConflict((oc) => oc.column('cache_key').doUpdateSet(update).where('eval_results.ok', '=', 0))
      .execute();
  }

  /** The grades stored for these (answer, grading) pairs, by `gradeId(cacheKey, gradingKey)`. */
  async findGrades(pairs: ReadonlyArray<{ cacheKey: string; gradingKey: string }>): Promise<Map<string, EvalGradeRow>> {
    const wanted = new Set(pairs.map((p) => gradeId(p.cacheKey, p.gradingKey)));
    const keys = [...new Set(pairs.map((p) => p.cacheKey))];
    const out = new Map<string, EvalGradeRow>();
    for (let i = 0; i < keys.length; i += KEYS_PER_QUERY) {
      const recs = await this.#db.selectFrom('eval_grades').selectAll().where('cache_key', 'in', keys.slice(i, i + KEYS_PER_QUERY)).execute();
      for (const r of recs) {
        const id = gradeId(r.cache_key, r.grading_key);
        if (!wanted.has(id)) continue;
        out.set(id, {
          cacheKey: r.cache_key,
          gradingKey: r.grading_key,
          runId: r.run_id,
          ts: Number(r.ts),
          grade: JSON.parse(r.grade) as unknown,
          judgeCostNanos: Number(r.judge_cost_nanos),
          judgeCurrency: r.judge_currency,
        });
      }
    }
    return out;
  }

  /** Stores an answer's grade under a grading, with what its judge calls cost; a later grade of the pair replaces it. */
  async putGrade(row: EvalGradeRow): Promise<void> {
    const values = {
      cache_key: row.cacheKey,
      grading_key: row.gradingKey,
      run_id: row.runId,
      ts: row.ts,
      grade: JSON.stringify(row.grade),
      judge_cost_nanos: row.judgeCostNanos,
      judge_currency: row.judgeCurrency,
    };
    const { cache_key: _k, grading_key: _g, ...update } = values;
    await this.#db
      .insertInto('eval_grades')
      .values(values)
      .onConflict((oc) => oc.columns(['cache_key', 'grading_key']).doUpdateSet(update))
      .execute();
  }

  /** What the calls made by `runId` (answers and judge calls) cost, per currency. */
  /**
   * Eval and gate calls since `since` as spend records (no team or key: evals run from the CLI), answers as `eval`
   * or `gate` (a run a gate started), their judge calls as `judge`.
   */
  async spendRows(since: number): Promise<SpendRecord[]> {
    const rows = await this.#db
      .selectFrom('eval_results')
      .select(['run_id', 'ts', 'contender', 'cost_nanos', 'currency', 'prompt_tokens', 'completion_tokens'])
      .where('ts', '>=', since)
      .orderBy('ts')
      .execute();
    const judged = await this.#db
      .selectFrom('eval_grades')
      .select(['run_id', 'ts', 'judge_cost_nanos', 'judge_currency'])
      .where('ts', '>=', since)
      .where('judge_currency', 'is not', null)
      .where('judge_cost_nanos', '>', 0)
      .orderBy('ts')
      .execute();
    const gateRuns = new Set((await this.#db.selectFrom('gate_results').select('run_id').where('run_id', 'is not', null).execute()).map((r) => r.run_id));
    // A run's team and judge are in its spec: the calls pay from that team's budgets, judge calls under the judge.
    const runIds = [...new Set([...rows.map((r) => r.run_id), ...judged.map((r) => r.run_id)])];
    const runs = new Map<string, { team: string | null; key: string | null; judge: string | null }>();
    for (let i = 0; i < runIds.length; i += 500) {
      for (const r of await this.#db.selectFrom('eval_runs').select(['id', 'spec']).where('id', 'in', runIds.slice(i, i + 500)).execute()) {
        const spec = JSON.parse(r.spec) as { team?: unknown; key?: unknown; judge?: unknown };
        runs.set(r.id, { team: typeof spec.team === 'string' ? spec.team : null, key: typeof spec.key === 'string' ? spec.key : null, judge: typeof spec.judge === 'string' ? spec.judge : null });
      }
    }
    const out: SpendRecord[] = [];
    for (const r of rows) {
      const run = runs.get(r.run_id);
      out.push({ ts: Number(r.ts), team: run?.team ?? null, keyId: run?.key ?? null, race: null, contender: r.contender, shadow: false, costNanos: Number(r.cost_nanos), currency: r.currency, promptTokens: Number(r.prompt_tokens), completionTokens: Number(r.completion_tokens), source: gateRuns.has(r.run_id) ? 'gate' : 'eval' });
    }
    for (const r of judged) {
      const run = runs.get(r.run_id);
      out.push({ ts: Number(r.ts), team: run?.team ?? null, keyId: run?.key ?? null, race: null, contender: run?.judge ?? null, shadow: false, costNanos: Number(r.judge_cost_nanos), currency: r.judge_currency!, promptTokens: 0, completionTokens: 0, source: 'judge' });
    }
    return out.sort((a, b) => a.ts - b.ts);
  }

  async runSpend(runId: string): Promise<SpendByCurrency> {
    const answers = await this.#db
      .selectFrom('eval_results')
      .where('run_id', '=', runId)
      .groupBy('currency')
      .select((eb) => ['currency', eb.fn.sum<number>('cost_nanos').as('nanos')])
      .execute();
    const judged = await this.#db
      .selectFrom('eval_grades')
      .where('run_id', '=', runId)
      .where('judge_currency', 'is not', null)
      .groupBy('judge_currency')
      .select((eb) => ['judge_currency', eb.fn.sum<number>('judge_cost_nanos').as('nanos')])
      .execute();
    const out: SpendByCurrency = {};
    for (const r of answers) out[r.currency] = (out[r.currency] ?? 0) + Number(r.nanos);
    for (const r of judged) out[r.judge_currency!] = (out[r.judge_currency!] ?? 0) + Number(r.nanos);
    return out;
  }

  async insertGate(row: GateResultRow): Promise<void> {
    await this.#db
      .insertInto('gate_results')
      .values({
        id: row.id,
        ts: row.ts,
        race: row.race,
        challenger: row.challenger,
        passed: row.passed ? 1 : 0,
        reasons: JSON.stringify(row.reasons),
        run_id: row.runId,
      })
      .execute();
  }

  /** The most recent gate verdict for a challenger in a race, or null when it was never gated. */
  async latestGate(race: string, challenger: string): Promise<GateResultRow | null> {
    const rec = await this.#db
      .selectFrom('gate_results')
      .selectAll()
      .where('race', '=', race)
      .where('challenger', '=', challenger)
      .orderBy('ts', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return rec ? gateFromRecord(rec) : null;
  }

  /** A race's gate verdicts (every race's for null), newest first; `limit` defaults to 100. */
  async listGates(race: string | null, limit = 100): Promise<GateResultRow[]> {
    const recs = await this.#db
      .selectFrom('gate_results')
      .selectAll()
      .$if(race !== null, (q) => q.where('race', '=', race!))
      .orderBy('ts', 'desc')
      .orderBy('id', 'desc')
      .limit(Math.min(Math.max(1, Math.trunc(limit)), 10_000))
      .execute();
    return recs.map(gateFromRecord);
  }
}
