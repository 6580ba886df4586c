/**
 * `saima race ls|show|set-weight|promote|rollback`: read and change race state in the store. A running gateway
 * picks changes up within a second; every manual change needs --reason and is logged as a decision.
 */
import type { Command } from 'commander';
import type { Config } from '../../config/types.js';
import { RaceBook } from '../../race/race-book.js';
import { promote, rollback, setWeight, unfreeze } from '../../race/race-control.js';
import { RaceStates } from '../../race/race-states.js';
import type { Store } from '../../store/index.js';
import { withStore } from '../open-store.js';
import { renderTable } from '../table.js';

async function states(store: Store, config: Config): Promise<RaceStates> {
  const s = new RaceStates(store, config, new RaceBook(config));
  await s.init();
  return s;
}

function known(config: Config, race: string): void {
  if (!config.races.has(race)) throw new Error(`no race named ${race} (races: ${[...config.races.keys()].join(', ') || 'none'})`);
}

const actor = () => `cli:${process.env.USER ?? 'unknown'}`;

export function registerRaceCommands(program: Command): void {
  const race = program.command('race').description('Inspect and change races');
  race
    .command('ls')
    .option('-c, --config <file>', 'config file', 'saima.yaml')
    .action(async (o: { config: string }) =>
      withStore(o.config, async (store, config) => {
        const s = await states(store, config);
        const rows = [...config.races.keys()].map((name) => {
          const st = s.get(name)!;
          const weights = s.book.get(name)!.entries.map((e) => `${e.name} ${e.weight}%`).join(', ');
          return [name, st.champion, weights, st.frozen ?? ''];
        });
        process.stdout.write(renderTable(['race', 'champion', 'traffic', 'frozen'], rows));
      }, { reads: true }),
    );
  race
    .command('show')
    .argument('<race>')
    .option('--json', 'JSON output')
    .option('-c, --config <file>', 'config file', 'saima.yaml')
    .action(async (name: string, o: { config: string; json?: boolean }) =>
      withStore(o.config, async (store, config) => {
        known(config, name);
        const s = await states(store, config);
        const st = s.get(name)!;
        const since = Math.min(st.championSince, ...st.challengers.map((c) => c.since));
        const [agg, fb, decisions] = await Promise.all([
          store.requests.aggregateByContender(name, since),
          store.feedback.aggregateByContender(name, since),
          store.decisions.list(name, { limit: 10 }),
        ]);
        if (o.json) return void process.stdout.write(`${JSON.stringify({ race: name, state: st, contenders: agg, feedback: fb, decisions }, null, 2)}\n`);
        const weight = new Map(s.book.get(name)!.entries.map((e) => [e.name, e.weight]));
        process.stdout.write(`race ${name}: champion ${st.champion}${st.frozen ? ` (ramping frozen: ${st.frozen})` : ''}\n\n`);
        process.stdout.write(
          renderTable(
            // Grouped by the assigned contender, as the monitor counts: `rescued` failed and a fallback answered;
            // `served` is what this contender answered (its own and its rescues of others), which its cost is of.
            ['contender', 'role', 'weight', 'assigned', 'error %', 'rescued', 'served', 'p95 ms', 'ttft p50 ms', 'feedback', 'cost'],
            agg.map((a) => {
              const f = fb.find((x) => x.contender === a.contender);
              const role = a.contender === st.champion ? 'champion' : (st.challengers.find((c) => c.contender === a.contender)?.status ?? 'other');
              return [a.contender, role, weight.get(a.contender) ?? 0, a.n, Number(((100 * a.errors) / Math.max(1, a.n)).toFixed(2)), a.rescued, a.served, a.latencyMs ? Math.round(a.latencyMs.p95) : null, a.ttftMs ? Math.round(a.ttftMs.p50) : null, f ? Number(f.mean.toFixed(3)) : null, (a.costNanos / 1e9).toFixed(4)];
            }),
          ),
        );
        process.stdout.write(`\nlast decisions:\n`);
        for (const d of decisions) process.stdout.write(`  ${new Date(d.ts).toISOString()}  ${d.action.padEnd(9)} ${d.contender ?? ''}  ${d.reason ?? ''}\n`);
      }, { reads: true }),
    );
  race
    .command('set-weight')
    .argument('<race>')
    .argument('<contender>')
    .argument('<weight>', 'percent of traffic')
    .requiredOption('--reason <text>', 'why (logged)')
    .option('-c, --config <file>', 'config file', 'saima.yaml')
    .action(async (name: string, contender: string, weight: string, o: { reason: string; config: string }) =>
      withStore(o.config, async (store, config) => {
        known(config, name);
        const s = await states(store, config);
        await s.update(name, (st) => setWeight(st, config, contender, Number(weight), o.reason, actor(), Date.now()));
        process.stdout.write(`${name}: ${contender} now at ${Number(weight)}%\n`);
      }),
    );
  race
    .command('unfreeze')
    .description('Let a frozen race ramp and promote again; the extra-spend count starts over')
    .argument('<race>')
    .requiredOption('--reason <text>', 'why (logged)')
    .option('-c, --config <file>', 'config file', 'saima.yaml')
    .action(async (name: string, o: { reason: string; config: string }) =>
      withStore(o.config, async (store, config) => {
        known(config, name);
        const s = await states(store, config);
        await s.update(name, (st) => unfreeze(st, o.reason, actor(), Date.now()));
        process.stdout.write(`${name}: unfrozen; extra spend is counted from now\n`);
      }),
    );
  for (const [cmd, fn, verb] of [
    ['promote', promote, 'promoted to champion'],
    ['rollback', rollback, 'rolled back to 0%'],
  ] as const) {
    race
      .command(cmd)
      .argument('<race>')
      .argument('<contender>')
      .requiredOption('--reason <text>', 'why (logged)')
      .option('-c, --config <file>', 'config file', 'saima.yaml')
      .action(async (name: string, contender: string, o: { reason: string; config: string }) =>
        withStore(o.config, async (store, config) => {
          known(config, name);
          const s = await states(store, config);
          await s.update(name, (st) => fn(st, contender, o.reason, actor(), Date.now()));
          process.stdout.write(`${name}: ${contender} ${verb}\n`);
        }),
      );
  }
}
