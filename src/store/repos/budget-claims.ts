/**
 * Budget claims: a call made by another process than the gateway (an eval run, a gate, an arena judging run) asks
 * for its reservation here, in the admissions table beside the gateway's journal entries. While a gateway arbitrates
 * (its heartbeat in `gateway_heartbeats` seen lately), it decides each pending claim against its live budgets; with none, the claimant
 * decides in one serialised transaction from the log and the open holds (see metering/claimed-budget.ts).
 */
import type BetterSqlite3 from 'better-sqlite3';
import { sql, type Kysely, type Transaction } from 'kysely';
import { AdmissionFile } from '../admission-file.js';
import type { AdmissionsTable, Database } from '../schema.js';
import type { Dialect } from '../types.js';

export type ClaimState = 'pending' | 'granted' | 'refused' | 'settled';

export interface Claim {
  id: string;
  ts: number;
  expiresAt: number;
  owner: string;
  state: ClaimState;
  source: string;
  team: string | null;
  keyId: string | null;
  race: string | null;
  contender: string;
  reservedNanos: number;
  currency: string;
  settledNanos: number | null;
}

export class BudgetClaimsRepo {
  readonly #db: Kysely<Database>;
  /** SQLite's `PRAGMA data_version` on the connection the claims are read through (null: not SQLite). */
  readonly #dataVersion: BetterSqlite3.Statement | null;
  /**
   * Claim writes made through this repo. A claimant in this process shares the gateway's connection, whose own
   * commits `data_version` does not count, so they are counted here.
   */
  #writes = 0;
  /** What `all()` last read against: the data version and the count of writes, or null (nothing to compare with). */
  #readAt: { version: number; writes: number } | null = null;

  constructor(
    db: Kysely<Database>,
    readonly dialect: Dialect,
    /** SQLite file: the gateway keeps its journal in a file beside it (admission-file.ts); its open entries are holds. */
    readonly databaseFile: string | null = null,
    /** SQLite: the connection `db` runs on, to tell whether another connection has committed since the last read. */
    raw: BetterSqlite3.Database | null = null,
  ) {
    this.#db = db;
    this.#dataVersion = raw ? raw.prepare('PRAGMA data_version').pluck() : null;
  }

  /**
   * True only when no claim can have changed since the last `all()`: no other connection has committed to the
   * database (SQLite's data_version, read before that `all()`) and no claim was written through this repo. False
   * whenever it cannot tell (PostgreSQL, no read yet). A gateway's arbiter then skips reading claims that are the
   * same as it last applied (twenty reads a second otherwise, on an idle gateway too).
   */
  unchangedSinceRead(): boolean {
    const at = this.#readAt;
    return at !== null && this.#dataVersion !== null && at.writes === this.#writes && (this.#dataVersion.get() as number) === at.version;
  }

