/**
 * `saima gate RACE CHALLENGER`: evaluate a challenger on the race's gate suites (with twins, next to the
 * champion), store the pass/fail verdict with its reasons for the race monitor's `gate` policy, and exit 0 on pass,
 * 1 on fail, so it can sit in a release pipeline. Settings come from `races.<race>.gate` in the config; flags
 * override them (and stand in for a race without a gate section).
 */
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../../config/types.js';
import { createRun } from '../../eval/create-run.js';
import { EvalError } from '../../eval/eval-error.js';
import { DEFAULT_MAX_DROP, DEFAULT_MAX_GAP, evaluateGate, gateSettingsFrom, newGateId, type GateSettings } from '../../eval/gate.js';
import { parseTwinKinds } from '../../eval/twins/index.js';
import { parseMoney } from '../../eval/money.js';
import { buildReport } from '../../eval/report.js';
import { loadRunResults } from '../../eval/run-results.js';
import { RaceStateSchema } from '../../race/race-state-schema.js';
import type { Store } from '../../store/index.js';
import { keyBudgetsNote, resolveCallScope, scopeFlags } from '../call-scope.js';
import { withStore } from '../open-store.js';
import { runWithProgress } from './eval.js';

interface GateFlags {
  config: string;
  suites?: string;
  minScore?: string;
  maxGap?: string;
  maxDrop?: string;
  twins?: string;
  contaminationBlocks?: boolean;
  robustnessBlocks?: boolean;
  alpha?: string;
  samples?: string;
  notWorseThanChampion?: boolean;
  concurrency: string;
  maxCost?: string;
  judge?: string;
  team?: string | boolean;
  key?: string;
  json?: boolean;
  progress?: boolean;
}

function num(flag: string, v: string | undefined, fallback: number | undefined): number {
  if (v === undefined) {
    if (fallback === undefined) throw new EvalError(`${flag} is required (the race has no gate section)`);
    return fallback;
  }
  const n = Number(v);
  if (!Number.isFinite(n)) throw new EvalError(`${flag} must be a number (got '${v}')`);
  return n;
}

export function gateSettings(config: Config, configFile: string, race: string, o: GateFlags): GateSettings {
  const r = config.races.get(race);
  if (!r) throw new EvalError(`no race named ${race} (races: ${[...config.races.keys()].join(', ') || 'none'})`);
  const g = r.gate;
  // Suites named in the config are relative to the config file; suites on the command line to the shell.
  const suites = o.suites ? o.suites.split(',').map((s) => s.trim()).filter(Boolean) : (g?.suites ?? []).map((s) => resolve(dirname(configFile), s));
  if (suites.length === 0) throw new EvalError(`race ${race} has no gate suites: add races.${race}.gate.suites to the config or pass --suites`);
  const base = g ? gateSettingsFrom(g, suites) : null;
  return {
    suites,
    twins: o.twins !== undefined ? parseTwinKinds(o.twins) : (base?.twins ?? null),
    minScore: num('--min-score', o.minScore, base?.minScore ?? 80),
    contamination: { blocks: o.contaminationBlocks ?? base?.contamination.blocks ?? true, max: num('--max-gap', o.maxGap, base?.contamination.max ?? DEFAULT_MAX_GAP) },
    robustness: { blocks: o.robustnessBlocks ?? base?.robustness.blocks ?? true, max: num('--max-drop', o.maxDrop, base?.robustness.max ?? DEFAULT_MAX_DROP) },
    alpha: num('--alpha', o.alpha, base?.alpha ?? 0.05),
    samples: num('--samples', o.samples, base?.samples ?? 1),
    notWorseThanChampion: o.notWorseThanChampion ?? base?.notWorseThanChampion ?? true,
  };
}

/** The champion now: the race state in the store when there is one (it is the truth), else the config's. */
async function currentChampion(store: Store, config: Config, race: string): Promise<string> {
  const stored = await store.raceState.get(race);
  const parsed = stored ? RaceStateSchema.safeParse(stored.state) : null;
  return parsed?.success ? parsed.data.champion : config.races.get(race)!.champion;
}

