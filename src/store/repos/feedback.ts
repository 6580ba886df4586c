/** Feedback on served requests (thumbs, scores), and its per-contender mean for the feedback guardrail. */
import { sql, type Kysely } from 'kysely';
import type { Database, FeedbackTable } from '../schema.js';
import type { FeedbackAggregate, FeedbackFilter, FeedbackRow } from '../types.js';
import { visibleTo } from './visible-to.js';

function toRecord(r: FeedbackRow): FeedbackTable {
  return {
    id: r.id,
    ts: r.ts,
    request_id: r.requestId,
    race: r.race ?? null,
    contender: r.contender ?? null,
    team: r.team ?? null,
    key_id: r.keyId ?? null,
    score: r.score,
    comment: r.comment ?? null,
  };
}

function fromRecord(r: FeedbackTable): FeedbackRow {
  return {
    id: r.id,
    ts: Number(r.ts),
    requestId: r.request_id,
    race: r.race,
    contender: r.contender,
    team: r.team,
    keyId: r.key_id,
    score: Number(r.score),
    comment: r.comment,
  };
}

export class FeedbackRepo {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /**
   * Records a rating: always into the history, and as the request's current rating (replacing an earlier one), in
   * one transaction. Concurrent ratings of one request leave exactly one current row (the unique index decides).
   */
  async insertFeedback(row: FeedbackRow): Promise<void> {
    const rec = toRecord(row);
    await this.#db.transaction().execute(async (tx) => {
      await tx.insertInto('feedback_history').values(rec).execute();
      await tx
        .insertInto('feedback')
        .values(rec)
        .onConflict((oc) =>
          oc.column('request_id').doUpdateSet({ id: rec.id, ts: rec.ts, team: rec.team, key_id: rec.key_id, score: rec.score, comment: rec.comment }),
        )
        .execute();
    });
  }

  /** Every rating given to a request, oldest first (the current one is the last). */
  async history(requestId: string): Promise<FeedbackRow[]> {
    const recs = await this.#db.selectFrom('feedback_history').selectAll().where('request_id', '=', requestId).orderBy('ts').orderBy('id').execute();
    return recs.map(fromRecord);
  }

  /** Newest first; `limit` defaults to 100 and is capped at 10 000. */
  async listFeedback(filter: FeedbackFilter = {}): Promise<FeedbackRow[]> {
    let q = this.#db.selectFrom('feedback').selectAll();
    if (filter.race !== undefined) q = q.where('race', '=', filter.race);
    if (filter.contender !== undefined) q = q.where('contender', '=', filter.contender);
    if (filter.requestId !== undefined) q = q.where('request_id', '=', filter.requestId);
    // Filters apply before the limit: a team must see its own newest rows even when other teams wrote more.
    if (filter.team !== undefined) q = q.where('team', '=', filter.team);
    if (filter.visibleTo !== undefined) q = q.where(visibleTo(filter.visibleTo));
    if (filter.since !== undefined) q = q.where('ts', '>=', filter.since);
    if (filter.until !== undefined) q = q.where('ts', '<', filter.until);
    const limit = Math.min(Math.max(1, Math.trunc(filter.limit ?? 100)), 10_000);
    const recs = await q.orderBy('ts', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return recs.map(fromRecord);
  }

  /** `team` narrows it to one team's feedback (what a non-admin key may see). */
  async aggregateByContender(race: string, sinceMs: number, team?: string): Promise<FeedbackAggregate[]> {
    const rows = await this.#db
      .selectFrom('feedback')
      .where('race', '=', race)
      .where('ts', '>=', sinceMs)
      .where('contender', 'is not', null)
      .$if(team !== undefined, (q) => q.where('team', '=', team!))
      .groupBy('contender')
      .select((eb) => [
        'contender',
        eb.fn.countAll().as('n'),
        eb.fn.sum('score').as('sum'),
        eb.fn.sum(eb.case().when('score', '>', 0).then(1).else(0).end()).as('positive'),
        eb.fn.sum(eb.case().when('score', '<', 0).then(1).else(0).end()).as('negative'),
      ])
      .orderBy('contender')
      .execute();
    return rows.map((r) => ({
      contender: r.contender!,
      n: Number(r.n),
      mean: Number(r.sum) / Number(r.n),
      positive: Number(r.positive),
      negative: Number(r.negative),
    }));
  }

  /**
   * Per contender of `race`, feedback given with `sinceMs <= ts < untilMs`: count, Σ score and Σ score², for the
   * race monitor's always-valid test on the mean score.
   */
  async metricMoments(
    race: string, sinceMs: number, opts: { untilMs?: number; contenders?: readonly string[] } = {},
  ): Promise<Array<{ contender: string; n: number; sum: number; sumSquares: number }>> {
    let q = this.#db.selectFrom('feedback').where('race', '=', race).where('ts', '>=', sinceMs).where('contender', 'is not', null);
    if (opts.contenders) q = q.where('contender', 'in', opts.contenders.length > 0 ? [...opts.contenders] : ['']);
    if (opts.untilMs !== undefined) q = q.where('ts', '<', opts.untilMs);
    const rows = await q
      .groupBy('contender')
      .select(['contender', sql<number>`count(*)`.as('n'), sql<number>`sum(score)`.as('sum'), sql<number>`sum(score * score)`.as('sq')])
      .orderBy('contender')
      .execute();
    return rows.map((r) => ({ contender: r.contender!, n: Number(r.n), sum: Number(r.sum), sumSquares: Number(r.sq) }));
  }

  /**
   * `metricMoments` per (contender, user of the rated request): the race monitor tests feedback with users as
   * units. Feedback on a request without a user (or whose request row is not there) comes back under
   * `userHash` null, its squares per rating, each rating its own unit.
   */
  async userMoments(
    race: string, sinceMs: number, opts: { untilMs?: number; contenders?: readonly string[] } = {},
  ): Promise<Array<{ contender: string; userHash: string | null; n: number; sum: number; sumSquares: number }>> {
    let q = this.#db
      .selectFrom('feedback as f')
      .leftJoin('requests as r', 'r.id', 'f.request_id')
      .where('f.race', '=', race)
      .where('f.ts', '>=', sinceMs)
      .where('f.contender', 'is not', null);
    if (opts.contenders) q = q.where('f.contender', 'in', opts.contenders.length > 0 ? [...opts.contenders] : ['']);
    if (opts.untilMs !== undefined) q = q.where('f.ts', '<', opts.untilMs);
    const rows = await q
      .groupBy(['f.contender', 'r.user_hash'])
      .select(['f.contender', 'r.user_hash', sql<number>`count(*)`.as('n'), sql<number>`sum(f.score)`.as('sum'), sql<number>`sum(f.score * f.score)`.as('sq')])
      .execute();
    return rows.map((r) => ({ contender: r.contender!, userHash: r.user_hash ?? null, n: Number(r.n), sum: Number(r.sum), sumSquares: Number(r.sq) }));
  }
}
