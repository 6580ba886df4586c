/** Reads of the request log: one request, filtered lists for the dashboard, per-contender aggregates for races. */
import type BetterSqlite3 from 'better-sqlite3';
import { sql, type Kysely, type RawBuilder } from 'kysely';

import { fromRequestRecord } from '../request-row.js';
import type { Database } from '../schema.js';
import type { ContenderAggregate, Dialect, RequestFilter, RequestLogRow, SpendFilter, SpendRecord } from '../types.js';
import { summarize } from './summarize.js';
import { visibleTo } from './visible-to.js';

/**
 * The race arm a row belongs to: the assigned contender when a fallback rescued the request, else the one that
 * served. Filtering on `contender or fallback_from` lets each side use its own index (the partial one is tiny).
 */
const ARM = sql<string>`coalesce(fallback_from, contender)`;
const armIn = (contenders: readonly string[]) => {
  const list = contenders.length > 0 ? [...contenders] : [''];
  return sql<boolean>`(contender in (${sql.join(list)}) or fallback_from in (${sql.join(list)}))`;
};

// The sums behind `ContenderMoments`, one SQL expression each, shared by the indexed and the rowid-range reads.
// A row a fallback rescued is the assigned arm's failure (see fallback_from), not a success of either arm; rows
// ended by the client hanging up, or cut by this gateway's own shutdown, say nothing about the contender. `ln` is
// built into PostgreSQL and into the SQLite that better-sqlite3 bundles (SQLITE_ENABLE_MATH_FUNCTIONS). Costs are
// summed as double precision: squared nanos overflow a bigint from about 3 units per request.
const OK = sql<boolean>`outcome = 'ok' and fallback_from is null`;
const FAILED = sql<boolean>`(outcome <> 'ok' or fallback_from is not null)`;
// Nor do embeddings asked of a contender that has none (a chat model called through /v1/embeddings), nor
// continuations of a response its upstream no longer holds (the conversation's lifetime, not the contender's quality).
const SERVED = sql<boolean>`(error_code is null or error_code not in ('client_closed', 'server_shutting_down', 'embeddings_unsupported', 'previous_response_not_found'))`;
const LAT = sql<number>`ln(case when latency_ms > 1 then latency_ms else 1 end)`;
const TTFT = sql<number>`ln(case when ttft_ms > 1 then ttft_ms else 1 end)`;
const COST = sql<number>`cast(cost_nanos as double precision)`;
const MOMENT_SUMS = [
  ['requests', sql<number>`sum(case when ${SERVED} then 1 else 0 end)`],
  ['errors', sql<number>`sum(case when ${FAILED} and ${SERVED} then 1 else 0 end)`],
  ['cuts', sql<number>`sum(case when outcome = 'cut' and ${SERVED} then 1 else 0 end)`],
  ['truncations', sql<number>`sum(case when ${OK} and finish_reason = 'length' then 1 else 0 end)`],
  ['lat_n', sql<number>`sum(case when ${OK} then 1 else 0 end)`],
  ['lat_sum', sql<number>`sum(case when ${OK} then ${LAT} else 0 end)`],
  ['lat_sq', sql<number>`sum(case when ${OK} then ${LAT} * ${LAT} else 0 end)`],
  ['ttft_n', sql<number>`sum(case when ${OK} and ttft_ms is not null then 1 else 0 end)`],
  ['ttft_sum', sql<number>`sum(case when ${OK} and ttft_ms is not null then ${TTFT} else 0 end)`],
  ['ttft_sq', sql<number>`sum(case when ${OK} and ttft_ms is not null then ${TTFT} * ${TTFT} else 0 end)`],
  ['cost_n', sql<number>`count(*)`],
  ['cost_sum', sql<number>`sum(${COST})`],
  ['cost_sq', sql<number>`sum(${COST} * ${COST})`],
  ['currency', sql<string | null>`min(currency)`],
] as const satisfies ReadonlyArray<readonly [string, RawBuilder<unknown>]>;

/** The columns of `InsertedRow`, in its order. */
const INSERTED_COLUMNS = sql`user_hash as u, case when ${SERVED} then 1 else 0 end as s,
  case when ${FAILED} and ${SERVED} then 1 when ${OK} and finish_reason = 'length' then 1 else 0 end as b,
  case when outcome = 'cut' and ${SERVED} then 1 else 0 end as x, case when ${OK} and finish_reason = 'length' then 1 else 0 end as t,
  case when ${OK} then ${LAT} end as l, case when ${OK} and ttft_ms is not null then ${TTFT} end as f, ${COST} as k, currency as y,
  contender as c, fallback_from as r, ts, rowid as i`;

