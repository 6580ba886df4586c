/**
 * Rate limits shared by every replica: the same token buckets as `RateLimiter` (RPM and TPM per key and team, all
 * or nothing, tokens corrected at settle), kept in Redis hashes and changed only inside Lua scripts, with Redis's
 * clock, so replicas neither race each other nor disagree about time.
 */
import type { Admission, LimitState, LimitSubject, RateLimitBackend, Ticket } from '../metering/rate-limiter.js';
import { clusterUnavailable } from './cluster-unavailable.js';
import type { Counters } from './counters.js';
import { integers } from './lua-script.js';

const MINUTE = 60_000;
/** Larger than any bucket: a token count is sent to Lua as a finite whole number, whatever a client asked for. */
const MAX_TOKENS = 1e15;

function boundedTokens(n: number): number {
  return Number.isFinite(n) ? Math.min(MAX_TOKENS, Math.max(-MAX_TOKENS, Math.ceil(n))) : n < 0 ? -MAX_TOKENS : MAX_TOKENS;
}

// Shared by both scripts: a bucket's level now (the batch's clock, see LuaBatch), refilled continuously at cap per
// period; a missing key (expired, or never used) or a changed capacity is a full bucket, as `RateLimiter` starts one.
const PRELUDE = `
local period = tonumber(ARGV[1])
local function level_of(key, cap)
  local b = redis.call('HMGET', key, 'level', 'at', 'cap')
  if not b[1] or tonumber(b[3]) ~= cap then return cap end
  local level, at = tonumber(b[1]), tonumber(b[2])
  if now > at then level = math.min(cap, level + (now - at) * cap / period) end
  return level
end
local function wait_ms(level, need, cap)
  if level >= need then return 0 end
  return math.ceil((need - level) * period / cap)
end
local function store(key, level, cap)
  -- Debt is bounded at one capacity and the level stays finite (NaN fails level == level): the bucket always refills.
  if level ~= level then level = -cap end
  level = math.max(-cap, math.min(cap, level))
  -- The TTL is computed before the write: a script error after HSET would leave a key that never expires.
  local ttl = math.ceil(wait_ms(level, cap, cap) + period)
  redis.call('HSET', key, 'level', level, 'at', now, 'cap', cap)
  -- Once full again the key says nothing a missing key would not: let it go then (plus a period of slack).
  redis.call('PEXPIRE', key, ttl)
end
`;

/**
 * KEYS: the RPM buckets, then the TPM buckets. ARGV: period, number of RPM buckets, tokens, then each capacity.
 * Reply: ok, which (1 requests, 2 tokens), retry-after ms, then for RPM and TPM: present, limit, remaining, reset ms.
 */
const ADMIT = `${PRELUDE}
local nreq, tokens = tonumber(ARGV[2]), tonumber(ARGV[3])
local caps, levels = {}, {}
for i, key in ipairs(KEYS) do
  caps[i] = tonumber(ARGV[3 + i])
  levels[i] = level_of(key, caps[i])
end
local function state()
  local out = {}
  for kind = 0, 1 do
    local best = nil
    for i = 1, #KEYS do
      if ((i > nreq) and 1 or 0) == kind and (best == nil or levels[i] < levels[best]) then best = i end
    end
    if best == nil then
      table.insert(out, 0); table.insert(out, 0); table.insert(out, 0); table.insert(out, 0)
    else
      table.insert(out, 1); table.insert(out, caps[best])
      table.insert(out, math.max(0, math.floor(levels[best])))
      table.insert(out, wait_ms(levels[best], caps[best], caps[best]))
    end
  end
  return out
end
for i = 1, #KEYS do
  -- A request larger than a whole TPM bucket could never pass: let it through when the bucket is full.
  local need = (i > nreq) and math.min(tokens, caps[i]) or 1
  if levels[i] < need then
    local s = state()
    return {0, (i > nreq) and 2 or 1, wait_ms(levels[i], need, caps[i]), unpack(s)}
  end
end
for i, key in ipairs(KEYS) do
  levels[i] = levels[i] - ((i > nreq) and tokens or 1)
  store(key, levels[i], caps[i])
end
return {1, 0, 0, unpack(state())}
`;

/** KEYS: TPM buckets. ARGV: period, then per bucket: tokens to give back (negative: to charge), capacity. */
const SETTLE = `${PRELUDE}
for i, key in ipairs(KEYS) do
  local cap = tonumber(ARGV[2 * i + 1])
  store(key, math.min(cap, level_of(key, cap) + tonumber(ARGV[2 * i])), cap)
end
return 0
`;

