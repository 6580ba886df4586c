/**
 * Arena battles and pending blind matches. Battles are append-only: nothing here updates or deletes one, so a
 * retired contender keeps its history and best-of-N selection stays visible. A vote claims its match and writes
 * its battle in one transaction, so a match yields at most one battle even when two votes race.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { ArenaMatchesTable, BattlesTable, Database } from '../schema.js';

export type BattleWinner = 'a' | 'b' | 'tie' | 'tie_bothbad';
export type BattleSource = 'human' | 'judge' | 'shadow_judge';
export const BATTLE_WINNERS: readonly BattleWinner[] = ['a', 'b', 'tie', 'tie_bothbad'];
export const BATTLE_SOURCES: readonly BattleSource[] = ['human', 'judge', 'shadow_judge'];

/** Style counts of one answer: the covariates of style control (FastChat `add_markdown_info.py`). */
export interface StyleCounts {
  tokens: number;
  headers: number;
  lists: number;
  bold: number;
}

export interface BattleRecord {
  id: string;
  ts: number;
  race: string | null;
  promptHash: string;
  /** Only when the race captures text. */
  prompt: string | null;
  contenderA: string;
  contenderB: string;
  answerA: string | null;
  answerB: string | null;
  /** Null for a judgement that produced no verdict; `error` then says why. Such rows are never rated. */
  winner: BattleWinner | null;
  error: string | null;
  source: BattleSource;
  /** A key id for human votes, the judge contender for judged battles. */
  voter: string | null;
  team: string | null;
  tags: string[];
  language: string | null;
  styleA: StyleCounts | null;
  styleB: StyleCounts | null;
  details: unknown;
}

export interface BattleFilter {
  /** Battles recorded for this race. */
  race?: string;
  /** Battles whose two contenders are both in this set. */
  contenders?: readonly string[];
  tag?: string;
  language?: string;
  sources?: readonly BattleSource[];
  /** Battles recorded by this team. */
  team?: string;
  since?: number;
  until?: number;
}

/** Decided battles per ordered pair and outcome: the sufficient statistics of plain Bradley–Terry. */
export interface PairOutcomeCount {
  contenderA: string;
  contenderB: string;
  winner: BattleWinner;
  n: number;
}

export interface StyledBattle {
  contenderA: string;
  contenderB: string;
  winner: BattleWinner;
  styleA: StyleCounts;
  styleB: StyleCounts;
}

export interface ArenaMatchRecord {
  id: string;
  ts: number;
  race: string;
  /** In the order shown: answer A came from contenderA. */
  contenderA: string;
  contenderB: string;
  promptHash: string;
  prompt: string | null;
  answerA: string | null;
  answerB: string | null;
  styleA: StyleCounts | null;
  styleB: StyleCounts | null;
  tags: string[];
  language: string | null;
  team: string | null;
  keyId: string | null;
  votedAt: number | null;
  battleId: string | null;
}

/**
 * Battles whose rows are their key fields alone (no text, answers, style, tags, team, error or details; a verdict),
 * as columns: `LEAN_FIELDS` strings a battle in `fields`, in the order id, ts (decimal), prompt hash, contender a,
 * contender b, winner, voter, language ('' for none); race and source are the run's. An import hands a million of
 * them over without a record object each.
 */
export interface LeanBattles {
  race: string | null;
  source: BattleSource;
  count: number;
  fields: readonly string[];
}
export const LEAN_FIELDS = 8;

/** What `importAll` takes: records, or lean battles as columns. */
export type BattleBatch = readonly BattleRecord[] | LeanBattles;

const isLeanBatch = (b: BattleBatch): b is LeanBattles => !Array.isArray(b);
export const batchSize = (b: BattleBatch): number => (isLeanBatch(b) ? b.count : b.length);

/** Lean battles as records (for the PostgreSQL import). */
function leanRecords(l: LeanBattles): BattleRecord[] {
  const f = l.fields;
  const out = new Array<BattleRecord>(l.count);
  for (let k = 0, i = 0; k < l.count; k++, i += LEAN_FIELDS) {
    out[k] = {
      id: f[i]!, ts: Number(f[i + 1]), race: l.race, promptHash: f[i + 2]!, prompt: null, contenderA: f[i + 3]!, contenderB: f[i + 4]!,
      answerA: null, answerB: null, winner: f[i + 5] as BattleWinner, error: null, source: l.source, voter: f[i + 6]!,
      team: null, tags: [], language: f[i + 7] === '' ? null : f[i + 7]!, styleA: null, styleB: null, details: null,
    };
  }
  return out;
}

