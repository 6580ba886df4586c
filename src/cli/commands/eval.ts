/**
 * `saima eval run|resume|report|ls|twins|schema|publish`: offline evaluation of contenders on suites with twins.
 * A run is stored (spec, plan, one row per completed call), so `resume` continues it after any interruption and
 * `report` re-renders it. Exit codes: 0 done, 3 stopped (cost cap, interruption, a contender that kept failing).
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { z } from 'zod';
import type { Config } from '../../config/types.js';
import { createRun, type NewRunOptions } from '../../eval/create-run.js';
import { EvalError } from '../../eval/eval-error.js';
import { parseMoney, type Money } from '../../eval/money.js';
import { renderProgress } from '../../eval/progress.js';
import type { RunProgress } from '../../eval/runner.js';
import { publicCopy } from '../../eval/publish.js';
import { buildReport, type EvalReport } from '../../eval/report.js';
import { renderReportMarkdown } from '../../eval/report-markdown.js';
import { renderReportText } from '../../eval/report-text.js';
import { loadRunResults } from '../../eval/run-results.js';
import { executeRun, type RunOutcome } from '../../eval/runner.js';
import { loadSuite } from '../../eval/suite.js';
import { SuiteSchema } from '../../eval/suite-schema.js';
import { autoTwinKinds, parseTwinKinds, suiteVariants } from '../../eval/twins/index.js';
import { ProviderRegistry } from '../../providers/registry.js';
import type { Store } from '../../store/index.js';
import { openCallBudget } from '../call-budget.js';
import { CallScopeError, keyBudgetsNote, resolveCallScope, scopeFlags } from '../call-scope.js';
import { withStore } from '../open-store.js';
import { parseStoredRun } from '../../eval/run-spec.js';

export const EXIT_STOPPED = 3;

interface OutputOptions {
  /** Only to print the matching resume command. */
  queue?: boolean;
  json?: boolean;
  md?: boolean;
  out?: string;
}

const list = (s: string | undefined) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);

function positiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new EvalError(`${name} must be a whole number ≥ 1 (got '${v}')`);
  return n;
}

/**
 * `--queue` hands the calls to `saima worker` processes through Redis; they must all reach the same database, so
 * a SQLite file (one machine's) is refused up front rather than failing in every worker.
 */
export function assertQueueable(config: Config): void {
  if (!config.redis) throw new EvalError('--queue needs `redis:` in the config (and `saima worker` processes reading the same config)');
  if (!/^postgres(ql)?:/.test(config.store)) throw new EvalError('--queue needs a PostgreSQL `store:` that every worker reaches (this config stores in SQLite)');
}

/** Plain (non-terminal) progress lines come at least this often. */
const PLAIN_PROGRESS_MS = 5_000;
/** How long the calls in flight get after a stop signal, unless `SAIMA_EVAL_GRACE_MS` says otherwise. */
export const DEFAULT_EVAL_GRACE_MS = 10_000;

export function evalGraceMs(env: NodeJS.ProcessEnv): number {
  const raw = env.SAIMA_EVAL_GRACE_MS;
  if (raw === undefined || raw === '') return DEFAULT_EVAL_GRACE_MS;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 0) throw new EvalError(`SAIMA_EVAL_GRACE_MS must be a whole number of milliseconds ≥ 0 (got '${raw}')`);
  return ms;
}

/**
 * Executes a run with a live progress line on stderr and Ctrl-C stopping it cleanly (a second Ctrl-C exits).
 * `queue`: the calls go to `saima worker` processes through Redis instead of this process; same line, same outcome.
 */
