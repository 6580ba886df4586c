/** `saima spend --by day,team,contender --since 7d`: spend from the request log and eval results, grouped, as a table or JSON. */
import { snakeKeys } from '../../gateway/snake-case.js';
import type { Command } from 'commander';
import { parseDuration } from '../../gateway/key-service.js';
import { PromptCalibration } from '../../metering/prompt-calibration.js';
import { groupSpend, parseDimensions } from '../../metering/spend-report.js';
import { withStore } from '../open-store.js';
import { renderTable } from '../table.js';

export function registerSpendCommand(program: Command): void {
  program
    .command('spend')
    .description('Spend and tokens of every call Saima made (gateway, shadow, arena, judge, eval, gate), grouped')
    .option('--by <dims>', 'any of day, month, team, key, race, contender, source', 'day,contender')
    .option('--since <duration>', 'how far back, e.g. 7d', '7d')
    .option('--team <team>', 'only this team')
    .option('--json', 'JSON output')
    .option('-c, --config <file>', 'config file', 'saima.yaml')
    .action(async (o: { by: string; since: string; team?: string; json?: boolean; config: string }) => {
      const by = parseDimensions(o.by);
      const since = Date.now() - parseDuration(o.since);
      await withStore(o.config, async (store, config) => {
        const rows = await store.requests.spendRows({ since, ...(o.team ? { team: o.team } : {}) });
        // Eval and gate calls belong to the team their run was made for (`--team`), or to none.
        rows.push(...(await store.evals.spendRows(since)).filter((r) => !o.team || r.team === o.team));
        const groups = groupSpend(rows, by, config.timeZone);
        // The gateway reserves prompts at our estimate times an upper quantile of these ratios, rebuilt the same way.
        const calibration = new PromptCalibration();
        const seen = await store.requests.calibrationRows(since);
        for (let i = seen.length - 1; i >= 0; i--) calibration.observe(seen[i]!.contender, seen[i]!.estimated, seen[i]!.billed);
        const ratios = calibration.view();
        if (o.json) return void process.stdout.write(`${JSON.stringify({ by, since, time_zone: config.timeZone, data: groups.map(snakeKeys), calibration: ratios.map(snakeKeys) }, null, 2)}\n`);
        process.stdout.write(
          renderTable(
            [...by, 'requests', 'prompt_tok', 'completion_tok', 'cost', 'cur'],
            groups.map((g) => [...by.map((d) => g.key[d] ?? null), g.requests, g.promptTokens, g.completionTokens, g.cost.toFixed(6), g.currency]),
          ),
        );
        if (ratios.length > 0) {
          process.stdout.write('\nprompt tokens billed / estimated (reservations use the upper quantile)\n');
          process.stdout.write(renderTable(['contender', 'calls', 'median', 'reserved_x'], ratios.map((c) => [c.contender, c.samples, c.median.toFixed(3), c.reserved.toFixed(3)])));
        }
      }, { reads: true });
    });
}
