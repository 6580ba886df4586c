/**
 * Creating, listing and revoking API keys, shared by `saima keys` and `/admin/keys`. A key is shown once at
 * creation; only its sha256 and a display prefix are stored.
 */
import { randomBytes } from 'node:crypto';
import type { ApiKeysRepo } from '../store/repos/api-keys.js';
import type { ApiKeyRecord } from '../store/types.js';
import { hashKey } from './auth.js';
import { SaimaError } from '../errors.js';

export const SCOPES = ['chat', 'feedback', 'arena:vote', 'admin'] as const;

export interface NewKeyOptions {
  team: string;
  scopes: string[];
  races?: string[] | null;
  /** Milliseconds from now, or null for a key that never expires. */
  expiresInMs?: number | null;
  rpm?: number | null;
  tpm?: number | null;
}

export function newSecret(): string {
  return `sk-saima-${randomBytes(32).toString('base64url')}`;
}

/** `30d`, `12h`, `90m`, `45s` → milliseconds. */
/** Ten years: a longer key lifetime is a typo, not a plan. */
const MAX_KEY_LIFETIME_MS = 3650 * 86_400_000;

export function parseDuration(text: string): number {
  const m = /^(\d+)\s*(d|h|m|s)$/.exec(text.trim());
  if (!m) throw new SaimaError('invalid_value', `'${text}' is not a duration like 30d, 12h, 90m or 45s`, 'expires');
  const unit = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 }[m[2] as 'd' | 'h' | 'm' | 's'];
  return Number(m[1]) * unit;
}

export function validateKeyOptions(o: NewKeyOptions): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(o.team)) throw new SaimaError('invalid_value', 'team must be 1-64 letters, digits, dots, dashes or underscores', 'team');
  if (o.scopes.length === 0) throw new SaimaError('invalid_value', 'give at least one scope', 'scopes');
  for (const s of o.scopes) {
    if (!(SCOPES as readonly string[]).includes(s)) throw new SaimaError('invalid_value', `unknown scope '${s}' (use ${SCOPES.join(', ')})`, 'scopes');
  }
  for (const r of o.races ?? []) if (!r || r.includes(',')) throw new SaimaError('invalid_value', `bad race name '${r}'`, 'races');
  // A zero or absurd lifetime used to read as "no expiry" (0 is falsy): refuse it instead.
  if (o.expiresInMs !== null && o.expiresInMs !== undefined && (!Number.isSafeInteger(o.expiresInMs) || o.expiresInMs < 1000 || o.expiresInMs > MAX_KEY_LIFETIME_MS)) {
    throw new SaimaError('invalid_value', 'expires must be a duration from 1s to 3650d', 'expires');
  }
  for (const f of ['rpm', 'tpm'] as const) {
    const v = o[f];
    if (v !== undefined && v !== null && (!Number.isInteger(v) || v < 1)) throw new SaimaError('invalid_value', `${f} must be a positive integer`, f);
  }
}

export async function createKey(repo: ApiKeysRepo, o: NewKeyOptions, now: number, secret = newSecret()): Promise<{ secret: string; record: ApiKeyRecord }> {
  validateKeyOptions(o);
  const record: ApiKeyRecord = {
    id: `key_${randomBytes(8).toString('hex')}`,
    hash: hashKey(secret),
    prefix: secret.slice(0, 13),
    team: o.team,
    scopes: [...new Set(o.scopes)],
    races: o.races && o.races.length ? [...new Set(o.races)] : null,
    createdAt: now,
    expiresAt: o.expiresInMs !== null && o.expiresInMs !== undefined ? now + o.expiresInMs : null,
    revokedAt: null,
    lastUsedAt: null,
    rpm: o.rpm ?? null,
    tpm: o.tpm ?? null,
  };
  await repo.insert(record);
  return { secret, record };
}

/** What may be shown about a key: never its hash. */
export function publicKey(r: ApiKeyRecord, now: number) {
  return {
    id: r.id,
    object: 'api_key',
    prefix: r.prefix,
    team: r.team,
    scopes: r.scopes,
    races: r.races,
    rpm: r.rpm ?? null,
    tpm: r.tpm ?? null,
    created_at: r.createdAt,
    expires_at: r.expiresAt,
    revoked_at: r.revokedAt,
    status: r.revokedAt !== null ? 'revoked' : r.expiresAt !== null && r.expiresAt <= now ? 'expired' : 'active',
  };
}
