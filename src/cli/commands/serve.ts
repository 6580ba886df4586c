/** `saima serve --config FILE`: run the gateway until SIGINT/SIGTERM, then shut down cleanly. */
import type { Command } from 'commander';
import { loadConfigFile } from '../../config/load.js';
import { startServer } from '../../server/index.js';
import { boundHeapGrowth } from '../heap-growth.js';

const LEVELS_SHOWING_INFO = new Set(['info', 'debug', 'trace']);

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
      // Listen for the stop signals before starting: the start line is logged while the gateway is still starting,
      // and a supervisor that stops it right then must get a clean shutdown, not a killed process.
      const stopped = new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      const gw = await startServer(config, { ...(opts.port !== undefined ? { port: opts.port } : {}), ...(opts.host ? { host: opts.host } : {}) });
      // stdout carries the log stream alone (one JSON record a line, the start line among them); stderr carries what
      // must never enter it — the first admin key, a secret shown once — and the start line when the log level
      // hides it, so that the address is never silent.
      if (gw.generatedAdminKey) {
        process.stderr.write(`saima: created the first admin key (shown once, store it now): ${gw.generatedAdminKey}\n`);
      }
      if (!LEVELS_SHOWING_INFO.has(config.log.level)) {
        process.stderr.write(`saima: listening on ${gw.url} (dashboard ${gw.url}/ui/)\n`);
      }
      await stopped;
      await gw.close();
    });
}