  /**
   * A gateway says it lives. Serialised with `claimAlone` (SQLite: both write; PostgreSQL: the same advisory lock),
   * so a claimant deciding alone either sees this beat and defers to the gateway, or committed its grant before
   * it, where the gateway's next read of the claims finds it.
   */
  async beat(id: string, now?: number): Promise<void> {
    if (this.dialect === 'postgres') {
      await this.#db.transaction().execute(async (trx) => {
        await sql`select pg_advisory_xact_lock(${CLAIM_LOCK})`.execute(trx);
        const at = now ?? (await clockOf(trx, this.dialect));
        await trx.insertInto('gateway_heartbeats').values({ id, seen_at: at }).onConflict((oc) => oc.column('id').doUpdateSet({ seen_at: at })).execute();
      });
      return;
    }
    const at = now ?? Date.now();
    await this.#db.insertInto('gateway_heartbeats').values({ id, seen_at: at }).onConflict((oc) => oc.column('id').doUpdateSet({ seen_at: at })).execute();
  }

  async retire(id: string): Promise<void> {
    await this.#db.deleteFrom('gateway_heartbeats').where('id', '=', id).execute();
  }

  /** When a gateway last said it lives, or null. */
  async gatewaySeen(): Promise<number | null> {
    const r = await this.#db.selectFrom('gateway_heartbeats').select((eb) => eb.fn.max('seen_at').as('seen')).executeTakeFirst();
    return r?.seen === null || r?.seen === undefined ? null : Number(r.seen);
  }

  async insert(c: Omit<Claim, 'settledNanos'>): Promise<void> {
    this.#writes++;
    await this.#db.insertInto('admissions').values(toRow(c)).execute();
  }

  async get(id: string): Promise<Claim | null> {
    const r = await this.#db.selectFrom('admissions').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? fromRow(r) : null;
  }

  /** Every claim (journal entries excluded), oldest first. */
  async all(): Promise<Claim[]> {
    // Read before the claims: a commit by another connection after this reading makes the next comparison differ.
    const at = this.#dataVersion ? { version: this.#dataVersion.get() as number, writes: this.#writes } : null;
    const rows = await this.#db.selectFrom('admissions').selectAll().where('state', 'is not', null).orderBy('ts').execute();
    this.#readAt = at;
    return rows.map(fromRow);
  }

  /** The database's clock (epoch ms): one clock for every replica's heartbeat, whatever their hosts' clocks say. */
  async clock(): Promise<number> {
    return clockOf(this.#db, this.dialect);
  }

  /** Gateways and when each last said it lives. */
  async heartbeats(): Promise<Map<string, number>> {
    return new Map((await this.#db.selectFrom('gateway_heartbeats').selectAll().execute()).map((r) => [r.id, Number(r.seen_at)]));
  }

  /** Decides a pending claim; false when it was no longer pending (someone else decided first). */
  async decide(id: string, state: 'granted' | 'refused'): Promise<boolean> {
    this.#writes++;
    const r = await this.#db.updateTable('admissions').set({ state }).where('id', '=', id).where('state', '=', 'pending').executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async settle(id: string, nanos: number): Promise<void> {
    this.#writes++;
    await this.#db.updateTable('admissions').set({ state: 'settled', settled_nanos: nanos }).where('id', '=', id).execute();
  }

  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    this.#writes++;
    await this.#db.deleteFrom('admissions').where('id', 'in', ids).execute();
  }

  /**
   * Writes `c` and decides it in one transaction that no other claimant's, and no gateway's beat, runs beside
   * (SQLite: the first statement is a write, so the transaction holds the write lock; PostgreSQL: a
   * transaction-scoped advisory lock, which `beat` takes too). A gateway that beat within `staleMs` decides:
   * `arbitrated`, nothing written. Else `fits` reads the log and the open holds (journal entries, pending and granted
   * claims) through the transaction; the claim is kept as granted when it fits, else removed.
   */
  async claimAlone(
    c: Omit<Claim, 'settledNanos' | 'state'>, staleMs: number, fits: (trx: Transaction<Database>, open: Claim[]) => Promise<boolean>,
  ): Promise<'granted' | 'refused' | 'arbitrated'> {
    this.#writes++;
    return this.#db.transaction().execute(async (trx) => {
      if (this.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${CLAIM_LOCK})`.execute(trx);
      await trx.insertInto('admissions').values(toRow({ ...c, state: 'pending' })).execute();
      const seen = await trx.selectFrom('gateway_heartbeats').select((eb) => eb.fn.max('seen_at').as('seen')).executeTakeFirst();
      if (seen?.seen !== null && seen?.seen !== undefined && (await clockOf(trx, this.dialect)) - Number(seen.seen) < staleMs) {
        await trx.deleteFrom('admissions').where('id', '=', c.id).execute();
        return 'arbitrated';
      }
      const open = (
        await trx.selectFrom('admissions').selectAll().where('id', '!=', c.id)
          .where((eb) => eb.or([eb('state', 'is', null), eb('state', 'in', ['pending', 'granted'])]))
          .execute()
      ).map(fromRow);
      // Read inside the transaction, which holds the write lock: the gateway writes an entry before its call goes
      // upstream, and lets a call go without a fresh beat only within its lease, shorter than `staleMs`.
      if (this.databaseFile) for (const e of AdmissionFile.read(this.databaseFile)) open.push(fromRow(e));
      const ok = await fits(trx, open);
      if (ok) await trx.updateTable('admissions').set({ state: 'granted' }).where('id', '=', c.id).execute();
      else await trx.deleteFrom('admissions').where('id', '=', c.id).execute();
      return ok ? 'granted' : 'refused';
    });
  }
}

/** The advisory lock (PostgreSQL) that serialises claims decided alone with gateways' beats. */
const CLAIM_LOCK = 5810431;

async function clockOf(db: Kysely<Database>, dialect: Dialect): Promise<number> {
  if (dialect === 'sqlite') return Date.now();
  const r = await sql<{ ms: string }>`select (extract(epoch from clock_timestamp()) * 1000)::bigint as ms`.execute(db);
  return Number(r.rows[0]!.ms);
}

function toRow(c: Omit<Claim, 'settledNanos'>): AdmissionsTable {
  return {
    id: c.id, ts: c.ts, expires_at: c.expiresAt, team: c.team, key_id: c.keyId, race: c.race, contender: c.contender, upstream_model: null,
    reserved_nanos: c.reservedNanos, currency: c.currency, owner: c.owner, state: c.state, source: c.source,
  };
}

/** Journal entries (no state) read as granted gateway holds. */
function fromRow(r: AdmissionsTable): Claim {
  return {
    id: r.id, ts: Number(r.ts), expiresAt: Number(r.expires_at), owner: r.owner ?? 'gateway', state: (r.state ?? 'granted') as ClaimState,
    source: r.source ?? 'gateway', team: r.team, keyId: r.key_id, race: r.race, contender: r.contender, reservedNanos: Number(r.reserved_nanos),
    currency: r.currency, settledNanos: r.settled_nanos === null || r.settled_nanos === undefined ? null : Number(r.settled_nanos),
  };
}
