/**
 * `saima demo [--fast]`: the guided offline demo (docs/demo.md). Simulated models and users, the real gateway,
 * monitor, evals and arena, on a fresh SQLite file; prints each decision as it lands and stops on SIGINT/SIGTERM.
 */
import type { Command } from 'commander';
import { runDemo } from '../../demo/index.js';
import { boundHeapGrowth } from '../heap-growth.js';

export const DEMO_STORE_FILE = '.saima/demo.db';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('Guided offline demo: simulated models and users race through the real gateway (no key, no network)')
    .option('--fast', 'compress the story into under a minute (tests, a quick look)')
    .option('-p, --port <port>', 'gateway port (default 8787; 0 picks a free one)')
    .option('--no-traffic', 'seed evals, gate and arena, but send no simulated user traffic')
    .option('--store <file>', 'SQLite file for the demo, emptied first', DEMO_STORE_FILE)
    .action(async (o: { fast?: boolean; port?: string; traffic: boolean; store: string }) => {
      const port = o.port === undefined ? undefined : Number(o.port);
      if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65_535)) throw new Error(`--port must be a port number from 0 to 65535 (got '${o.port}')`);
      boundHeapGrowth();
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        await runDemo({
          fast: o.fast === true,
          traffic: o.traffic,
          ...(port !== undefined ? { port } : {}),
          storeFile: o.store,
          signal: stop.signal,
          print: (line) => process.stdout.write(`${line}\n`),
        });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