type MomentRow = { contender: string; currency: string | null } & { [K in Exclude<(typeof MOMENT_SUMS)[number][0], 'currency'>]: number | string };

/** The sums as select items (a list of differently typed expressions, which the builder's overloads do not take). */
const MOMENT_SELECT = MOMENT_SUMS.map(([name, sum]) => (sum as RawBuilder<unknown>).as(name));
const MOMENT_SELECT_BY_NAME = Object.fromEntries(MOMENT_SUMS.map(([name, sum]) => [name, (sum as RawBuilder<unknown>).as(name)])) as Record<(typeof MOMENT_SUMS)[number][0], ReturnType<RawBuilder<unknown>['as']>>;

function toMoments(r: MomentRow): ContenderMoments {
  return {
    contender: r.contender,
    requests: Number(r.requests),
    errors: Number(r.errors),
    cuts: Number(r.cuts),
    truncations: Number(r.truncations),
    logLatency: { n: Number(r.lat_n), sum: Number(r.lat_sum), sumSquares: Number(r.lat_sq) },
    logTtft: { n: Number(r.ttft_n), sum: Number(r.ttft_sum), sumSquares: Number(r.ttft_sq) },
    cost: { n: Number(r.cost_n), sum: Number(r.cost_sum), sumSquares: Number(r.cost_sq) },
    currency: r.currency,
  };
}

function toUserMoments(r: MomentRow & { user_hash: string | null }): UserMoments {
  return { ...toMoments(r), userHash: r.user_hash };
}

/** Running sums of one metric over rows: what a mean, its variance and a sequential test need. */
export interface Moments {
  n: number;
  sum: number;
  sumSquares: number;
}

/**
 * One contender's sufficient statistics in a race window, for the race monitor's always-valid tests. Served rows
 * only (no shadow calls). Rows the client abandoned (`error_code = 'client_closed'`), embeddings asked of a
 * contender that has none (`embeddings_unsupported`), and continuations of a response its upstream no longer holds
 * (`previous_response_not_found`), say nothing about the contender: they count in neither
 * `requests` nor `errors`, but their cost (if any) stays in `cost`.
 */
export interface ContenderMoments {
  contender: string;
  /** Rows not abandoned by the client. */
  requests: number;
  /** Of `requests`, rows whose outcome is not `ok` (errors before the first byte and cut streams). */
  errors: number;
  /** Of `errors`, streams cut mid-way. */
  cuts: number;
  /** Successful rows that stopped at the token limit (`finish_reason = 'length'`). */
  truncations: number;
  /** ln(latency ms) of successful rows; latencies under 1 ms count as 1 ms. */
  logLatency: Moments;
  /** ln(TTFT ms) of successful rows that have one; under 1 ms counts as 1 ms. */
  logTtft: Moments;
  /** Cost per row in nanos of `currency`, over every row (abandoned ones too). */
  cost: Moments;
  currency: string | null;
}

/**
 * `ContenderMoments` of one user of one arm (`userHash` null: the arm's rows without a user, whose squares then
 * are per row, each row its own unit). What the race monitor's user-level tests are built from.
 */
export interface UserMoments extends ContenderMoments {
  userHash: string | null;
}

/**
 * What the race monitor's per-user sums need of one user of one arm, as the query returns it (no copy: a tick
 * reads thousands): requests, the failed or truncated among them (`bad`, before capping at `requests`), and the
 * count and sum of ln latency, ln TTFT and cost in nanos of `currency`. Squares only for the arm's rows without
 * a user (`user_hash` null), whose rows are units of their own; null for a user.
 */
export interface UserSums {
  contender: string;
  user_hash: string | null;
  requests: number;
  bad: number;
  lat_n: number;
  lat_sum: number;
  ttft_n: number;
  ttft_sum: number;
  cost_n: number;
  cost_sum: number;
  currency: string | null;
  lat_sq: number | null;
  ttft_sq: number | null;
  cost_sq: number | null;
}

