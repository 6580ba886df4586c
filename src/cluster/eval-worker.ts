/**
 * `saima worker`: takes eval jobs from the queue and answers them into the store. A killed worker's jobs keep their
 * BullMQ lock only until it expires (`lockMs`); the next stalled-job check on any live worker puts them back in the
 * queue, and whoever takes them finds any result already written in the cache, so nothing completed is lost and no
 * result lands twice. Closing (SIGTERM) stops taking jobs and lets the ones in flight finish.
 */
import { setMaxListeners } from 'node:events';
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Config } from '../config/types.js';
import { evalAttemptDeps } from '../eval/attempt-deps.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { AttemptDeps } from '../race/attempt.js';
import type { Store } from '../store/index.js';
import { EVAL_QUEUE, bullPrefix, type EvalJobData } from './eval-queue.js';
import { runEvalUnit, type UnitAdmit } from './eval-unit.js';
import { formatCny, toCnyNanos } from '../eval/money.js';
import { isExceeded, type CallHold } from '../metering/call-budget.js';
import { RedisCallBudget } from './redis-call-budget.js';
import { PromptCalibration } from '../metering/prompt-calibration.js';
import { loadQueuedRun, type QueuedRun } from './queued-run.js';
import { closeRedis, connectRedis, parseRedisUrl } from './redis-connection.js';
import { RunTally } from './run-tally.js';

const JobSchema = z.object({ runId: z.string(), c: z.number().int(), v: z.number().int(), s: z.number().int(), answered: z.literal(true).optional() });

export interface EvalWorkerOptions {
  config: Config;
  store: Store;
  providers: ProviderRegistry;
  /** Jobs in flight in this process. */
  concurrency: number;
  /** How long a job stays locked to this worker without renewal (renewed every half); default 30 s. */
  lockMs?: number;
  onError?: (err: unknown) => void;
  now?: () => number;
}

export class EvalWorker {
  /** Jobs this process has completed, for logs and tests. */
  processed = 0;
  readonly #runs = new Map<string, Promise<QueuedRun>>();
  readonly #inflight = new AbortController();
  readonly #attemptDeps: AttemptDeps;
  readonly #calibration = new PromptCalibration();

