/** `saima config check FILE` validates without starting; `saima config schema` prints the JSON Schema. */
import type { Command } from 'commander';
import { z } from 'zod';
import { ConfigError, loadConfigFile } from '../../config/load.js';
import { ConfigSchema } from '../../config/schema.js';
import { assertLoopbackHost } from '../../gateway/listen-address.js';

export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description('Check a config file or print its JSON Schema');
  config
    .command('check')
    .argument('<file>', 'config file (YAML or JSON)')
    .description('Validate a config file and its references without starting anything')
    .action(async (file: string) => {
      let c;
      try {
        c = loadConfigFile(file);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        // Every problem on its own line, all in one round (schema, then references).
        const n = err.problems.length;
        process.stderr.write(`saima: ${file}: ${n} problem${n === 1 ? '' : 's'}\n${err.problems.map((p) => `  ${p.replaceAll('\n', '\n  ')}\n`).join('')}`);
        process.exitCode = 1;
        return;
      }
      // The rule `saima serve` applies: auth none listens on loopback only (a --host flag is checked again at serve).
      if (c.auth.mode === 'none') await assertLoopbackHost(c.server.host);
      process.stdout.write(`${file}: ok (${c.contenders.size} contenders, ${c.races.size} races)\n`);
    });
  config
    .command('schema')
    .description('Print the JSON Schema of the config file, for editors')
    .action(() => {
      process.stdout.write(`${JSON.stringify(z.toJSONSchema(ConfigSchema, { io: 'input' }), null, 2)}\n`);
    });
}