/**
 * One request row inserted since a rowid, as the race monitor folds it each tick into its per-user sums, its
 * per-arm moments and its sample-ratio tally (see `insertedRows`): a tuple, not an object, because a busy race
 * inserts thousands a tick and SQLite hands them to the reading thread synchronously. Per row: its user (null: anonymous),
 * served (0/1), failed or truncated (0/1, what the error rate counts), cut, truncated, ln latency and ln TTFT (null
 * unless successful), cost in nanos of its currency, its contender and `fallback_from` (its arm is the latter when
 * set), its start time and its rowid.
 */
export type InsertedRow = [
  user: string | null, served: number, bad: number, cut: number, truncated: number, logLatency: number | null, logTtft: number | null,
  costNanos: number, currency: string | null, contender: string, fallbackFrom: string | null, ts: number, rowid: number,
];

/** Rows and distinct users per contender in a window: the units a sample-ratio check counts. */
export interface AssignmentCounts {
  contender: string;
  /** Every served row, whatever its outcome. */
  rows: number;
  /** Distinct `user_hash` values. */
  users: number;
  /** Rows without a user hash (each its own unit). */
  anonymous: number;
}

/** One served row as the sample-ratio check counts it: which arm, which user (null: anonymous), when it started. */
export interface AssignmentRow {
  contender: string;
  userHash: string | null;
  ts: number;
}

/** A window's end and the contenders to read (naming them lets the (race, contender, ts) index serve the query). */
export interface WindowOptions {
  /** Exclusive end, epoch ms. */
  untilMs?: number;
  contenders?: readonly string[];
  /** SQLite only: rows inserted up to this rowid (see `lastRow`). */
  maxRow?: number;
  /**
   * Rows whose request *ended* (ts + latency_ms) in [from, until); those started up to `longestMs` before `from`
   * are looked at. A row is written when its request ends, so once `until` is a commit delay in the past this
   * slice no longer changes.
   */
  ended?: { from: number; until: number; longestMs: number };
}

export interface AggregateOptions {
  /** Count shadow calls too (default false: only traffic that was served to clients). */
  includeShadow?: boolean;
  /** Percentiles come from at most this many most recent successful rows per contender (default 10 000). */
  maxSamples?: number;
  /** Only this team's rows (what a non-admin key may see of a race). */
  team?: string;
}

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 10_000;

export class RequestsRepo {
  readonly #db: Kysely<Database>;
  readonly #dialect: Dialect;
  /** The raw SQLite connection behind `#db` (null on PostgreSQL or inside a transaction), for `insertedRows`. */
  readonly #raw: BetterSqlite3.Database | null;
  /** `insertedRows`' prepared statements, by number of contenders. */
  readonly #insertedStatements = new Map<number, BetterSqlite3.Statement>();

  constructor(db: Kysely<Database>, dialect: Dialect, raw: BetterSqlite3.Database | null = null) {
    this.#db = db;
    this.#dialect = dialect;
    this.#raw = raw;
  }

  async getRequest(id: string): Promise<RequestLogRow | null> {
    const rec = await this.#db.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirst();
    return rec ? fromRequestRecord(rec) : null;
  }