/** Lean rows per INSERT statement on SQLite: per-statement overhead dominates a row's cost below about 16. */
const LEAN_ROWS_PER_INSERT = 32;

/** 20 columns × 500 rows stays under SQLite's 32 766 and PostgreSQL's 65 535 bind parameters. */
const ROWS_PER_INSERT = 500;
const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));
const parse = <T>(v: string | null): T | null => (v === null ? null : (JSON.parse(v) as T));

const toBattleRecord = (b: BattleRecord): BattlesTable => ({
  id: b.id,
  ts: b.ts,
  race: b.race,
  prompt_hash: b.promptHash,
  prompt: b.prompt,
  contender_a: b.contenderA,
  contender_b: b.contenderB,
  answer_a: b.answerA,
  answer_b: b.answerB,
  winner: b.winner,
  error: b.error,
  source: b.source,
  voter: b.voter,
  team: b.team,
  tags: JSON.stringify(b.tags),
  language: b.language,
  style_a: json(b.styleA),
  style_b: json(b.styleB),
  details: json(b.details),
});

const fromBattleRecord = (r: BattlesTable): BattleRecord => ({
  id: r.id,
  ts: Number(r.ts),
  race: r.race,
  promptHash: r.prompt_hash,
  prompt: r.prompt,
  contenderA: r.contender_a,
  contenderB: r.contender_b,
  answerA: r.answer_a,
  answerB: r.answer_b,
  winner: r.winner as BattleWinner | null,
  error: r.error,
  source: r.source as BattleSource,
  voter: r.voter,
  team: r.team,
  tags: JSON.parse(r.tags) as string[],
  language: r.language,
  styleA: parse<StyleCounts>(r.style_a),
  styleB: parse<StyleCounts>(r.style_b),
  details: parse<unknown>(r.details),
});

const toMatchRecord = (m: ArenaMatchRecord): ArenaMatchesTable => ({
  id: m.id,
  ts: m.ts,
  race: m.race,
  contender_a: m.contenderA,
  contender_b: m.contenderB,
  prompt_hash: m.promptHash,
  prompt: m.prompt,
  answer_a: m.answerA,
  answer_b: m.answerB,
  style_a: json(m.styleA),
  style_b: json(m.styleB),
  tags: JSON.stringify(m.tags),
  language: m.language,
  team: m.team,
  key_id: m.keyId,
  voted_at: m.votedAt,
  battle_id: m.battleId,
});

const fromMatchRecord = (r: ArenaMatchesTable): ArenaMatchRecord => ({
  id: r.id,
  ts: Number(r.ts),
  race: r.race,
  contenderA: r.contender_a,
  contenderB: r.contender_b,
  promptHash: r.prompt_hash,
  prompt: r.prompt,
  answerA: r.answer_a,
  answerB: r.answer_b,
  styleA: parse<StyleCounts>(r.style_a),
  styleB: parse<StyleCounts>(r.style_b),
  tags: JSON.parse(r.tags) as string[],
  language: r.language,
  team: r.team,
  keyId: r.key_id,
  votedAt: r.voted_at === null ? null : Number(r.voted_at),
  battleId: r.battle_id,
});

/** A battle whose row is its key fields alone (every other column null, no tags). */
const isLean = (b: BattleRecord): boolean =>
  b.prompt === null && b.answerA === null && b.answerB === null && b.error === null && b.team === null && b.styleA === null && b.styleB === null && b.tags.length === 0 && (b.details === null || b.details === undefined);

export class BattlesRepo {
  readonly #db: Kysely<Database>;
  /** The raw SQLite connection behind `#db`, for the bulk import; null on PostgreSQL. */
  readonly #raw: BetterSqlite3.Database | null;

  constructor(db: Kysely<Database>, raw: BetterSqlite3.Database | null = null) {
    this.#db = db;
    this.#raw = raw;
  }

  /** Appends battles (and their tags) in one transaction. */
  /**
   * Imports a stream of battles as one transaction and as a set: a battle whose id is already stored is skipped
   * (ids of imported battles are their identity), and if the stream throws, nothing of it stays. Batches are
   * written as they arrive, so memory does not grow with the stream. On SQLite the rows go through one prepared
   * statement on the raw connection (measured several times faster than building multi-row inserts); the caller
   * must not use the store for anything else until the promise settles.
   */
  async importAll(batches: AsyncIterable<BattleBatch>, opts: { expected?: number } = {}): Promise<{ inserted: number; present: number }> {
    return this.#raw ? this.#importSqlite(this.#raw, batches, opts.expected ?? 0) : this.#importKysely(batches);
  }

