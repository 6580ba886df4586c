/** Reads of the request log: one request, filtered lists for the dashboard, per-contender aggregates for races. */
import type { Kysely } from 'kysely';
import { fromRequestRecord } from '../request-row.js';
import type { Database } from '../schema.js';
import type { ContenderAggregate, RequestFilter, RequestLogRow, SpendFilter, SpendRecord } from '../types.js';
import { summarize } from './summarize.js';

export interface AggregateOptions {
  /** Count shadow calls too (default false: only traffic that was served to clients). */
  includeShadow?: boolean;
  /** Percentiles come from at most this many most recent successful rows per contender (default 10 000). */
  maxSamples?: number;
}

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 10_000;

export class RequestsRepo {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async getRequest(id: string): Promise<RequestLogRow | null> {
    const rec = await this.#db.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirst();
    return rec ? fromRequestRecord(rec) : null;
  }

  /** Newest first. Shadow rows only with `includeShadow`; `limit` defaults to 100 and is capped at 10 000. */
  async listRequests(filter: RequestFilter = {}): Promise<RequestLogRow[]> {
    let q = this.#db.selectFrom('requests').selectAll();
    if (filter.race !== undefined) q = q.where('race', '=', filter.race);
    if (filter.contender !== undefined) q = q.where('contender', '=', filter.contender);
    if (filter.team !== undefined) q = q.where('team', '=', filter.team);
    if (filter.since !== undefined) q = q.where('ts', '>=', filter.since);
    if (filter.until !== undefined) q = q.where('ts', '<', filter.until);
    if (!filter.includeShadow) q = q.where('shadow', '=', 0);
    const limit = Math.min(Math.max(1, Math.trunc(filter.limit ?? DEFAULT_LIMIT)), MAX_LIMIT);
    const recs = await q.orderBy('ts', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return recs.map(fromRequestRecord);
  }

  /** Per contender of `race`, rows with `ts >= sinceMs`: counts and sums in SQL, percentiles from a bounded sample. */
  async aggregateByContender(race: string, sinceMs: number, opts: AggregateOptions = {}): Promise<ContenderAggregate[]> {
    const shadow = opts.includeShadow ? [0, 1] : [0];
    const totals = await this.#db
      .selectFrom('requests')
      .where('race', '=', race)
      .where('ts', '>=', sinceMs)
      .where('shadow', 'in', shadow)
      .where('contender', 'is not', null)
      .groupBy('contender')
      .select((eb) => [
        'contender',
        eb.fn.countAll().as('n'),
        eb.fn.sum(eb.case().when('outcome', '!=', 'ok').then(1).else(0).end()).as('errors'),
        eb.fn.sum(eb.case().when('outcome', '=', 'cut').then(1).else(0).end()).as('cuts'),
        eb.fn.sum('prompt_tokens').as('prompt_tokens'),
        eb.fn.sum('completion_tokens').as('completion_tokens'),
        eb.fn.sum('reasoning_tokens').as('reasoning_tokens'),
        eb.fn.sum('cached_tokens').as('cached_tokens'),
        eb.fn.sum('cost_nanos').as('cost_nanos'),
        eb.fn.min('currency').as('currency'),
      ])
      .orderBy('contender')
      .execute();
    const maxSamples = Math.max(1, Math.trunc(opts.maxSamples ?? 10_000));
    const out: ContenderAggregate[] = [];
    for (const t of totals) {
      const contender = t.contender!;
      // Uses the (race, contender, ts) index; the bound keeps a busy contender's scan and sort small.
      const sample = await this.#db
        .selectFrom('requests')
        .select(['latency_ms', 'ttft_ms'])
        .where('race', '=', race)
        .where('contender', '=', contender)
        .where('ts', '>=', sinceMs)
        .where('shadow', 'in', shadow)
        .where('outcome', '=', 'ok')
        .orderBy('ts', 'desc')
        .limit(maxSamples)
        .execute();
      out.push({
        contender,
        n: Number(t.n),
        errors: Number(t.errors),
        cuts: Number(t.cuts),
        latencyMs: summarize(sample.map((s) => Number(s.latency_ms))),
        ttftMs: summarize(sample.flatMap((s) => (s.ttft_ms === null ? [] : [Number(s.ttft_ms)]))),
        promptTokens: Number(t.prompt_tokens),
        completionTokens: Number(t.completion_tokens),
        reasoningTokens: Number(t.reasoning_tokens),
        cachedTokens: Number(t.cached_tokens),
        costNanos: Number(t.cost_nanos),
        currency: t.currency,
      });
    }
    return out;
  }

  /**
   * The cost columns of every row (shadow calls included) in [since, until), oldest first, for spend reports that
   * group by calendar periods in a time zone (which SQL cannot do portably). Only the columns needed are read.
   */
  async spendRows(filter: SpendFilter): Promise<SpendRecord[]> {
    let q = this.#db
      .selectFrom('requests')
      .select(['ts', 'team', 'key_id', 'race', 'contender', 'cost_nanos', 'currency', 'prompt_tokens', 'completion_tokens', 'shadow'])
      .where('ts', '>=', filter.since);
    if (filter.until !== undefined) q = q.where('ts', '<', filter.until);
    if (filter.team !== undefined) q = q.where('team', '=', filter.team);
    const recs = await q.orderBy('ts').execute();
    return recs.map((r) => ({
      ts: Number(r.ts),
      team: r.team,
      keyId: r.key_id,
      race: r.race,
      contender: r.contender,
      costNanos: Number(r.cost_nanos),
      currency: r.currency,
      promptTokens: Number(r.prompt_tokens),
      completionTokens: Number(r.completion_tokens),
      shadow: Number(r.shadow) === 1,
    }));
  }
}