export function registerGateCommand(program: Command): void {
  program
    .command('gate')
    .description('Launch gate: evaluate CHALLENGER on the race\'s gate suites; exit 0 on pass, 1 on fail')
    .argument('<race>')
    .argument('<challenger>')
    .option('--suites <files>', 'gate suites, comma-separated (default: races.<race>.gate.suites)')
    .option('--min-score <n>', 'lowest score allowed on each suite, 0–100 (default 80)')
    .option('--twins <kinds>', 'twin kinds: auto, all, none, or kinds comma-separated (default: races.<race>.gate.twins, else auto)')
    .option('--max-gap <points>', 'contamination: largest significant drop allowed on authored/resampled/shuffled twins (default 5)')
    .option('--max-drop <points>', 'robustness: largest significant drop allowed on distractor/reformat/renaming twins (default 20)')
    .option('--contamination-blocks', 'a contamination drop above --max-gap fails the gate (default)')
    .option('--no-contamination-blocks', 'report a contamination drop without failing the gate')
    .option('--robustness-blocks', 'a robustness drop above --max-drop fails the gate (default)')
    .option('--no-robustness-blocks', 'report a robustness drop without failing the gate')
    .option('--alpha <a>', 'significance level (default 0.05)')
    .option('--samples <k>', 'samples per item (default 1)')
    .option('--not-worse-than-champion', 'fail when significantly worse than the champion (default)')
    .option('--no-not-worse-than-champion', 'skip the comparison with the champion')
    .option('--concurrency <n>', 'calls in flight per contender', '8')
    .option('--max-cost <amount>', 'stop the evaluation at this spend (the gate then fails as incomplete)')
    .option('--judge <contender>', 'judge contender for judge graders')
    .option('--team <team>', "team whose budgets the gate's calls pay from")
    .option('--no-team', "run outside every team's budget (needed when team budgets exist and neither --team nor --key is given)")
    .option('--key <id>', "key whose budgets (and team's) the gate's calls pay from, as if it made them")
    .option('--json', 'the verdict as JSON')
    .option('--progress', 'progress lines even when stderr is not a terminal')
    .option('--no-progress', 'no progress line')
    .option('-c, --config <file>', 'config file', 'saima.yaml')
    .action(async (race: string, challenger: string, o: GateFlags) =>
      withStore(o.config, async (store, config) => {
        const scope = await resolveCallScope(store, config, scopeFlags(o));
        const note = keyBudgetsNote(config, scope);
        if (note) process.stderr.write(note);
        const settings = gateSettings(config, o.config, race, o);
        if (!config.contenders.has(challenger)) throw new EvalError(`unknown contender '${challenger}'`);
        const champion = await currentChampion(store, config, race);
        const compare = settings.notWorseThanChampion && champion !== challenger;
        const run = await createRun(store, config, {
          suites: settings.suites,
          contenders: compare ? [challenger, champion] : [challenger],
          samples: settings.samples,
          twins: settings.twins,
          concurrency: Number(o.concurrency),
          maxCost: o.maxCost ? parseMoney(o.maxCost) : null,
          judge: o.judge ?? null,
          alpha: settings.alpha,
          team: scope.team,
          key: scope.keyId,
          teamless: o.team === false,
        });
        process.stderr.write(`saima: gate ${race}/${challenger}: run ${run.id} on ${settings.suites.length} suite${settings.suites.length > 1 ? 's' : ''}${compare ? ` next to champion ${champion}` : ''}\n`);
        await runWithProgress(run.id, store, config, { ...o, source: 'gate' });
        const results = await loadRunResults(store, config, run.id);
        const report = buildReport(results);
        const verdict = evaluateGate(results, report, challenger, compare ? champion : null, settings);
        const row = { id: newGateId(), ts: Date.now(), race, challenger, passed: verdict.passed, reasons: verdict.checks, runId: run.id };
        await store.evals.insertGate(row);
        const mine = report.contenders.find((c) => c.contender === challenger);
        if (o.json) process.stdout.write(`${JSON.stringify({ ...row, settings, verdict: mine?.verdict ?? null, contamination: mine?.contamination ?? null, robustness: mine?.robustness ?? null }, null, 2)}\n`);
        else {
          for (const c of verdict.checks) process.stdout.write(`${c.ok ? 'pass' : 'FAIL'}  ${c.check.padEnd(13)}  ${c.message}\n`);
          process.stdout.write(`gate ${verdict.passed ? 'passed' : 'failed'}: ${race}/${challenger} (run ${run.id}, ${row.id})\n`);
        }
        if (!verdict.passed) process.exitCode = 1;
      }),
    );
}
