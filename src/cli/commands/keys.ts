/** `saima keys create|ls|revoke`: API keys in the store the config names. The secret is printed once. */
import type { Command } from 'commander';
import { createKey, parseDuration, publicKey } from '../../gateway/key-service.js';
import { withStore } from '../open-store.js';
import { renderTable } from '../table.js';

const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);
const int = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`'${v}' is not a positive integer`);
  return n;
};

export function registerKeysCommands(program: Command): void {
  const keys = program.command('keys').description('Create, list and revoke API keys');
  keys
    .command('create')
    .description('Create a key; prints it once (only its hash is stored)')
    .requiredOption('--team <team>', 'team the key belongs to')
    .option('--scopes <list>', 'chat, feedback, arena:vote, admin', 'chat,feedback')
    .option('--races <list>', 'races or contenders the key may call (default: all)')
    .option('--expires <duration>', 'e.g. 30d, 12h')
    .option('--rpm <n>', 'requests per minute for this key', int)
    .option('--tpm <n>', 'tokens per minute for this key', int)
    .option('-c, --config <file>', 'config file', 'saima.yaml')
    .action(async (o: { team: string; scopes: string; races?: string; expires?: string; rpm?: number; tpm?: number; config: string }) => {
      await withStore(o.config, async (store) => {
        const { secret, record } = await createKey(
          store.apiKeys,
          {
            team: o.team,
            scopes: list(o.scopes),
            races: o.races ? list(o.races) : null,
            expiresInMs: o.expires ? parseDuration(o.expires) : null,
            rpm: o.rpm ?? null,
            tpm: o.tpm ?? null,
          },
          Date.now(),
        );
        process.stdout.write(`${secret}\n`);
        process.stderr.write(`saima: created ${record.id} for team ${record.team} (${record.scopes.join(',')}); the key above is shown only once\n`);
      });
    });
  keys
    .command('ls')
    .description('List keys (never their secrets)')
    .option('--team <team>', 'only this team')
    .option('--json', 'JSON output')
    .option('-c, --config <file>', 'config file', 'saima.yaml')
    .action(async (o: { team?: string; json?: boolean; config: string }) => {
      await withStore(o.config, async (store) => {
        const now = Date.now();
        const rows = (await store.apiKeys.list(o.team ? { team: o.team } : {})).map((k) => publicKey(k, now));
        if (o.json) return void process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        process.stdout.write(
          renderTable(
            ['id', 'prefix', 'team', 'scopes', 'races', 'rpm', 'tpm', 'status', 'expires'],
            rows.map((k) => [k.id, `${k.prefix}…`, k.team, k.scopes.join(','), k.races?.join(',') ?? 'all', k.rpm, k.tpm, k.status, k.expires_at ? new Date(k.expires_at).toISOString() : null]),
          ),
        );
      }, { reads: true });
    });
  keys
    .command('revoke')
    .argument('<id>', 'key id (key_…)')
    .description('Revoke a key; gateways stop accepting it within a second')
    .option('-c, --config <file>', 'config file', 'saima.yaml')
    .action(async (id: string, o: { config: string }) => {
      await withStore(o.config, async (store) => {
        const key = await store.apiKeys.get(id);
        if (!key) throw new Error(`no key with id ${id}`);
        await store.apiKeys.revoke(id, Date.now());
        process.stdout.write(`revoked ${id}\n`);
      });
    });
}
