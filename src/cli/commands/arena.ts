/**
 * `saima arena judge`: LLM-judged battles for a race over a prompt file (each pair judged in both orders), and
 * `saima arena import`: battles from a file (Saima's or FastChat's shape), e.g. history from elsewhere, as one
 * transaction and as a set (battle-import.ts).
 * Both write to the store the gateway uses; judge calls are metered into the request log like any other call.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DEFAULT_JUDGE_PROMPT, importBattleFile, parseJudgePrompt, parsePromptsFile, runJudge } from '../../arena/index.js';
import { createAttemptDeps } from '../../gateway/context.js';
import { ProviderRegistry } from '../../providers/registry.js';
import { RaceBook } from '../../race/race-book.js';
import { RaceStates } from '../../race/race-states.js';
import { budgetGuard } from '../../arena/budget-guard.js';
import { PromptCalibration } from '../../metering/prompt-calibration.js';
import { openCallBudget } from '../call-budget.js';
import { keyBudgetsNote, resolveCallScope, scopeFlags } from '../call-scope.js';
import { withStore } from '../open-store.js';
import { renderTable } from '../table.js';

interface JudgeFlags {
  race: string;
  prompts: string;
  n: string;
  judge: string;
  judgePrompt?: string;
  concurrency: string;
  seed: string;
  contenders?: string;
  team?: string | boolean;
  key?: string;
  json?: boolean;
  config: string;
}

function positiveInt(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive whole number, got ${v}`);
  return n;
}

export function registerArenaCommands(program: Command): void {
  const arena = program.command('arena').description('Arena battles: LLM judge runs and imports');
  arena
    .command('judge')
    .description('Judge n battles of a race over a prompt file, each pair in both orders')
    .requiredOption('--race <race>', 'race whose contenders battle')
    .requiredOption('--prompts <file>', 'prompts: .jsonl, .json or one per line')
    .requiredOption('--judge <contender>', 'contender that judges')
    .option('--n <n>', 'battles to judge', '500')
    .option('--judge-prompt <file>', 'judge prompt: YAML/JSON {system, user} or a text template with {{question}}, {{answer_a}}, {{answer_b}}')
    .option('--concurrency <n>', 'battles in flight', '4')
    .option('--seed <n>', 'seed for prompt order and pairing', '0')
    .option('--contenders <list>', 'comma list instead of the race’s arena contenders')
    .option('--team <team>', 'team the calls are metered to (and whose budgets they pay from)')
    .option('--no-team', "run outside every team's budget (needed when team budgets exist and neither --team nor --key is given)")
    .option('--key <id>', "key whose budgets (and team's) the calls pay from, as if it made them")
    .option('--json', 'JSON summary')
    .option('-c, --config <file>', 'config file', 'saima.yaml')
    .action(async (o: JudgeFlags) => {
      const prompts = parsePromptsFile(readFileSync(o.prompts, 'utf8'), o.prompts);
      const judgePrompt = o.judgePrompt ? parseJudgePrompt(readFileSync(o.judgePrompt, 'utf8'), o.judgePrompt) : DEFAULT_JUDGE_PROMPT;
      const n = positiveInt(o.n, '--n');
      await withStore(o.config, async (store, config) => {
        const providers = new ProviderRegistry();
        // The answer and judge calls pay from the same budgets as the gateway's traffic.
        const { team, keyId } = await resolveCallScope(store, config, scopeFlags(o));
        const note = keyBudgetsNote(config, { team, keyId });
        if (note) process.stderr.write(note);
        const budget = await openCallBudget(store, config);
        // One calibration for the run: each contender's billed over estimated prompt tokens, from its settled calls.
        const calibration = new PromptCalibration();
        const guards = budget
          ? { answer: budgetGuard(budget, { team, keyId, race: o.race, source: 'arena' }, undefined, calibration), judge: budgetGuard(budget, { team, keyId, race: o.race, source: 'judge' }, undefined, calibration) }
          : null;
        try {
          const states = new RaceStates(store, config, new RaceBook(config));
          await states.init();
          const deps = { config, store, attemptDeps: createAttemptDeps(config, providers, Date.now, Math.random), now: Date.now, random: Math.random, stateOf: (r: string) => states.get(r) };
          let shown = 0;
          const summary = await runJudge(
            deps,
            {
              race: o.race, prompts, n, judge: o.judge, prompt: judgePrompt, concurrency: positiveInt(o.concurrency, '--concurrency'), seed: Number(o.seed),
              team, keyId, ...(guards ? { guards: { answer: guards.answer.guard, judge: guards.judge.guard } } : {}), ...(o.contenders ? { contenders: o.contenders.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
            },
            (done) => {
              if (!o.json && process.stderr.isTTY && (done === n || done - shown >= Math.max(1, n / 20))) {
                shown = done;
                process.stderr.write(`\rjudged ${done}/${n}`);
              }
            },
          );
          if (!o.json && process.stderr.isTTY) process.stderr.write('\n');
          if (summary.stopped !== null) {
            // Every call in flight has finished and is paid and logged by now.
            process.exitCode = 1;
            const failed = summary.judge_errors + summary.answer_errors;
            process.stderr.write(
              `saima: stopped after ${summary.battles} of ${n} battles: ${summary.stopped}; judged ${summary.battles - summary.judge_errors}, refused ${summary.refused}, failed ${failed}, not started ${Math.max(0, n - summary.battles - summary.refused - summary.answer_errors)}\n`,
            );
          }
          // A run whose judgements failed is not a success, even though what it judged is stored.
          const failed = summary.judge_errors + summary.answer_errors;
          if (failed > 0) {
            process.exitCode = 1;
            process.stderr.write(`saima: ${failed} of ${n} judgements failed (${summary.judge_errors} judge errors: no verdict; ${summary.answer_errors} answer errors: not judged)\n`);
          }
          if (o.json) return void process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
          const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(1)}%`);
          process.stdout.write(
            `${summary.race}: ${summary.battles} battles judged by ${summary.judge} among ${summary.contenders.join(', ')}\n` +
              `position consistency ${pct(summary.position_consistency)} (orders disagreeing count as ties); first position picked in ${pct(summary.first_position_rate)} of decisive verdicts\n` +
              `judge errors ${summary.judge_errors} (stored, never rated); answer errors ${summary.answer_errors} (not judged)\n\n`,
          );
          process.stdout.write(renderTable(['outcome', 'battles'], Object.entries(summary.outcomes).map(([k, v]) => [k, v])));
          const cost = Object.entries(summary.cost).map(([cur, v]) => `${v.toFixed(6)} ${cur}`).join(', ');
          process.stdout.write(`\ncost ${cost || '0'}; see the ratings with: saima leaderboard --race ${summary.race}\n`);
        } finally {
          await guards?.answer.drain();
          await guards?.judge.drain();
          await budget?.close();
          await providers.close();
        }
      });
    });
  arena
    .command('import')
    .description('Import battles from a file, wholly or not at all; battles already stored are skipped. JSON Lines (the POST /v1/arena/battles shape, or FastChat battle records) or a FastChat clean_battle JSON array')
    .argument('<file>')
    .option('--race <race>', 'race for battles that name none')
    .option('-c, --config <file>', 'config file', 'saima.yaml')
    .action(async (file: string, o: { config: string; race?: string }) => {
      await withStore(o.config, async (store, config) => {
        const r = await importBattleFile(store, config, file, { race: o.race ?? null });
        process.stdout.write(`imported ${r.battles} battles from ${file}: ${r.inserted} new, ${r.present} already present\n`);
      });
    });
}