export async function runWithProgress(runId: string, store: Store, config: Config, opts: { progress?: boolean; queue?: boolean; capOverride?: Money; source?: 'eval' | 'gate' }): Promise<RunOutcome> {
  const stop = new AbortController();
  const graceMs = evalGraceMs(process.env);
  let interrupts = 0;
  // The first Ctrl-C or SIGTERM stops new calls and gives those in flight `graceMs` to land; the run is then
  // marked stopped (resumable). A second one exits at once.
  const onSignal = (signal: NodeJS.Signals) => {
    if (++interrupts > 1) process.exit(signal === 'SIGTERM' ? 143 : 130);
    process.stderr.write(`\nsaima: ${signal}: no new calls; the calls in flight get ${Math.round(graceMs / 1000)} s; resume with: saima eval resume ${runId}${opts.queue ? ' --queue' : ''}\n`);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const tty = process.stderr.isTTY === true;
  // Without a terminal (CI, a pipe, a log file) a plain line at least every PLAIN_PROGRESS_MS, so a long run
  // never looks hung; `--no-progress` silences it.
  const show = opts.progress ?? true;
  let lastPlain = 0;
  const onProgress = show
    ? (p: RunProgress) => {
        if (tty) process.stderr.write(`\r${renderProgress(p)}\x1b[K`);
        else if (p.finished || performance.now() - lastPlain >= PLAIN_PROGRESS_MS - 100) {
          lastPlain = performance.now();
          process.stderr.write(`${renderProgress(p)}\n`);
        }
      }
    : undefined;
  const providers = opts.queue ? null : new ProviderRegistry();
  // The calls pay from the same budgets as the gateway's traffic (queued calls: each worker reserves its own).
  const budget = providers ? await openCallBudget(store, config) : null;
  try {
    // Loaded only here: BullMQ and ioredis are tens of MB that no other command needs.
    if (!providers) return await (await import('../../cluster/eval-queue.js')).runOnQueue(runId, store, config, { signal: stop.signal, onProgress, pollMs: tty ? 200 : 500 });
    return await executeRun(runId, { store, config, providers, signal: stop.signal, graceMs, progressIntervalMs: tty ? 100 : 2000, onProgress, budget, source: opts.source ?? 'eval', ...(opts.capOverride ? { maxCost: opts.capOverride } : {}) });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (show && tty) process.stderr.write('\n');
    await providers?.close();
    await budget?.close();
  }
}

/**
 * A run made with neither --team nor --key (before the rule existed, or while no team budget did) may not escape
 * a team budget on resume: refused while one exists, unless `--no-team` says so, or the run was made with it.
 */
async function assertRunScope(store: Store, config: Config, runId: string, noTeam: boolean): Promise<void> {
  const record = await store.evals.getRun(runId);
  if (!record) return; // the runner says so
  const { spec } = parseStoredRun(runId, record.spec, record.plan);
  if (spec.team || spec.key || spec.teamless || noTeam) return;
  const teamBudgets = config.budgets.filter((b) => b.scope.team !== undefined).map((b) => b.name);
  if (teamBudgets.length > 0) throw new CallScopeError(`run ${runId} has no team and team budgets exist (${teamBudgets.join(', ')}): resume with --no-team to run it outside every team's budget`);
}

function emit(report: EvalReport, o: OutputOptions): void {
  const text = o.json ? `${JSON.stringify(report, null, 2)}\n` : o.md ? renderReportMarkdown(report) : renderReportText(report);
  if (o.out) {
    writeFileSync(o.out, text);
    process.stderr.write(`saima: report written to ${o.out}\n`);
  } else process.stdout.write(text);
}

async function finish(store: Store, config: Config, outcome: RunOutcome, o: OutputOptions): Promise<void> {
  emit(buildReport(await loadRunResults(store, config, outcome.runId)), o);
  if (outcome.status === 'stopped') {
    process.stderr.write(`saima: run ${outcome.runId} stopped: ${outcome.stopReason}; resume with: saima eval resume ${outcome.runId}${o.queue ? ' --queue' : ''}\n`);
    process.exitCode = EXIT_STOPPED;
  }
}

export function registerEvalCommands(program: Command): void {
  const evalCmd = program.command('eval').description('Evaluate contenders on suites with twins: scores, stability, gaming gap');
  const output = (c: Command) =>
    c
      .option('--json', 'the report as JSON')
      .option('--md', 'the report as Markdown')
      .option('--out <file>', 'write the report to a file instead of stdout')
      .option('-c, --config <file>', 'config file', 'saima.yaml');

  output(
    evalCmd
      .command('run')
      .description('Run suites (comma-separated files: suite YAML/JSONL or promptfoo configs) against contenders')
      .argument('<suites>', 'suite files, comma-separated')
      .requiredOption('--contenders <names>', 'contenders, comma-separated')
      .option('--samples <k>', 'samples per item (independent calls)', '1')
      .option('--twins <kinds>', 'auto (every kind; authored only for promptfoo configs), all, none, or kinds comma-separated', 'auto')
      .option('--concurrency <n>', 'calls in flight per contender', '8')
      .option('--max-cost <amount>', 'stop the run cleanly at this spend, e.g. 20CNY or 3USD')
      .option('--judge <contender>', 'judge contender for judge and llm-rubric graders')
      .option('--reference <names>', 'reference contenders for the reference-adjusted gap, comma-separated')
      .option('--alpha <a>', 'significance level of the gap verdict', '0.05')
      .option('--seed <n>', 'twin seed (default: each suite\'s own)')
      .option('--fresh', 'share no cached result with earlier runs')
      .option('--team <team>', "team whose budgets the run's calls pay from")
      .option('--no-team', "run outside every team's budget (needed when team budgets exist and neither --team nor --key is given)")
      .option('--key <id>', "key whose budgets (and team's) the run's calls pay from, as if it made them")
      .option('--progress', 'progress lines even when stderr is not a terminal')
      .option('--no-progress', 'no progress line')
      .option('--queue', 'let `saima worker` processes make the calls (needs redis: and a PostgreSQL store:)'),
  ).action(async (suites: string, o: OutputOptions & { contenders: string; samples: string; twins: string; concurrency: string; maxCost?: string; judge?: string; reference?: string; alpha: string; seed?: string; fresh?: boolean; team?: string | boolean; key?: string; progress?: boolean; config: string }) => {
    const opts: NewRunOptions = {
      suites: list(suites),
      contenders: list(o.contenders),
      samples: positiveInt('--samples', o.samples),
      twins: parseTwinKinds(o.twins),
      concurrency: positiveInt('--concurrency', o.concurrency),
      maxCost: o.maxCost ? parseMoney(o.maxCost) : null,
      judge: o.judge ?? null,
      references: list(o.reference),
      alpha: Number(o.alpha),
      seed: o.seed === undefined ? null : Number(o.seed),
      fresh: o.fresh === true,
    };
    if (opts.seed !== null && !Number.isInteger(opts.seed)) throw new EvalError(`--seed must be a whole number (got '${o.seed}')`);
    await withStore(o.config, async (store, config) => {
      if (o.queue) assertQueueable(config);
      const scope = await resolveCallScope(store, config, scopeFlags(o));
      const note = keyBudgetsNote(config, scope);
      if (note) process.stderr.write(note);
      const run = await createRun(store, config, { ...opts, team: scope.team, key: scope.keyId, teamless: o.team === false });
      const calls = run.spec.contenders.length * run.plan.variants.length * run.spec.samples;
      process.stderr.write(`saima: run ${run.id}: ${run.plan.variants.length} variants × ${run.spec.contenders.length} contenders × ${run.spec.samples} samples = ${calls} calls (before cache)${o.queue ? ' on the queue' : ''}; resume with: saima eval resume ${run.id}${o.queue ? ' --queue' : ''}\n`);
      for (const w of run.plan.warnings.slice(0, 5)) process.stderr.write(`saima: warning: ${w}\n`);
      await finish(store, config, await runWithProgress(run.id, store, config, o), o);
    });
  });

  output(
    evalCmd
      .command('resume')
      .description('Continue a stopped or interrupted run; completed calls are not repeated')
      .argument('<run>')
      .option('--no-progress', 'no progress line')
      .option('--progress', 'progress lines even when stderr is not a terminal')
      .option('--max-cost <amount>', "stop cleanly at this spend (the run's total, e.g. 20CNY), instead of the run's own cap")
      .option('--no-team', "resume a run made without --team or --key outside every team's budget")
      .option('--queue', 'let `saima worker` processes make the remaining calls (needs redis: and a PostgreSQL store:)'),
  ).action(async (runId: string, o: OutputOptions & { config: string; progress?: boolean; maxCost?: string; team?: boolean }) => {
    const maxCost = o.maxCost ? parseMoney(o.maxCost) : undefined;
    if (maxCost && o.queue) throw new EvalError('--max-cost on resume applies to calls made here; it cannot be combined with --queue');
    await withStore(o.config, async (store, config) => {
      if (o.queue) assertQueueable(config);
      await assertRunScope(store, config, runId, o.team === false);
      await finish(store, config, await runWithProgress(runId, store, config, { progress: o.progress, queue: o.queue, ...(maxCost ? { capOverride: maxCost } : {}) }), o);
    });
  });

  output(evalCmd.command('report').description('Report of a run: terminal table, --json or --md').argument('<run>')).action(async (runId: string, o: OutputOptions & { config: string }) =>
    withStore(o.config, async (store, config) => emit(buildReport(await loadRunResults(store, config, runId)), o), { reads: true }),
  );

  evalCmd
    .command('ls')
    .description('Recent runs')
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'JSON output')
    .option('-c, --config <file>', 'config file', 'saima.yaml')
    .action(async (o: { limit: string; json?: boolean; config: string }) =>
      withStore(o.config, async (store) => {
        const runs = await store.evals.listRuns(positiveInt('--limit', o.limit));
        if (o.json) return void process.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
        for (const r of runs) process.stdout.write(`${r.id}  ${new Date(r.createdAt).toISOString()}  ${r.status.padEnd(7)}  ${r.label}${r.stopReason ? `  (${r.stopReason})` : ''}\n`);
      }),
    );

  evalCmd
    .command('twins')
    .description('Show the variants a suite generates (no calls)')
    .argument('<suite>')
    .option('--twins <kinds>', 'auto, all, none, or kinds comma-separated', 'auto')
    .option('--seed <n>', 'twin seed')
    .option('--json', 'JSON output')
    .action((file: string, o: { twins: string; seed?: string; json?: boolean }) => {
      const suite = loadSuite(file);
      const { variants, warnings } = suiteVariants(suite, parseTwinKinds(o.twins) ?? autoTwinKinds(suite), o.seed === undefined ? suite.seed : Number(o.seed));
      if (o.json) return void process.stdout.write(`${JSON.stringify({ variants, warnings }, null, 2)}\n`);
      for (const v of variants) {
        process.stdout.write(`${v.id}  [${v.kind}]  expected ${JSON.stringify(v.expected)}${v.note ? `  (${v.note})` : ''}\n  ${v.messages[v.messages.length - 1]!.content.replace(/\n/g, '\n  ')}\n`);
      }
      for (const w of warnings) process.stderr.write(`saima: warning: ${w}\n`);
    });

  evalCmd
    .command('schema')
    .description('JSON Schema of the suite format')
    .action(() => void process.stdout.write(`${JSON.stringify(z.toJSONSchema(SuiteSchema, { io: 'input' }), null, 2)}\n`));

  evalCmd
    .command('publish')
    .description('Write the public copy of a suite: authored (private) twins removed')
    .argument('<suite>')
    .requiredOption('--out <file>', 'where to write it')
    .action((file: string, o: { out: string }) => {
      loadSuite(file);
      const { text, removed } = publicCopy(file);
      writeFileSync(o.out, text);
      process.stderr.write(`saima: wrote ${o.out} without ${removed} authored twin${removed === 1 ? '' : 's'}\n`);
    });
}
