/**
 * `saima requests --protocol responses --since 1h`: the newest rows of the request log, newest first, filtered as
 * `GET /admin/requests` filters them (the same values, and the same one-line refusal of a bad one). Served calls
 * only: shadow copies and refused calls (counted per minute, with no protocol) are the API's and the dashboard's.
 */
import type { Command } from 'commander';
import { parseDuration } from '../../gateway/key-service.js';
import { protocolParam } from '../../gateway/routes/admin-reads.js';
import { snakeKeys } from '../../gateway/snake-case.js';
import { withStore } from '../open-store.js';
import { renderTable } from '../table.js';

/** As the API: 100 rows unless asked, never more than 1,000. */
const MAX_ROWS = 1000;

const int = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`'${v}' is not a positive integer`);
  return Math.min(n, MAX_ROWS);
};

interface Options {
  protocol?: string;
  race?: string;
  contender?: string;
  since: string;
  limit: number;
  json?: boolean;
  config: string;
}

export function registerRequestsCommand(program: Command): void {
  program
    .command('requests')
    .description('The newest requests in the request log, filtered like GET /admin/requests')
    .option('--protocol <protocol>', 'only the front door chat, messages, responses or embeddings')
    .option('--race <race>', 'only this race')
    .option('--contender <name>', 'only rows this contender answered')
    .option('--since <duration>', 'how far back, e.g. 1h or 7d', '1d')
    .option('--limit <n>', `at most this many rows (up to ${MAX_ROWS})`, int, 100)
    .option('--json', 'JSON output (the rows as GET /admin/requests gives them)')
    .option('-c, --config <file>', 'config file', 'saima.yaml')
    .action(async (o: Options) => {
      // Checked before the store is opened: a typo is refused at once, in the API's words.
      const protocol = protocolParam(o.protocol);
      const since = Date.now() - parseDuration(o.since);
      await withStore(o.config, async (store) => {
        const rows = await store.requests.listRequests({
          since,
          limit: o.limit,
          ...(protocol !== undefined ? { protocol } : {}),
          ...(o.race ? { race: o.race } : {}),
          ...(o.contender ? { contender: o.contender } : {}),
        });
        if (o.json) return void process.stdout.write(`${JSON.stringify({ object: 'list', data: rows.map((r) => ({ object: 'request', ...snakeKeys(r) })) }, null, 2)}\n`);
        process.stdout.write(
          renderTable(
            ['time', 'id', 'protocol', 'race', 'contender', 'outcome', 'status', 'error', 'prompt_tok', 'completion_tok', 'cost', 'cur', 'ms'],
            rows.map((r) => [
              new Date(r.ts).toISOString().slice(0, 19).replace('T', ' '),
              r.id,
              r.protocol ?? 'chat',
              r.race,
              r.contender,
              r.outcome,
              r.status,
              r.errorCode,
              r.promptTokens,
              r.completionTokens,
              (r.costNanos / 1e9).toFixed(6),
              r.currency,
              Math.round(r.latencyMs),
            ]),
          ),
        );
      }, { reads: true });
    });
}
