/**
 * `saima worker --config FILE`: process eval jobs from the shared queue until SIGINT/SIGTERM, on any machine that
 * reaches the same store and Redis. A stop waits `--shutdown-ms` for the jobs in flight, then abandons them to the
 * other workers; a second signal abandons them at once, and so does a stop while Redis is unreachable (nothing in
 * flight could be acknowledged).
 */
import type { Command } from 'commander';
import type { EvalWorker } from '../../cluster/eval-worker.js';
import { loadConfigFile } from '../../config/load.js';
import { ProviderRegistry } from '../../providers/registry.js';
import { openStore } from '../../store/index.js';

function positiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number ≥ 1 (got '${v}')`);
  return n;
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('Process eval jobs from the shared Redis queue, on any machine that reaches the store')
    .option('-c, --config <file>', 'config file', 'saima.yaml')
    .option('--concurrency <n>', 'jobs in flight in this worker', '8')
    .option('--lock-ms <ms>', 'a job whose worker stops renewing its lock this long goes back to the queue', '30000')
    .option('--shutdown-ms <ms>', 'on SIGTERM/SIGINT, how long to wait for the jobs in flight before abandoning them to other workers', '25000')
    .action(async (opts: { config: string; concurrency: string; lockMs: string; shutdownMs: string }) => {
      const config = loadConfigFile(opts.config);
      if (!config.redis) throw new Error(`${opts.config}: redis: is required to run a worker`);
      const concurrency = positiveInt('--concurrency', opts.concurrency);
      const lockMs = positiveInt('--lock-ms', opts.lockMs);
      const shutdownMs = positiveInt('--shutdown-ms', opts.shutdownMs);
      const store = await openStore(config.store);
      const providers = new ProviderRegistry();
      // Loaded only by this command: BullMQ and ioredis are tens of MB the other commands never need.
      const [{ EvalWorker }, { redacted }] = await Promise.all([import('../../cluster/eval-worker.js'), import('../../cluster/redis-connection.js')]);
      let worker: EvalWorker;
      try {
        worker = await EvalWorker.start({
          config, store, providers, concurrency, lockMs,
          onError: onceAnOutage((line) => process.stderr.write(`saima: worker: ${line}\n`)),
        });
      } catch (err) {
        await providers.close();
        await store.close();
        throw err;
      }
      process.stderr.write(`saima: worker taking eval jobs from ${redacted(config.redis)} (concurrency ${concurrency}; store: ${config.store.split(':')[0]})\n`);
      // One listener from here to the exit: were it removed and added again between the first signal and the
      // second, a second signal falling in the gap would meet the default action and kill the process mid-stop.
      const signals = countSignals();
      await signals.atLeast(1);
      const stopped = await stopWorker(worker, shutdownMs, signals.atLeast(2));
      // An abandoned stop leaves BullMQ waiting on Redis: its connections would keep the process alive, so it ends
      // here once the store is closed (jobs in flight go back to the queue when their locks lapse).
      await Promise.race([providers.close(), sleep(2_000)]);
      await store.close();
      process.stderr.write(`saima: worker processed ${worker.processed} jobs\n`);
      if (stopped === 'abandoned') process.exit(0);
    });
}

/**
 * An unreachable Redis fails every reconnect attempt (several a second, on more than one connection) with the same
 * few errors: each is printed once, then at most every 30 s with how often it repeated, so the outage stays
 * readable in the log.
 */
function onceAnOutage(write: (line: string) => void, quietMs = 30_000): (err: unknown) => void {
  const shown = new Map<string, { at: number; repeats: number }>();
  return (err) => {
    const msg = err instanceof Error ? err.message : String(err);
    const now = Date.now();
    const seen = shown.get(msg);
    if (seen && now - seen.at < quietMs) {
      seen.repeats++;
      return;
    }
    write(seen && seen.repeats > 0 ? `${msg} (${seen.repeats} more times since last shown)` : msg);
    shown.delete(msg);
    shown.set(msg, { at: now, repeats: 0 });
    if (shown.size > 100) shown.delete(shown.keys().next().value!);
  };
}

/** SIGINT and SIGTERM counted from now on: `atLeast(n)` resolves once n have come. Listens until the process ends. */
function countSignals(): { atLeast(n: number): Promise<void> } {
  let count = 0;
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const on = (): void => {
    count++;
    for (const w of waiters.filter((x) => x.n <= count)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
  return {
    atLeast: (n) => (count >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve }))),
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());

/** Waits for the jobs in flight unless Redis is down, the deadline passes or a second signal comes; says which. */
async function stopWorker(worker: EvalWorker, shutdownMs: number, secondSignal: Promise<void>): Promise<'closed' | 'abandoned'> {
  const say = (s: string) => process.stderr.write(`saima: worker ${s}\n`);
  if (!worker.redisReady) {
    say('stopping: Redis is unreachable, so the jobs in flight cannot be acknowledged; abandoning them to the other workers');
    worker.abandon();
    return 'abandoned';
  }
  say(`stopping after the jobs in flight (up to ${shutdownMs} ms; signal again to abandon them)`);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`jobs still in flight after ${shutdownMs} ms`), shutdownMs)));
  try {
    const why = await Promise.race([worker.close().then(() => null), deadline, secondSignal.then(() => 'a second signal came')]);
    if (why === null) return 'closed';
    say(`stopping now (${why}): abandoning the jobs in flight to the other workers`);
    worker.abandon();
    return 'abandoned';
  } finally {
    clearTimeout(timer);
  }
}
