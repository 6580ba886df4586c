/**
 * Eval runs on BullMQ: the process that asks for a run enqueues one job per call not already in the result cache
 * and follows the run's tally; `saima worker` processes on any machine take the jobs (see `EvalWorker`). A job's
 * id is its run and unit, so enqueueing a run twice (a resume) adds only what is not queued yet.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config/types.js';
import { EvalError } from '../eval/eval-error.js';
import { moneyToCnyNanos, toCnyNanos } from '../eval/money.js';
import type { RunOutcome, RunProgress } from '../eval/runner.js';
import { gradeId, type Store } from '../store/index.js';
import { allUnits, jobIdOf, loadQueuedRun, unitOf, type UnitRef } from './queued-run.js';
import { closeRedis, connectRedis, parseRedisUrl, type RedisTarget } from './redis-connection.js';
import { RunTally } from './run-tally.js';

export const EVAL_QUEUE = 'eval';
export type EvalJobData = { runId: string } & UnitRef;

/** BullMQ keys live under Saima's prefix too, so one `?prefix=` separates whole deployments. */
export const bullPrefix = (target: RedisTarget): string => `${target.prefix}bull`;

/** A failed job (the store or Redis was away) is retried with backoff; failures of the call itself are data. */
const JOB_OPTIONS = { attempts: 5, backoff: { type: 'exponential', delay: 1_000 }, removeOnComplete: true, removeOnFail: true } as const;

export class EvalQueue {
  private constructor(
    readonly target: RedisTarget,
    readonly redis: Redis,
    readonly queue: Queue<EvalJobData>,
  ) {}

  static async open(redisUrl: string): Promise<EvalQueue> {
    const target = parseRedisUrl(redisUrl);
    const redis = await connectRedis(target, { maxRetriesPerRequest: null, commandTimeout: undefined });
    return new EvalQueue(target, redis, new Queue<EvalJobData>(EVAL_QUEUE, { connection: redis, prefix: bullPrefix(target) }));
  }

  tally(runId: string): RunTally {
    return new RunTally(this.redis, this.target.prefix, runId);
  }

  /** Queues every call of a stored run that the cache has not answered; returns how many were queued and cached. */
  async enqueue(store: Store, config: Config, runId: string, now = Date.now()): Promise<{ queued: number; cached: number }> {
    const run = await loadQueuedRun(store, config, runId);
    const units = allUnits(run);
    const resolved = units.map((u) => unitOf(run, u));
    const stored = new Set((await store.evals.findResults(resolved.map((u) => u.key))).filter((r) => r.ok).map((r) => r.cacheKey));
    const grades = await store.evals.findGrades(resolved.filter((u) => stored.has(u.key)).map((u) => ({ cacheKey: u.key, gradingKey: u.gradingKey })));
    const graded = (i: number) => grades.has(gradeId(resolved[i]!.key, resolved[i]!.gradingKey));
    const todo = units.flatMap((ref, i) => (graded(i) ? [] : [stored.has(resolved[i]!.key) ? { ...ref, answered: true as const } : ref]));
    const cached = units.length - todo.length;
    const spent = Object.entries(await store.evals.runSpend(runId)).reduce((s, [cur, n]) => s + toCnyNanos(n, cur, config.fx), 0);
    await this.tally(runId).reset(todo.length, 0, spent, run.spec.maxCost ? moneyToCnyNanos(run.spec.maxCost, config.fx) : null);
    await store.evals.setRunStatus(runId, todo.length === 0 ? 'done' : 'running', null, now);
    for (let i = 0; i < todo.length; i += 1_000) {
      await this.queue.addBulk(todo.slice(i, i + 1_000).map((ref) => ({ name: 'unit', data: { runId, ...ref }, opts: { ...JOB_OPTIONS, jobId: jobIdOf(runId, ref) } })));
    }
    return { queued: todo.length, cached };
  }

  async close(): Promise<void> {
    await this.queue.close();
    await closeRedis(this.redis);
  }
}

export interface QueueRunOptions {
  /** Aborting stops the run: workers skip its remaining jobs. */
  signal?: AbortSignal;
  onProgress?: (p: RunProgress) => void;
  pollMs?: number;
  now?: () => number;
}

/**
 * `executeRun` over the queue: enqueue, then follow the tally until the workers have processed every job or the
 * run stopped (cost cap, interruption). Same outcome shape, so reports and exit codes do not change.
 */
export async function runOnQueue(runId: string, store: Store, config: Config, opts: QueueRunOptions = {}): Promise<RunOutcome> {
  if (!config.redis) throw new EvalError('running on the queue needs `redis:` in the config (and `saima worker` processes)');
  const now = opts.now ?? Date.now;
  const q = await EvalQueue.open(config.redis);
  try {
    const started = performance.now();
    const { queued, cached } = await q.enqueue(store, config, runId, now());
    const tally = q.tally(runId);
    const onAbort = () => void tally.stop('interrupted');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        const v = await tally.view();
        const over = queued === 0 || v.finished || v.stopped !== null;
        const elapsedMs = performance.now() - started;
        const ratePerS = elapsedMs > 0 ? (v.done * 1000) / elapsedMs : 0;
        opts.onProgress?.({
          done: cached + v.done, total: cached + queued, cached: cached + v.cached, failed: v.failed, spentCnyNanos: v.spentCnyNanos, elapsedMs, ratePerS,
          etaMs: ratePerS > 0 ? ((queued - v.done) / ratePerS) * 1000 : null, finished: over,
        });
        if (over) {
          // The worker that finished or stopped the run writes its status too; writing the same again is harmless.
          await store.evals.setRunStatus(runId, v.stopped ? 'stopped' : 'done', v.stopped, now());
          return { runId, status: v.stopped ? 'stopped' : 'done', stopReason: v.stopped, calls: v.calls, cached: cached + v.cached, failed: v.failed, spentCnyNanos: v.spentCnyNanos };
        }
        await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
      }
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
  } finally {
    await q.close();
  }
}