  private constructor(
    readonly opts: EvalWorkerOptions,
    readonly redis: Redis,
    readonly prefix: string,
    readonly worker: Worker<EvalJobData>,
    /** The replicas' shared budgets, when the config has any. */
    readonly budget: RedisCallBudget | null,
  ) {
    this.#attemptDeps = evalAttemptDeps(opts.config, opts.providers);
    // Every call in flight listens on this one signal; the default limit of 10 listeners would only warn.
    setMaxListeners(0, this.#inflight.signal);
  }

  static async start(opts: EvalWorkerOptions): Promise<EvalWorker> {
    if (!opts.config.redis) throw new Error('saima worker needs `redis:` in the config');
    const target = parseRedisUrl(opts.config.redis);
    const redis = await connectRedis(target, { maxRetriesPerRequest: null, commandTimeout: undefined });
    const lockMs = opts.lockMs ?? 30_000;
    let self: EvalWorker | null = null;
    const worker = new Worker<EvalJobData>(EVAL_QUEUE, (job) => self!.process(job), {
      connection: redis,
      prefix: bullPrefix(target),
      concurrency: opts.concurrency,
      lockDuration: lockMs,
      // Every live worker looks for jobs whose lock lapsed (their worker died) this often.
      stalledInterval: Math.max(500, Math.floor(lockMs / 2)),
      maxStalledCount: 5,
      autorun: false,
    });
    worker.on('error', (err) => opts.onError?.(err));
    const budget = opts.config.budgets.length > 0 ? await RedisCallBudget.open(opts.config, opts.store) : null;
    self = new EvalWorker(opts, redis, target.prefix, worker, budget);
    worker.on('failed', (job, err) => void self!.#failed(job, err));
    void worker.run().catch((err: unknown) => opts.onError?.(err));
    await worker.waitUntilReady();
    return self;
  }

  async process(job: Job<EvalJobData>): Promise<string> {
    const data = JobSchema.parse(job.data);
    const tally = new RunTally(this.redis, this.prefix, data.runId);
    const { store, config } = this.opts;
    const now = this.opts.now ?? Date.now;
    const halt = await tally.halt();
    if (halt) {
      if (await tally.stop(halt)) await store.evals.setRunStatus(data.runId, 'stopped', halt, now());
      await tally.markDone(job.id!, { called: false, cached: false, failed: false, spentCnyNanos: 0 });
      return 'skipped';
    }
    const run = await this.#run(data.runId);
    const retried = job.attemptsMade > 0 || job.stalledCounter > 0;
    const admit = this.#admit(tally, run.spec.team ?? null, run.spec.key ?? null);
    const out = await runEvalUnit(run, data, { store, config, attemptDeps: this.#attemptDeps, signal: this.#inflight.signal, now, admit, calibration: this.#calibration }, retried);
    if (out.kind === 'refused') {
      // The run's cap or a budget would be passed by this call: the run stops short, resumable, never past.
      const reason = out.reason ?? 'refused';
      if (await tally.stop(reason)) await store.evals.setRunStatus(data.runId, 'stopped', reason, now());
    }
    const last = await tally.markDone(job.id!, { called: out.kind === 'called' || out.spentCnyNanos > 0, cached: out.kind === 'cached', failed: out.failed, spentCnyNanos: out.spentCnyNanos });
    await out.release?.();
    if (last) await store.evals.setRunStatus(data.runId, 'done', null, now());
    this.processed++;
    return out.kind;
  }

  /**
   * Each call's maximum is held on the run's cap (shared by every worker, in the tally) and on the budgets covering
   * it (the replicas' own Redis windows) before it is sent.
   */
  #admit(tally: RunTally, team: string | null, keyId: string | null): UnitAdmit {
    const { config } = this.opts;
    return async (contender, source, maxCny) => {
      if (!(await tally.reserve(maxCny))) {
        const v = await tally.view();
        return { refused: v.stopped ?? `cost cap reached: spent ${formatCny(v.spentCnyNanos)} of ${formatCny(v.capCnyNanos ?? 0)}` };
      }
      const budget = this.budget;
      let hold: CallHold | null = null;
      if (budget) {
        const r = await budget.reserve({ team, keyId, contender: contender.name, race: null, source }, Math.ceil(maxCny), 'CNY').catch(async (err: unknown) => {
          await tally.release(maxCny);
          throw err;
        });
        if (isExceeded(r)) {
          await tally.release(maxCny);
          return { refused: `budget '${r.exceeded}' would be exceeded by the next call` };
        }
        hold = r;
      }
      return {
        settle: async (nanos, currency) => {
          if (budget && hold) await budget.settle(hold, Math.round(toCnyNanos(nanos, currency, config.fx)), 'CNY');
        },
        release: () => tally.release(maxCny),
      };
    };
  }

  /** A job out of retries (the store kept failing) still counts as processed, as a failure, so its run can end. */
  async #failed(job: Job<EvalJobData> | undefined, err: Error): Promise<void> {
    this.opts.onError?.(err);
    if (!job || job.attemptsMade < (job.opts.attempts ?? 1)) return;
    const tally = new RunTally(this.redis, this.prefix, job.data.runId);
    const last = await tally.markDone(job.id!, { called: false, cached: false, failed: true, spentCnyNanos: 0 }).catch(() => false);
    if (last) await this.opts.store.evals.setRunStatus(job.data.runId, 'done', null, (this.opts.now ?? Date.now)()).catch(this.opts.onError);
  }

  #run(runId: string): Promise<QueuedRun> {
    let run = this.#runs.get(runId);
    if (!run) {
      if (this.#runs.size >= 16) this.#runs.delete(this.#runs.keys().next().value!);
      run = loadQueuedRun(this.opts.store, this.opts.config, runId);
      run.catch(() => this.#runs.delete(runId));
      this.#runs.set(runId, run);
    }
    return run;
  }

  /** Whether Redis answers now: without it nothing in flight can be acknowledged, so a stop need not wait for it. */
  get redisReady(): boolean {
    return this.redis.status === 'ready';
  }

  /** Stops taking jobs and waits for the ones in flight (see `abandon` for a stop that cannot wait). */
  async close(): Promise<void> {
    await this.worker.close();
    await closeRedis(this.redis);
    await this.budget?.close();
  }

  /**
   * Aborts the calls in flight; their jobs go back to the queue when their locks lapse. For a stop that cannot wait:
   * a graceful `close()` already under way keeps waiting for Redis (BullMQ's close cannot be upgraded to a forced
   * one), so the caller exits instead of awaiting it.
   */
  abandon(): void {
    this.#inflight.abort();
  }
}
