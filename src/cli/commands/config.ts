/** `saima config check FILE` validates without starting; `saima config schema` prints the JSON Schema. */
import type { Command } from 'commander';
import { z } from 'zod';
import { loadConfigFile } from '../../config/load.js';
import { ConfigSchema } from '../../config/schema.js';

export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description('Check a config file or print its JSON Schema');
  config
    .command('check')
    .argument('<file>', 'config file (YAML or JSON)')
    .description('Validate a config file and its references without starting anything')
    .action((file: string) => {
      const c = loadConfigFile(file);
      process.stdout.write(`${file}: ok (${c.contenders.size} contenders, ${c.races.size} races)\n`);
    });
  config
    .command('schema')
    .description('Print the JSON Schema of the config file, for editors')
    .action(() => {
      process.stdout.write(`${JSON.stringify(z.toJSONSchema(ConfigSchema, { io: 'input' }), null, 2)}\n`);
    });
}
