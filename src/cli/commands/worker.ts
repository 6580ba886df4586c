/**
 * `saima worker --config FILE`: process eval jobs from the shared queue until SIGINT/SIGTERM, on any machine that
 * reaches the same store and Redis. A second signal abandons the jobs in flight to the other workers.
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
    .action(async (opts: { config: string; concurrency: string; lockMs: string }) => {
      const config = loadConfigFile(opts.config);
      if (!config.redis) throw new Error(`${opts.config}: redis: is required to run a worker`);
      const concurrency = positiveInt('--concurrency', opts.concurrency);
      const store = await openStore(config.store);
      const providers = new ProviderRegistry();
      // Loaded only by this command: BullMQ and ioredis are tens of MB the other commands never need.
      const [{ EvalWorker }, { redacted }] = await Promise.all([import('../../cluster/eval-worker.js'), import('../../cluster/redis-connection.js')]);
      let worker: EvalWorker;
      try {
        worker = await EvalWorker.start({
          config, store, providers, concurrency, lockMs: positiveInt('--lock-ms', opts.lockMs),
          onError: (err) => process.stderr.write(`saima: worker: ${(err as Error).message}\n`),
        });
      } catch (err) {
        await providers.close();
        await store.close();
        throw err;
      }
      process.stderr.write(`saima: worker taking eval jobs from ${redacted(config.redis)} (concurrency ${concurrency}; store: ${config.store.split(':')[0]})\n`);
      const signals = await new Promise<number>((resolve) => {
        let n = 0;
        const stop = () => {
          n++;
          if (n === 1) resolve(n);
          else void worker.close(true);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      process.stderr.write(`saima: worker stopping after the jobs in flight (${signals === 1 ? 'signal again to abandon them' : 'abandoning'})\n`);
      await worker.close();
      await providers.close();
      await store.close();
      process.stderr.write(`saima: worker processed ${worker.processed} jobs\n`);
    });
}
