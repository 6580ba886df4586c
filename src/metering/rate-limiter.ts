/**
 * Requests-per-minute and tokens-per-minute limits per key and per team, as token buckets. A request is admitted
 * only if every bucket that applies to it has room (all or nothing); tokens are counted at admission from the
 * prompt estimate plus `max_tokens` and corrected with the real count afterwards.
 */
import { TokenBucket } from './token-bucket.js';

export interface Limits {
  rpm: number | null;
  tpm: number | null;
}

export interface LimitSubject {
  /** e.g. `key:key_ab12` or `team:search`. */
  id: string;
  limits: Limits;
}

export interface LimitState {
  limitRequests: number | null;
  remainingRequests: number | null;
  resetRequestsMs: number | null;
  limitTokens: number | null;
  remainingTokens: number | null;
  resetTokensMs: number | null;
}

export type Admission = { ok: true; ticket: Ticket; state: LimitState } | { ok: false; retryAfterMs: number; state: LimitState; which: 'requests' | 'tokens' };

export interface Ticket {
  /** Ids of the TPM buckets charged at admission, settled by id so a ticket can cross an await (or a network). */
  readonly tokenBuckets: readonly string[];
  readonly tokens: number;
}

/**
 * Where the buckets live: in this process (`RateLimiter`) or shared by every replica (the Redis limiter in
 * `cluster/`). Either may answer synchronously; callers await.
 */
export interface RateLimitBackend {
  admit(subjects: readonly LimitSubject[], tokens: number): Admission | Promise<Admission>;
  settle(ticket: Ticket, actualTokens: number): void | Promise<void>;
}

const MINUTE = 60_000;

export class RateLimiter implements RateLimitBackend {
  readonly #buckets = new Map<string, TokenBucket>();
  /**
   * Each subject's buckets, found with one lookup by its id (a key's or team's requests run through here at every
   * call); the buckets themselves stay in `#buckets` by bucket id, where a ticket finds them at settle.
   */
  readonly #subjects = new Map<string, SubjectBuckets>();

  constructor(readonly now: () => number = Date.now) {}

  #bucket(id: string, capacity: number, now: number): TokenBucket {
    let b = this.#buckets.get(id);
    if (!b || b.capacity !== capacity) {
      b = new TokenBucket(capacity, MINUTE, now);
      this.#buckets.set(id, b);
    }
    return b;
  }

  /** The subject's buckets at its current limits (a changed limit starts a fresh bucket, as `#bucket` does). */
  #of(s: LimitSubject, now: number): SubjectBuckets {
    let e = this.#subjects.get(s.id);
    if (!e) {
      e = { rpmId: `${s.id}:rpm`, tpmId: `${s.id}:tpm`, rpm: null, tpm: null };
      // Subjects are keys and teams: bounded by the store's keys, but not kept forever past a large churn.
      if (this.#subjects.size >= 100_000) this.#subjects.clear();
      this.#subjects.set(s.id, e);
    }
    const { rpm, tpm } = s.limits;
    // The bucket in `#buckets` is the one settles adjust: re-read it whenever the limit differs from the one held.
    if (rpm !== null && e.rpm?.capacity !== rpm) e.rpm = this.#bucket(e.rpmId, rpm, now);
    if (tpm !== null && e.tpm?.capacity !== tpm) e.tpm = this.#bucket(e.tpmId, tpm, now);
    return e;
  }

  admit(subjects: readonly LimitSubject[], tokens: number): Admission {
    const now = this.now();
    const req: TokenBucket[] = [];
    const tok: TokenBucket[] = [];
    const tokIds: string[] = [];
    for (const s of subjects) {
      const e = this.#of(s, now);
      if (s.limits.rpm !== null) req.push(e.rpm!);
      if (s.limits.tpm !== null) {
        tok.push(e.tpm!);
        tokIds.push(e.tpmId);
      }
    }
    for (const b of req) {
      if (!b.canTake(1, now)) return { ok: false, retryAfterMs: b.waitMs(1, now), state: state(req, tok, now), which: 'requests' };
    }
    for (const b of tok) {
      // A request larger than the whole bucket could never pass: let it through when the bucket is full.
      const need = Math.min(tokens, b.capacity);
      if (!b.canTake(need, now)) return { ok: false, retryAfterMs: b.waitMs(need, now), state: state(req, tok, now), which: 'tokens' };
    }
    for (const b of req) b.take(1, now);
    for (const b of tok) b.take(tokens, now);
    return { ok: true, ticket: { tokenBuckets: tokIds, tokens }, state: state(req, tok, now) };
  }

  /** Corrects the tokens taken at admission to the real count. */
  settle(ticket: Ticket, actualTokens: number): void {
    const now = this.now();
    for (const id of ticket.tokenBuckets) this.#buckets.get(id)?.adjust(ticket.tokens - actualTokens, now);
  }
}

interface SubjectBuckets {
  readonly rpmId: string;
  readonly tpmId: string;
  rpm: TokenBucket | null;
  tpm: TokenBucket | null;
}

/** The tightest bucket of each kind, for the x-ratelimit-* headers. */
function state(req: TokenBucket[], tok: TokenBucket[], now: number): LimitState {
  const r = tightest(req, now);
  const t = tightest(tok, now);
  return {
    limitRequests: r?.capacity ?? null,
    remainingRequests: r ? Math.max(0, Math.floor(r.level(now))) : null,
    resetRequestsMs: r ? r.fullInMs(now) : null,
    limitTokens: t?.capacity ?? null,
    remainingTokens: t ? Math.max(0, Math.floor(t.level(now))) : null,
    resetTokensMs: t ? t.fullInMs(now) : null,
  };
}

function tightest(buckets: TokenBucket[], now: number): TokenBucket | null {
  let best: TokenBucket | null = null;
  for (const b of buckets) if (!best || b.level(now) < best.level(now)) best = b;
  return best;
}
