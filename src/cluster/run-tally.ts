/**
 * A queued run's tally in Redis, shared by every worker and the process that enqueued it: how many units were
 * queued, which ones are processed (a set of job ids, so a job retried after a crash counts once), calls, failures
 * and spend against the run's cost cap. Results themselves live in the store; this only says when a run is over.
 */
import type { Redis } from 'ioredis';
import { formatCny } from '../eval/money.js';
import { LuaScript } from './lua-script.js';

/**
 * KEYS: hash, done set. ARGV: job id, calls, cached, failed, spent (increments). A job already counted (a retry
 * of one whose worker died after counting it) changes nothing. Reply: 1 for the one job that completed the run.
 */
const MARK_DONE = new LuaScript(`
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[1], 'calls', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'cached', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'failed', ARGV[4])
redis.call('HINCRBY', KEYS[1], 'spent', ARGV[5])
redis.call('EXPIRE', KEYS[2], ARGV[6])
local total = tonumber(redis.call('HGET', KEYS[1], 'total') or '-1')
-- A stopped run never finishes: its skipped units are counted, not answered.
if redis.call('SCARD', KEYS[2]) == total and redis.call('HEXISTS', KEYS[1], 'stopped') == 0 and redis.call('HSETNX', KEYS[1], 'finished', 1) == 1 then return 1 end
return 0
`);

/**
 * KEYS: hash. ARGV: the call's most it can cost (CNY nanos). Under a cap, holds it when spent + held + it fits the
 * cap (reply 1), else holds nothing (0): every worker's calls in flight are held in one place, so the run may stop
 * short of its cap but never spends past it.
 */
const RESERVE = new LuaScript(`
local v = redis.call('HMGET', KEYS[1], 'spent', 'reserved', 'cap', 'stopped')
if v[4] then return 0 end
local cap = tonumber(v[3] or '-1')
if cap >= 0 and (tonumber(v[1]) or 0) + (tonumber(v[2]) or 0) + tonumber(ARGV[1]) > cap then return 0 end
redis.call('HINCRBY', KEYS[1], 'reserved', ARGV[1])
return 1
`);

/** KEYS: hash. Reply: 1 for the one caller that stops the run. */
const STOP = new LuaScript(`return redis.call('HSETNX', KEYS[1], 'stopped', ARGV[1])`);

const TTL_S = 7 * 86_400;

export interface TallyView {
  total: number;
  done: number;
  calls: number;
  cached: number;
  failed: number;
  spentCnyNanos: number;
  capCnyNanos: number | null;
  stopped: string | null;
  finished: boolean;
}

export class RunTally {
  readonly #hash: string;
  readonly #done: string;

  constructor(
    readonly redis: Redis,
    prefix: string,
    readonly runId: string,
  ) {
    this.#hash = `${prefix}eval:${runId}`;
    this.#done = `${prefix}eval:${runId}:done`;
  }

  /** Starts (or restarts, for a resumed run) the tally. */
  async reset(total: number, cached: number, spentCnyNanos: number, capCnyNanos: number | null): Promise<void> {
    await this.redis
      .multi()
      .del(this.#hash, this.#done)
      .hset(this.#hash, { total, calls: 0, cached, failed: 0, spent: Math.round(spentCnyNanos), cap: capCnyNanos === null ? -1 : Math.round(capCnyNanos) })
      .expire(this.#hash, TTL_S)
      .exec();
  }

  /** Records a processed unit; true when it was the last one of the run. */
  async markDone(jobId: string, o: { called: boolean; cached: boolean; failed: boolean; spentCnyNanos: number }): Promise<boolean> {
    const args = [jobId, Number(o.called), Number(o.cached), Number(o.failed), Math.round(o.spentCnyNanos), TTL_S];
    return (await MARK_DONE.run(this.redis, [this.#hash, this.#done], args)) === 1;
  }

  /** Before a call: why the run must not spend more (stopped, or its cost cap reached), or null to go on. */
  async halt(): Promise<string | null> {
    const [spent, cap, stopped] = await this.redis.hmget(this.#hash, 'spent', 'cap', 'stopped');
    if (stopped) return stopped;
    if (cap && Number(cap) >= 0 && Number(spent ?? 0) >= Number(cap)) return `cost cap reached: spent ${formatCny(Number(spent))} of ${formatCny(Number(cap))}`;
    return null;
  }

  /** Holds a call's maximum against the run's cap before it is sent; false when it would pass the cap. */
  async reserve(maxCnyNanos: number): Promise<boolean> {
    return (await RESERVE.run(this.redis, [this.#hash], [Math.ceil(maxCnyNanos)])) === 1;
  }

  /** Gives a hold back once the call's spend is counted (`markDone`), so the two overlap, never leave a gap. */
  async release(maxCnyNanos: number): Promise<void> {
    await this.redis.hincrby(this.#hash, 'reserved', -Math.ceil(maxCnyNanos));
  }

  /** True for the one caller that stopped the run (so one worker writes the stored status). */
  async stop(reason: string): Promise<boolean> {
    return (await STOP.run(this.redis, [this.#hash], [reason])) === 1;
  }

  async view(): Promise<TallyView> {
    const [h, done] = await Promise.all([this.redis.hgetall(this.#hash), this.redis.scard(this.#done)]);
    const n = (k: string) => Number(h[k] ?? 0);
    const cap = n('cap');
    return {
      total: Number(h.total ?? -1),
      done,
      calls: n('calls'),
      cached: n('cached'),
      failed: n('failed'),
      spentCnyNanos: n('spent'),
      capCnyNanos: cap < 0 ? null : cap,
      stopped: h.stopped ?? null,
      finished: h.finished === '1',
    };
  }
}
