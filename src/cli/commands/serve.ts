/** `saima serve --config FILE`: run the gateway until SIGINT/SIGTERM, then shut down cleanly. */
import type { Command } from 'commander';
import { loadConfigFile } from '../../config/load.js';
import { startGateway } from '../../gateway/server.js';
import { boundHeapGrowth } from '../heap-growth.js';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Start the gateway')
    .option('-c, --config <file>', 'config file', 'saima.yaml')
    .option('-p, --port <port>', 'override server.port', (v) => Number.parseInt(v, 10))
    .option('--host <host>', 'override server.host')
    .action(async (opts: { config: string; port?: number; host?: string }) => {
      const config = loadConfigFile(opts.config);
      boundHeapGrowth();
      const gw = await startGateway(config, { ...(opts.port !== undefined ? { port: opts.port } : {}), ...(opts.host ? { host: opts.host } : {}) });
      if (gw.generatedAdminKey) {
        process.stderr.write(`saima: created the first admin key (shown once, store it now): ${gw.generatedAdminKey}\n`);
      }
      process.stderr.write(
        `saima: gateway listening on ${gw.url} (dashboard ${gw.url}/ui/; races: ${[...config.races.keys()].join(', ') || 'none'}; auth: ${config.auth.mode}; store: ${config.store.split(':')[0]})\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await gw.close();
    });
}
