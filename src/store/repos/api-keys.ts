/** API keys at rest: the sha256 of the secret, a display prefix, team, scopes and allowed races. */
import type { Kysely } from 'kysely';
import type { ApiKeysTable, Database } from '../schema.js';
import type { ApiKeyRecord } from '../types.js';

// Lists are stored comma-joined; a name containing a comma would split on the way back, so refuse it.
function joinList(field: string, items: readonly string[]): string {
  for (const item of items) if (item.includes(',')) throw new Error(`api key ${field}: '${item}' must not contain a comma`);
  return items.join(',');
}

function splitList(s: string): string[] {
  return s === '' ? [] : s.split(',');
}

function toRecord(k: ApiKeyRecord): ApiKeysTable {
  return {
    id: k.id,
    hash: k.hash,
    prefix: k.prefix,
    team: k.team,
    scopes: joinList('scopes', k.scopes),
    races: k.races === null ? null : joinList('races', k.races),
    created_at: k.createdAt,
    expires_at: k.expiresAt ?? null,
    revoked_at: k.revokedAt ?? null,
    last_used_at: k.lastUsedAt ?? null,
    rpm: k.rpm ?? null,
    tpm: k.tpm ?? null,
  };
}

function fromRecord(r: ApiKeysTable): ApiKeyRecord {
  const num = (v: number | null) => (v === null ? null : Number(v));
  return {
    id: r.id,
    hash: r.hash,
    prefix: r.prefix,
    team: r.team,
    scopes: splitList(r.scopes),
    races: r.races === null ? null : splitList(r.races),
    createdAt: Number(r.created_at),
    expiresAt: num(r.expires_at),
    revokedAt: num(r.revoked_at),
    lastUsedAt: num(r.last_used_at),
    rpm: num(r.rpm),
    tpm: num(r.tpm),
  };
}

export class ApiKeysRepo {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Rejects on a duplicate id or hash. */
  async insert(key: ApiKeyRecord): Promise<void> {
    await this.#db.insertInto('api_keys').values(toRecord(key)).execute();
  }

  /** The key whose secret hashes to `hash`, revoked or not (the caller decides what revoked means). */
  async findByHash(hash: string): Promise<ApiKeyRecord | null> {
    const rec = await this.#db.selectFrom('api_keys').selectAll().where('hash', '=', hash).executeTakeFirst();
    return rec ? fromRecord(rec) : null;
  }

  async get(id: string): Promise<ApiKeyRecord | null> {
    const rec = await this.#db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
    return rec ? fromRecord(rec) : null;
  }

  /** Oldest first; revoked keys are included unless `activeOnly`. */
  async list(opts: { team?: string; activeOnly?: boolean } = {}): Promise<ApiKeyRecord[]> {
    let q = this.#db.selectFrom('api_keys').selectAll();
    if (opts.team !== undefined) q = q.where('team', '=', opts.team);
    if (opts.activeOnly) q = q.where('revoked_at', 'is', null);
    const recs = await q.orderBy('created_at').orderBy('id').execute();
    return recs.map(fromRecord);
  }

  /** Marks the key revoked at `at`; false when no such key or it was already revoked (the first time stands). */
  async revoke(id: string, at: number): Promise<boolean> {
    const res = await this.#db.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** Records a use; callers throttle this (it is a write), e.g. once per key per minute. */
  async touch(id: string, at: number): Promise<void> {
    await this.#db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
  }
}