/** The rate-limit functions of the shared counter script (see `counters.ts`). */
export const LIMIT_FUNCTIONS = { 'limits.admit': ADMIT, 'limits.settle': SETTLE } as const;

export class RedisRateLimits implements RateLimitBackend {
  /** Capacity of each bucket this replica charged, to settle a ticket against the same bucket. */
  readonly #caps = new Map<string, number>();

  constructor(
    readonly counters: Counters,
    readonly prefix: string,
  ) {
    this.#settled = counters.gather(() => this.#sendOwed());
  }

  async admit(subjects: readonly LimitSubject[], tokens: number): Promise<Admission> {
    // KEYS: the RPM buckets, then the TPM buckets; ARGV: period, RPM bucket count, tokens, each bucket's capacity.
    const keys: string[] = [];
    const args: number[] = [MINUTE, 0, boundedTokens(tokens)];
    for (const s of subjects) {
      if (s.limits.rpm === null) continue;
      keys.push(this.#keysOf(s.id).rpm);
      args.push(s.limits.rpm);
    }
    args[1] = keys.length;
    // This backend's ticket names its TPM buckets by their Redis keys.
    const tokenBuckets: string[] = [];
    for (const s of subjects) {
      if (s.limits.tpm === null) continue;
      const key = this.#keysOf(s.id).tpm;
      keys.push(key);
      args.push(s.limits.tpm);
      tokenBuckets.push(key);
      this.#caps.set(key, s.limits.tpm);
    }
    let reply: number[];
    try {
      reply = integers(await this.counters.call('limits.admit', keys, args));
    } catch (err) {
      throw clusterUnavailable('Shared rate limits', err);
    }
    const state = limitState(reply);
    if (reply[0] !== 1) return { ok: false, retryAfterMs: reply[2]!, state, which: reply[1] === 1 ? 'requests' : 'tokens' };
    const ticket: Ticket = { tokenBuckets, tokens: boundedTokens(tokens) };
    return { ok: true, ticket, state };
  }

  /**
   * Token corrections wait for the next batch to leave and go as one call with one sum per bucket: a replica
   * settles every request, but its requests share a few buckets. The sum is applied at once, so a bucket that a
   * give-back would have filled past its capacity before a charge landed ends a little lower than the corrections
   * one by one would leave it: stricter, never looser. Resolves when the batch holding this correction is done.
   */
  settle(ticket: Ticket, actualTokens: number): Promise<void> {
    const delta = boundedTokens(ticket.tokens - boundedTokens(actualTokens));
    if (delta === 0 || ticket.tokenBuckets.length === 0) return Promise.resolve();
    for (const key of ticket.tokenBuckets) this.#owed.set(key, (this.#owed.get(key) ?? 0) + delta);
    return this.#settled();
  }

  /** Token corrections per TPM bucket not sent yet. */
  readonly #owed = new Map<string, number>();
  readonly #settled: () => Promise<void>;

  #sendOwed(): Promise<unknown> | undefined {
    const keys: string[] = [];
    const args: number[] = [MINUTE];
    for (const [key, delta] of this.#owed) {
      const cap = this.#caps.get(key);
      if (cap === undefined || delta === 0) continue;
      keys.push(key);
      args.push(boundedTokens(delta), cap);
    }
    this.#owed.clear();
    return keys.length === 0 ? undefined : this.counters.call('limits.settle', keys, args, { lazy: true });
  }

  /** Subjects are few (one per key and team): their buckets' Redis keys are built once. */
  readonly #keys = new Map<string, { rpm: string; tpm: string }>();

  #keysOf(id: string): { rpm: string; tpm: string } {
    let keys = this.#keys.get(id);
    if (keys === undefined) {
      keys = { rpm: `${this.prefix}rl:${id}:rpm`, tpm: `${this.prefix}rl:${id}:tpm` };
      this.#keys.set(id, keys);
    }
    return keys;
  }
}

/** The admit reply's limit state: after ok, which and retry-after, RPM then TPM as present, limit, remaining, reset. */
function limitState(r: readonly number[]): LimitState {
  const hasReq = r[3] === 1;
  const hasTok = r[7] === 1;
  return {
    limitRequests: hasReq ? r[4]! : null,
    remainingRequests: hasReq ? r[5]! : null,
    resetRequestsMs: hasReq ? r[6]! : null,
    limitTokens: hasTok ? r[8]! : null,
    remainingTokens: hasTok ? r[9]! : null,
    resetTokensMs: hasTok ? r[10]! : null,
  };
}