  async #importSqlite(raw: BetterSqlite3.Database, batches: AsyncIterable<BattleBatch>, expected: number): Promise<{ inserted: number; present: number }> {
    const cols = ['id', 'ts', 'race', 'prompt_hash', 'prompt', 'contender_a', 'contender_b', 'answer_a', 'answer_b', 'winner', 'error', 'source', 'voter', 'team', 'tags', 'language', 'style_a', 'style_b', 'details'] as const;
    const insert = raw.prepare(`INSERT INTO battles (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')}) ON CONFLICT (id) DO NOTHING`);
    // Most imported battles carry no text, answers, style or tags: a statement that binds only the columns they
    // fill costs about half as much per row as binding all nineteen, and one that inserts many rows at once saves
    // the per-statement cost (`changes` counts the rows it added: the others were already stored). Race and source
    // are the run's, bound once a statement: binding a value (a call into the driver, a copy of the string) is
    // about half of what a row costs, the rest SQLite's record and two B-tree inserts.
    const leanRow = "(?, ?, @race, ?, ?, ?, ?, @source, ?, '[]', ?)";
    const leanSql = (rows: number) =>
      `INSERT INTO battles (id, ts, race, prompt_hash, contender_a, contender_b, winner, source, voter, tags, language) VALUES ${new Array<string>(rows).fill(leanRow).join(', ')} ON CONFLICT (id) DO NOTHING`;
    const lean = raw.prepare(leanSql(1));
    const leanMany = raw.prepare(leanSql(LEAN_ROWS_PER_INSERT));
    const params = new Array<string | number | null>(LEAN_ROWS_PER_INSERT * LEAN_FIELDS);
    const tag = raw.prepare('INSERT INTO battle_tags (battle_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING');
    let inserted = 0;
    let present = 0;
    // Plain statements inside the one outer transaction: a savepoint per batch would only add page copies, since a
    // failure anywhere rolls the whole import back.
    const writeRecords = (rows: readonly BattleRecord[]) => {
      for (const b of rows) {
        if (isLean(b)) {
          if (lean.run(b.id, b.ts, b.promptHash, b.contenderA, b.contenderB, b.winner, b.voter, b.language, { race: b.race, source: b.source }).changes === 0) present++;
          else inserted++;
          continue;
        }
        const r = toBattleRecord(b);
        if (insert.run(r.id, r.ts, r.race, r.prompt_hash, r.prompt, r.contender_a, r.contender_b, r.answer_a, r.answer_b, r.winner, r.error, r.source, r.voter, r.team, r.tags, r.language, r.style_a, r.style_b, r.details).changes === 0) {
          present++;
          continue;
        }
        inserted++;
        for (const t of new Set(b.tags)) tag.run(b.id, t);
      }
    };
    const writeLean = ({ race, source, count, fields: f }: LeanBattles) => {
      const run = { race, source };
      let k = 0;
      for (; k + LEAN_ROWS_PER_INSERT <= count; k += LEAN_ROWS_PER_INSERT) {
        for (let j = 0, i = k * LEAN_FIELDS, p = 0; j < LEAN_ROWS_PER_INSERT; j++, i += LEAN_FIELDS) {
          params[p++] = f[i]!;
          params[p++] = Number(f[i + 1]);
          params[p++] = f[i + 2]!;
          params[p++] = f[i + 3]!;
          params[p++] = f[i + 4]!;
          params[p++] = f[i + 5]!;
          params[p++] = f[i + 6]!;
          params[p++] = f[i + 7] === '' ? null : f[i + 7]!;
        }
        const added = leanMany.run(params, run).changes;
        inserted += added;
        present += LEAN_ROWS_PER_INSERT - added;
      }
      for (let i = k * LEAN_FIELDS; k < count; k++, i += LEAN_FIELDS) {
        if (lean.run(f[i], Number(f[i + 1]), f[i + 2], f[i + 3], f[i + 4], f[i + 5], f[i + 6], f[i + 7] === '' ? null : f[i + 7], run).changes === 0) present++;
        else inserted++;
      }
    };
    // A bigger page cache for the import's writes (bounded: 128 MB), restored after, as are the sorter's threads.
    const cacheSize = raw.pragma('cache_size', { simple: true }) as number;
    const threads = raw.pragma('threads', { simple: true }) as number;
    raw.pragma('cache_size = -131072');
    raw.exec('BEGIN IMMEDIATE');
    try {
      // A large import into a smaller table: updating the secondary indexes row by row touches a page per group of
      // (pair, outcome, language) and outgrows any cache, while building them afterwards is one sort each. Their
      // definitions come from the schema itself; dropped and rebuilt inside the transaction, so readers (WAL) keep
      // seeing the old table with its indexes and a failed import leaves them untouched.
      const rows = (raw.prepare('SELECT max(rowid) AS n FROM battles').get() as { n: number | null }).n ?? 0;
      const large = expected >= 50_000 && expected >= rows;
      let dropped: Array<{ name: string; sql: string }> = [];
      for await (const batch of batches) {
        // Dropped only once the import proves to add many rows: a re-import of what is stored never rebuilds.
        if (large && dropped.length === 0 && inserted >= 10_000) {
          dropped = raw.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'battles' AND sql IS NOT NULL").all() as Array<{ name: string; sql: string }>;
          for (const ix of dropped) raw.exec(`DROP INDEX "${ix.name.replace(/"/g, '""')}"`);
        }
        if (isLeanBatch(batch)) writeLean(batch);
        else writeRecords(batch);
      }
      if (dropped.length) {
        // Each index is one sort. With a sorter run small enough to spill (8 MB), SQLite sorts the runs on a
        // helper thread while this one scans the table: the core the reading thread used is free by now.
        raw.pragma('threads = 1');
        raw.pragma('cache_size = -8192');
        for (const ix of dropped) raw.exec(ix.sql);
      }
      raw.exec('COMMIT');
    } catch (err) {
      if (raw.inTransaction) raw.exec('ROLLBACK');
      throw err;
    } finally {
      raw.pragma(`threads = ${threads}`);
      raw.pragma(`cache_size = ${cacheSize}`);
    }
    return { inserted, present };
  }

  async #importKysely(batches: AsyncIterable<BattleBatch>): Promise<{ inserted: number; present: number }> {
    return this.#db.transaction().execute(async (trx) => {
      let inserted = 0;
      let seen = 0;
      for await (const given of batches) {
        const batch = isLeanBatch(given) ? leanRecords(given) : given;
        seen += batch.length;
        for (let i = 0; i < batch.length; i += ROWS_PER_INSERT) {
          const chunk = batch.slice(i, i + ROWS_PER_INSERT);
          const rows = await trx.insertInto('battles').values(chunk.map(toBattleRecord)).onConflict((oc) => oc.column('id').doNothing()).returning('id').execute();
          inserted += rows.length;
          const fresh = new Set(rows.map((r) => r.id));
          const tags = chunk.filter((b) => fresh.has(b.id)).flatMap((b) => [...new Set(b.tags)].map((tag) => ({ battle_id: b.id, tag })));
          for (let j = 0; j < tags.length; j += 4 * ROWS_PER_INSERT) {
            await trx.insertInto('battle_tags').values(tags.slice(j, j + 4 * ROWS_PER_INSERT)).onConflict((oc) => oc.columns(['battle_id', 'tag']).doNothing()).execute();
          }
        }
      }
      return { inserted, present: seen - inserted };
    });
  }

  async insert(battles: readonly BattleRecord[]): Promise<void> {
    if (battles.length === 0) return;
    await this.#db.transaction().execute(async (trx) => {
      for (let i = 0; i < battles.length; i += ROWS_PER_INSERT) {
        const chunk = battles.slice(i, i + ROWS_PER_INSERT);
        await trx.insertInto('battles').values(chunk.map(toBattleRecord)).execute();
        const tags = chunk.flatMap((b) => [...new Set(b.tags)].map((tag) => ({ battle_id: b.id, tag })));
        for (let j = 0; j < tags.length; j += 4 * ROWS_PER_INSERT) {
          await trx.insertInto('battle_tags').values(tags.slice(j, j + 4 * ROWS_PER_INSERT)).execute();
        }
      }
    });
  }

  async get(id: string): Promise<BattleRecord | null> {
    const r = await this.#db.selectFrom('battles').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? fromBattleRecord(r) : null;
  }

  /** Newest first, errors included; `limit` defaults to 100 and is capped at 10 000. */
  async list(filter: BattleFilter & { limit?: number } = {}): Promise<BattleRecord[]> {
    const limit = Math.min(Math.max(1, Math.trunc(filter.limit ?? 100)), 10_000);
    const recs = await this.#filtered(this.#db.selectFrom('battles').selectAll(), filter).orderBy('ts', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return recs.map(fromBattleRecord);
  }

  /** Decided battles grouped by (contender a, contender b, winner): all a plain Bradley–Terry fit needs. */
  async pairCounts(filter: BattleFilter = {}): Promise<PairOutcomeCount[]> {
    const rows = await this.#filtered(this.#db.selectFrom('battles'), filter)
      .where('winner', 'is not', null)
      .groupBy(['contender_a', 'contender_b', 'winner'])
      .select((eb) => ['contender_a', 'contender_b', 'winner', eb.fn.countAll().as('n')])
      .execute();
    return rows.map((r) => ({ contenderA: r.contender_a, contenderB: r.contender_b, winner: r.winner as BattleWinner, n: Number(r.n) }));
  }

  /** Decided battles that carry style counts on both sides, one row per battle (style control cannot aggregate). */
  async styled(filter: BattleFilter = {}): Promise<StyledBattle[]> {
    const rows = await this.#filtered(this.#db.selectFrom('battles'), filter)
      .where('winner', 'is not', null)
      .where('style_a', 'is not', null)
      .where('style_b', 'is not', null)
      .select(['contender_a', 'contender_b', 'winner', 'style_a', 'style_b'])
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      contenderA: r.contender_a,
      contenderB: r.contender_b,
      winner: r.winner as BattleWinner,
      styleA: JSON.parse(r.style_a!) as StyleCounts,
      styleB: JSON.parse(r.style_b!) as StyleCounts,
    }));
  }

  /** Judgements without a verdict under the filter. */
  async countErrors(filter: BattleFilter = {}): Promise<number> {
    const r = await this.#filtered(this.#db.selectFrom('battles'), filter)
      .where('winner', 'is', null)
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  /** Every contender named by a battle (either side) under the filter, sorted. */
  async contenders(filter: BattleFilter = {}): Promise<string[]> {
    const [a, b] = await Promise.all([
      this.#filtered(this.#db.selectFrom('battles'), filter).select('contender_a as name').distinct().execute(),
      this.#filtered(this.#db.selectFrom('battles'), filter).select('contender_b as name').distinct().execute(),
    ]);
    return [...new Set([...a, ...b].map((r) => r.name))].sort();
  }

  async createMatch(m: ArenaMatchRecord): Promise<void> {
    await this.#db.insertInto('arena_matches').values(toMatchRecord(m)).execute();
  }

  /** Deletes matches created before `before` (voted ones too: their battle keeps what they held). Returns how many. */
  async purgeMatches(before: number): Promise<number> {
    const r = await this.#db.deleteFrom('arena_matches').where('ts', '<', before).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async getMatch(id: string): Promise<ArenaMatchRecord | null> {
    const r = await this.#db.selectFrom('arena_matches').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? fromMatchRecord(r) : null;
  }

  /**
   * Claims an unvoted match and appends its battle, atomically: `voted` when the match already has its vote
   * (nothing written), `missing` when there is no such match.
   */
  async voteMatch(matchId: string, battle: BattleRecord): Promise<'ok' | 'voted' | 'missing'> {
    return this.#db.transaction().execute(async (trx) => {
      const claimed = await trx
        .updateTable('arena_matches')
        .set({ voted_at: battle.ts, battle_id: battle.id })
        .where('id', '=', matchId)
        .where('voted_at', 'is', null)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 0) {
        const exists = await trx.selectFrom('arena_matches').select('id').where('id', '=', matchId).executeTakeFirst();
        return exists ? 'voted' : 'missing';
      }
      await trx.insertInto('battles').values(toBattleRecord(battle)).execute();
      const tags = [...new Set(battle.tags)].map((tag) => ({ battle_id: battle.id, tag }));
      if (tags.length) await trx.insertInto('battle_tags').values(tags).execute();
      return 'ok';
    });
  }

  #filtered<O>(q: SelectQueryBuilder<Database, 'battles', O>, f: BattleFilter): SelectQueryBuilder<Database, 'battles', O> {
    if (f.race !== undefined) q = q.where('race', '=', f.race);
    if (f.contenders !== undefined) {
      // An empty set matches nothing; `in ()` is not valid SQL.
      const names = f.contenders.length ? [...f.contenders] : [''];
      q = q.where('contender_a', 'in', names).where('contender_b', 'in', names);
    }
    if (f.language !== undefined) q = q.where('language', '=', f.language);
    if (f.sources !== undefined) q = q.where('source', 'in', f.sources.length ? [...f.sources] : ['']);
    if (f.team !== undefined) q = q.where('team', '=', f.team);
    if (f.since !== undefined) q = q.where('ts', '>=', f.since);
    if (f.until !== undefined) q = q.where('ts', '<', f.until);
    if (f.tag !== undefined) {
      // Driven from the tag index: the tagged battles' ids, then primary-key lookups (a correlated EXISTS would
      // probe the tag table once per battle).
      const tag = f.tag;
      q = q.where('battles.id', 'in', (eb) => eb.selectFrom('battle_tags').select('battle_tags.battle_id').where('battle_tags.tag', '=', tag));
    }
    return q;
  }
}
