/**
 * Bearer-key authentication. Keys are looked up by the sha256 of the secret; a resolved key is cached in memory
 * for at most `cacheTtlMs` (default 1 s), which bounds how long a revoked or expired key keeps working.
 */
import { createHash } from 'node:crypto';
import type { ApiKeyRecord } from '../store/types.js';
import { SaimaError } from '../errors.js';
import type { Principal } from './principal.js';

export interface KeyLookup {
  findByHash(hash: string): Promise<ApiKeyRecord | null | undefined>;
}

export function hashKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

interface CacheEntry {
  principal: Principal | null;
  expiresAt: number;
  keyExpiresAt: number | null;
}

const MAX_CACHE = 10_000;
const BEARER = /^bearer /i;

export class KeyAuthenticator {
  readonly #cache = new Map<string, CacheEntry>();

  constructor(
    readonly keys: KeyLookup,
    readonly now: () => number = Date.now,
    readonly cacheTtlMs = 1_000,
    readonly defaultLimits: { rpm: number | null; tpm: number | null } = { rpm: null, tpm: null },
  ) {}

  /**
   * Resolves the `Authorization` header to a principal, or throws `invalid_api_key`. Anthropic clients send their
   * key as `x-api-key` (see `credentialHeader`).
   */
  async authenticate(header: string | undefined): Promise<Principal> {
    if (!header || !header.toLowerCase().startsWith('bearer ')) {
      throw new SaimaError('invalid_api_key', 'You did not provide an API key. Send it as "Authorization: Bearer sk-saima-…" (or, from an Anthropic client, "x-api-key: sk-saima-…").');
    }
    const secret = header.slice(7).trim();
    const now = this.now();
    let entry = this.#cache.get(secret);
    if (!entry || entry.expiresAt <= now) {
      entry = await this.#resolve(secret, now);
      if (this.#cache.size >= MAX_CACHE) this.#cache.clear();
      this.#cache.set(secret, entry);
    }
    if (!entry.principal || (entry.keyExpiresAt !== null && entry.keyExpiresAt <= now)) {
      throw new SaimaError('invalid_api_key', 'Incorrect, expired or revoked API key.');
    }
    return entry.principal;
  }

  /**
   * The principal of a valid key resolved within the last `cacheTtlMs`, answered without a promise (nearly every
   * request, on the hot path); null when `authenticate` must decide (a miss, an expired entry, a refused key).
   */
  cached(header: string | undefined): Principal | null {
    if (!header || header.length <= 7 || !BEARER.test(header)) return null;
    const entry = this.#cache.get(header.slice(7).trim());
    if (!entry || entry.principal === null) return null;
    const now = this.now();
    if (entry.expiresAt <= now || (entry.keyExpiresAt !== null && entry.keyExpiresAt <= now)) return null;
    return entry.principal;
  }

  /** Drops cached keys so a revocation takes effect at once on this replica. */
  invalidate(): void {
    this.#cache.clear();
  }

  async #resolve(secret: string, now: number): Promise<CacheEntry> {
    const rec = secret.length >= 16 && secret.length <= 256 ? await this.keys.findByHash(hashKey(secret)) : null;
    const expiresAt = now + this.cacheTtlMs;
    if (!rec || rec.revokedAt !== null) return { principal: null, expiresAt, keyExpiresAt: null };
    return {
      principal: Object.freeze({
        keyId: rec.id,
        team: rec.team,
        scopes: new Set(rec.scopes),
        races: rec.races ? new Set(rec.races) : null,
        limits: { rpm: rec.rpm ?? this.defaultLimits.rpm, tpm: rec.tpm ?? this.defaultLimits.tpm },
      }),
      expiresAt,
      keyExpiresAt: rec.expiresAt,
    };
  }
}

/** The bearer credential of a request: `Authorization`, else an `x-api-key` header (Anthropic's SDKs send that). */
export function credentialHeader(authorization: string | undefined, apiKey: string | string[] | undefined): string | undefined {
  if (authorization !== undefined) return authorization;
  return typeof apiKey === 'string' && apiKey !== '' ? `Bearer ${apiKey}` : undefined;
}