  /** Newest first. Shadow rows only with `includeShadow`; `limit` defaults to 100 and is capped at 10 000. */
  async listRequests(filter: RequestFilter = {}): Promise<RequestLogRow[]> {
    let q = this.#filtered(filter).selectAll();
    if (filter.before !== undefined) {
      const { ts, id } = filter.before;
      q = q.where((eb) => eb.or([eb('ts', '<', ts), eb.and([eb('ts', '=', ts), eb('id', '<', id)])]));
    }
    const limit = Math.min(Math.max(1, Math.trunc(filter.limit ?? DEFAULT_LIMIT)), MAX_LIMIT);
    const recs = await q.orderBy('ts', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return recs.map(fromRequestRecord);
  }

  /**
   * How many rows `listRequests` would page through with this filter (its `before` and `limit` aside), counting
   * over at most `cap` rows: on SQLite the count runs on the caller's thread, so a window of millions of rows would
   * hold the event loop for as long as it takes to walk them.
   */
  async countRequests(filter: RequestFilter = {}, cap?: number): Promise<number> {
    const matching = this.#filtered(filter);
    const r =
      cap === undefined
        ? await matching.select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()
        : await this.#db.selectFrom(matching.select(sql<number>`1`.as('one')).limit(cap).as('m')).select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  #filtered(filter: RequestFilter) {
    let q = this.#db.selectFrom('requests');
    if (filter.id !== undefined) q = q.where('id', '=', filter.id);
    if (filter.outcome !== undefined) q = q.where('outcome', '=', filter.outcome);
    if (filter.userHash !== undefined) q = q.where('user_hash', '=', filter.userHash);
    if (filter.protocol !== undefined) q = q.where('protocol', '=', filter.protocol);
    if (filter.race !== undefined) q = q.where('race', '=', filter.race);
    if (filter.contender !== undefined) q = q.where('contender', '=', filter.contender);
    if (filter.team !== undefined) q = q.where('team', '=', filter.team);
    if (filter.visibleTo !== undefined) q = q.where(visibleTo(filter.visibleTo));
    if (filter.since !== undefined) q = q.where('ts', '>=', filter.since);
    if (filter.until !== undefined) q = q.where('ts', '<', filter.until);
    if (!filter.includeShadow) q = q.where('shadow', '=', 0);
    return q;
  }

  /** Per contender of `race`, rows with `ts >= sinceMs`: counts and sums in SQL, percentiles from a bounded sample. */
  async aggregateByContender(race: string, sinceMs: number, opts: AggregateOptions = {}): Promise<ContenderAggregate[]> {
    const shadow = opts.includeShadow ? [0, 1] : [0];
    // Grouped by the arm the race assigned (as the monitor counts): a row a fallback rescued is its assigned arm's
    // failure. Tokens and cost stay with the contender that served and charged, in `served` below.
    const rows = () =>
      this.#db
        .selectFrom('requests')
        .where('race', '=', race)
        .where('ts', '>=', sinceMs)
        .where('shadow', 'in', shadow)
        .where('contender', 'is not', null)
        .$if(opts.team !== undefined, (q) => q.where('team', '=', opts.team!));
    const arms = await rows()
      .groupBy(ARM)
      .select([
        ARM.as('arm'),
        sql<number>`count(*)`.as('n'),
        sql<number>`sum(case when ${FAILED} then 1 else 0 end)`.as('errors'),
        sql<number>`sum(case when outcome = 'cut' and fallback_from is null then 1 else 0 end)`.as('cuts'),
        sql<number>`sum(case when fallback_from is not null then 1 else 0 end)`.as('rescued'),
      ])
      .execute();
    const served = await rows()
      .groupBy('contender')
      .select((eb) => [
        'contender',
        eb.fn.countAll().as('served'),
        eb.fn.sum('prompt_tokens').as('prompt_tokens'),
        eb.fn.sum('completion_tokens').as('completion_tokens'),
        eb.fn.sum('reasoning_tokens').as('reasoning_tokens'),
        eb.fn.sum('cached_tokens').as('cached_tokens'),
        eb.fn.sum('cost_nanos').as('cost_nanos'),
        eb.fn.min('currency').as('currency'),
      ])
      .execute();
    const names = [...new Set([...arms.map((a) => a.arm), ...served.map((s) => s.contender!)])].sort();
    const maxSamples = Math.max(1, Math.trunc(opts.maxSamples ?? 10_000));
    const out: ContenderAggregate[] = [];
    for (const contender of names) {
      const a = arms.find((x) => x.arm === contender);
      const t = served.find((x) => x.contender === contender);
      // Uses the (race, contender, ts) index; the bound keeps a busy contender's scan and sort small. Latency is of
      // the arm's own successes: a rescued row's latency is the fallback's.
      const sample = await this.#db
        .selectFrom('requests')
        .select(['latency_ms', 'ttft_ms'])
        .where('race', '=', race)
        .where('contender', '=', contender)
        .where('ts', '>=', sinceMs)
        .where('shadow', 'in', shadow)
        .where('outcome', '=', 'ok')
        .$if(opts.team !== undefined, (q) => q.where('team', '=', opts.team!))
        .where('fallback_from', 'is', null)
        .orderBy('ts', 'desc')
        .limit(maxSamples)
        .execute();
      out.push({
        contender,
        n: Number(a?.n ?? 0),
        errors: Number(a?.errors ?? 0),
        cuts: Number(a?.cuts ?? 0),
        rescued: Number(a?.rescued ?? 0),
        served: Number(t?.served ?? 0),
        latencyMs: summarize(sample.map((s) => Number(s.latency_ms))),
        ttftMs: summarize(sample.flatMap((s) => (s.ttft_ms === null ? [] : [Number(s.ttft_ms)]))),
        promptTokens: Number(t?.prompt_tokens ?? 0),
        completionTokens: Number(t?.completion_tokens ?? 0),
        reasoningTokens: Number(t?.reasoning_tokens ?? 0),
        cachedTokens: Number(t?.cached_tokens ?? 0),
        costNanos: Number(t?.cost_nanos ?? 0),
        currency: t?.currency ?? null,
      });
    }
    return out;
  }

  /**
   * The cost columns of every row (shadow calls included) in [since, until), oldest first, for spend reports that
   * group by calendar periods in a time zone (which SQL cannot do portably). Only the columns needed are read.
   */
  /**
   * The latest calls whose prompt was both estimated (for a reservation) and billed by the upstream, newest first:
   * what prompt calibration is rebuilt from at start.
   */
  async calibrationRows(since: number, limit = 20_000): Promise<Array<{ contender: string; estimated: number; billed: number }>> {
    const rows = await this.#db
      .selectFrom('requests')
      .select(['contender', 'prompt_estimate', 'prompt_tokens'])
      .where('ts', '>=', since)
      .where('prompt_estimate', '>', 0)
      .where('usage_estimated', '=', 0)
      .where('contender', 'is not', null)
      .orderBy('ts', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ contender: r.contender!, estimated: Number(r.prompt_estimate), billed: Number(r.prompt_tokens) }));
  }

  async spendRows(filter: SpendFilter): Promise<SpendRecord[]> {
    let q = this.#db
      .selectFrom('requests')
      .select(['ts', 'team', 'key_id', 'race', 'contender', 'cost_nanos', 'currency', 'prompt_tokens', 'completion_tokens', 'shadow', 'source'])
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
      source: r.source ?? (Number(r.shadow) === 1 ? 'shadow' : 'gateway'),
    }));
  }

  /**
   * Per contender of `race` and currency, rows with `sinceMs <= ts < untilMs`: counts and first and second moments
   * of log latency, log TTFT and cost, all summed in SQL (see MOMENT_SUMS) so the cost does not grow with a sample.
   * An arm whose rows were charged in two currencies (a rescue by a fallback priced in another) has a row for each:
   * costs are summed in one currency only, the caller converts and adds them.
   */
  async metricMoments(race: string, sinceMs: number, opts: WindowOptions = {}): Promise<ContenderMoments[]> {
    const rows = await this.#servedInWindow(race, sinceMs, opts)
      .groupBy([ARM, 'currency'])
      .select([ARM.as('contender'), ...MOMENT_SELECT])
      .orderBy('contender')
      .execute();
    return rows.map((r) => toMoments(r as unknown as MomentRow));
  }

  /**
   * Start of the earliest served row of `race` assigned to one of `contenders` with `ts >= sinceMs`, or null: when
   * a race's challengers first got traffic (the race monitor's pre-race history ends there).
   */
  async firstServed(race: string, contenders: readonly string[], sinceMs: number): Promise<number | null> {
    const r = await this.#db
      .selectFrom('requests')
      .where('race', '=', race)
      .where('contender', 'in', contenders.length > 0 ? [...contenders] : [''])
      .where('ts', '>=', sinceMs)
      .where('shadow', '=', 0)
      .select(sql<number | null>`min(ts)`.as('first'))
      .executeTakeFirst();
    return r?.first === null || r?.first === undefined ? null : Number(r.first);
  }

  /** `metricMoments` per (arm, user): one row per user of each arm (and currency), and one per arm for the rows without a user. */
  async userMoments(race: string, sinceMs: number, opts: WindowOptions = {}): Promise<UserMoments[]> {
    const rows = await this.#servedInWindow(race, sinceMs, opts)
      .groupBy([ARM, 'user_hash', 'currency'])
      .select([ARM.as('contender'), 'user_hash', ...MOMENT_SELECT])
      .execute();
    return rows.map((r) => toUserMoments(r as unknown as MomentRow & { user_hash: string | null }));
  }

  /**
   * `userMoments` reduced to what the race monitor's per-user sums need (see `UserSums`): what PostgreSQL sends the
   * reading thread each tick, one row per user active in the slice, so each column left out is thousands of
   * values not parsed.
   */
  async userSums(race: string, sinceMs: number, opts: WindowOptions = {}): Promise<UserSums[]> {
    const anonymous = (name: string) => sql<number | null>`case when user_hash is null then ${MOMENT_SUMS.find(([n]) => n === name)![1]} end`.as(name);
    const rows = await this.#servedInWindow(race, sinceMs, opts)
      .groupBy([ARM, 'user_hash', 'currency'])
      .select([
        ARM.as('contender'), 'user_hash', MOMENT_SELECT_BY_NAME.requests,
        sql<number>`sum(case when (${FAILED} and ${SERVED}) or (${OK} and finish_reason = 'length') then 1 else 0 end)`.as('bad'),
        MOMENT_SELECT_BY_NAME.lat_n, MOMENT_SELECT_BY_NAME.lat_sum, MOMENT_SELECT_BY_NAME.ttft_n, MOMENT_SELECT_BY_NAME.ttft_sum,
        MOMENT_SELECT_BY_NAME.cost_n, MOMENT_SELECT_BY_NAME.cost_sum, MOMENT_SELECT_BY_NAME.currency,
        anonymous('lat_sq'), anonymous('ttft_sq'), anonymous('cost_sq'),
      ])
      .execute();
    return rows as unknown as UserSums[];
  }

  /**
   * SQLite only: the served rows of `race` inserted after rowid `afterRow` up to `maxRow`, with `ts >= sinceMs`, one
   * tuple each (see `InsertedRow`), in rowid order: everything a race-monitor tick needs of the rows that arrived
   * since the last, read once for its per-user sums, its per-arm moments and its sample-ratio tally. A prepared
   * statement on the raw connection returning arrays: the rows are read synchronously on the reading thread, and objects
   * built through the query builder cost about twice as much.
   */
  async insertedRows(race: string, sinceMs: number, afterRow: number, maxRow: number, contenders: readonly string[]): Promise<InsertedRow[]> {
    if (this.#dialect !== 'sqlite') throw new Error('reads by insertion order: SQLite only');
    if (maxRow <= afterRow) return [];
    const list = contenders.length > 0 ? [...contenders] : [''];
    if (this.#raw === null) {
      const rows = await sql<Record<string, unknown>>`select ${INSERTED_COLUMNS} from requests not indexed
        where rowid > ${afterRow} and rowid <= ${maxRow} and race = ${race} and ts >= ${sinceMs} and shadow = 0
          and contender is not null and ${armIn(list)} order by rowid`.execute(this.#db);
      return rows.rows.map((r) => Object.values(r) as InsertedRow);
    }
    let stmt = this.#insertedStatements.get(list.length);
    if (!stmt) {
      const marks = list.map(() => '?').join(', ');
      const text = sql`select ${INSERTED_COLUMNS} from requests not indexed
        where rowid > ? and rowid <= ? and race = ? and ts >= ? and shadow = 0 and contender is not null
          and (contender in (${sql.raw(marks)}) or fallback_from in (${sql.raw(marks)})) order by rowid`.compile(this.#db).sql;
      stmt = this.#raw.prepare(text).raw(true);
      this.#insertedStatements.set(list.length, stmt);
    }
    return stmt.all(afterRow, maxRow, race, sinceMs, ...list, ...list) as InsertedRow[];
  }

  /**
   * SQLite only (null on PostgreSQL, where no column follows commit order): the rowid of the newest row. A row is
   * inserted when its request ends, whatever its start time, so the rows after a rowid are exactly the rows that
   * arrived since: the race monitor reads each row once instead of re-reading every row a late one could join.
   * Rowids only grow while rows are only appended (Saima never deletes or vacuums the request log).
   */
  async lastRow(): Promise<number | null> {
    if (this.#dialect !== 'sqlite') return null;
    const r = await sql<{ last: number | null }>`select max(rowid) as last from requests`.execute(this.#db);
    return Number(r.rows[0]?.last ?? 0);
  }

  /**
   * SQLite only: `metricMoments` over the rows inserted after rowid `afterRow` up to `maxRow`, with `ts >= sinceMs`.
   */
  async insertedMoments(race: string, sinceMs: number, afterRow: number, maxRow: number, contenders: readonly string[]): Promise<ContenderMoments[]> {
    const sums = sql.join(MOMENT_SUMS.map(([name, sum]) => sql`${sum} as ${sql.ref(name)}`));
    return (await this.#inserted<MomentRow>(sql`${ARM} as contender, ${sums}`, race, sinceMs, afterRow, maxRow, contenders, sql`group by 1, currency order by 1`)).map(toMoments);
  }

  /**
   * SQLite only: `select columns` over the served rows of `race` inserted after rowid `afterRow` up to `maxRow`, with
   * `ts >= sinceMs` (the conditions of `#servedInWindow`, which the query builder cannot write with `NOT INDEXED`).
   * Read by rowid range, never through an index: the range is the few rows that arrived since the last read.
   */
  async #inserted<R>(columns: RawBuilder<unknown>, race: string, sinceMs: number, afterRow: number, maxRow: number, contenders: readonly string[], tail = sql``): Promise<R[]> {
    if (this.#dialect !== 'sqlite') throw new Error('reads by insertion order: SQLite only');
    if (maxRow <= afterRow) return [];
    const r = await sql<R>`
      select ${columns} from requests not indexed
      where rowid > ${afterRow} and rowid <= ${maxRow} and race = ${race} and ts >= ${sinceMs} and shadow = 0
        and contender is not null and ${armIn(contenders)}
      ${tail}`.execute(this.#db);
    return r.rows;
  }

  /** Served (non-shadow) rows of `race` in [sinceMs, untilMs), of the named arms when given: the monitor's windows. */
  #servedInWindow(race: string, sinceMs: number, opts: WindowOptions) {
    let q = this.#db
      .selectFrom('requests')
      .where('race', '=', race)
      .where('ts', '>=', sinceMs)
      .where('shadow', '=', 0)
      .where('contender', 'is not', null);
    if (opts.contenders) q = q.where(armIn(opts.contenders));
    if (opts.untilMs !== undefined) q = q.where('ts', '<', opts.untilMs);
    if (opts.maxRow !== undefined) q = q.where(sql<number>`rowid`, '<=', opts.maxRow);
    if (opts.ended) {
      const { from, until, longestMs } = opts.ended;
      q = q.where('ts', '>=', from - longestMs).where('ts', '<', until)
        .where(sql<number>`ts + latency_ms`, '>=', from).where(sql<number>`ts + latency_ms`, '<', until);
    }
    return q;
  }

  /**
   * SQLite only: the arm, user hash and start time of served rows of `race` with `ts >= sinceMs`, either every such
   * row up to rowid `upTo` (through the index, streamed: a window of a busy race is a million rows, too many to hold
   * as objects at once) or, with `after`, only those inserted after that rowid (by rowid range). What the race
   * monitor's sample-ratio tally is kept from, a tick's new rows at a time.
   */
  async *assignmentRows(race: string, sinceMs: number, contenders: readonly string[], range: { after?: number; upTo: number }): AsyncGenerator<AssignmentRow> {
    const rows =
      range.after !== undefined
        ? await this.#inserted<AssignmentRow>(sql`${ARM} as contender, user_hash as "userHash", ts`, race, sinceMs, range.after, range.upTo, contenders)
        : this.#servedInWindow(race, sinceMs, { contenders, maxRow: range.upTo }).select([ARM.as('contender'), 'user_hash as userHash', 'ts']).stream();
    for await (const x of rows) yield { contender: x.contender, userHash: x.userHash, ts: Number(x.ts) };
  }

  /** Rows and distinct users per arm of `race` in the window (served rows, any outcome; rescued rows under the assigned arm). */
  async assignmentCounts(race: string, sinceMs: number, opts: WindowOptions = {}): Promise<AssignmentCounts[]> {
    const rows = await this.#servedInWindow(race, sinceMs, opts)
      .groupBy(ARM)
      .select([
        ARM.as('contender'),
        sql<number>`count(*)`.as('rows'),
        sql<number>`count(distinct user_hash)`.as('users'),
        sql<number>`sum(case when user_hash is null then 1 else 0 end)`.as('anonymous'),
      ])
      .orderBy('contender')
      .execute();
    return rows.map((r) => ({ contender: r.contender!, rows: Number(r.rows), users: Number(r.users), anonymous: Number(r.anonymous) }));
  }
}
