/**
 * Creating a run: load the suites, generate their twins, check every contender named exists, and store the spec
 * and the frozen plan. Nothing is called yet; `executeRun` does that, and can do it again after a crash.
 */
import { randomBytes } from 'node:crypto';
import type { Config } from '../config/types.js';
import type { Store } from '../store/index.js';
import { identityOf } from './cache-key.js';
import { EvalError } from './eval-error.js';
import { needsJudge } from './graders/registry.js';
import type { Money } from './money.js';
import type { RunPlan, RunSpec } from './run-spec.js';
import { loadSuite } from './suite.js';
import { autoTwinKinds, suiteVariants, TWIN_KINDS, type TwinKind } from './twins/index.js';

export interface NewRunOptions {
  suites: readonly string[];
  contenders: readonly string[];
  samples: number;
  /** Twin kinds for every suite; null = `auto` (all for Saima suites, authored only for promptfoo configs). */
  twins: readonly TwinKind[] | null;
  /** Overrides every suite's own seed. */
  seed?: number | null;
  concurrency: number;
  maxCost?: Money | null;
  judge?: string | null;
  /** Contenders that anchor the reference-adjusted gap; added to the run when not among `contenders`. */
  references?: readonly string[];
  alpha?: number;
  /** Share no cached result with other runs: every sample of this run is a new call. */
  fresh?: boolean;
  /** The team whose budgets the run's calls pay from. */
  team?: string | null;
  /** The key whose budgets the run's calls pay from (`--key`). */
  key?: string | null;
  /** `--no-team`: outside every team's budget on purpose. */
  teamless?: boolean;
}

export interface CreatedRun {
  id: string;
  spec: RunSpec;
  plan: RunPlan;
}

export function newRunId(): string {
  return `run_${randomBytes(5).toString('hex')}`;
}

export function requireContender(config: Config, name: string, role: string): void {
  if (!config.contenders.has(name)) {
    const known = [...config.contenders.keys()];
    throw new EvalError(`unknown ${role} '${name}' (known contenders: ${known.join(', ') || 'none'})`);
  }
}

export async function createRun(store: Store, config: Config, opts: NewRunOptions, now: number = Date.now()): Promise<CreatedRun> {
  if (opts.suites.length === 0) throw new EvalError('name at least one suite');
  if (!Number.isInteger(opts.samples) || opts.samples < 1) throw new EvalError('--samples must be a whole number ≥ 1');
  if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1) throw new EvalError('--concurrency must be a whole number ≥ 1');
  const references = [...new Set(opts.references ?? [])];
  const contenders = [...new Set([...opts.contenders, ...references])];
  if (contenders.length === 0) throw new EvalError('name at least one contender (--contenders a,b)');
  for (const c of contenders) requireContender(config, c, 'contender');
  const judge = opts.judge ?? null;
  if (judge) requireContender(config, judge, 'judge');
  const alpha = opts.alpha ?? 0.05;
  if (!(alpha > 0 && alpha < 1)) throw new EvalError('--alpha must be between 0 and 1');

  const suites = opts.suites.map((file) => loadSuite(file));
  const names = new Set<string>();
  for (const s of suites) {
    if (names.has(s.name)) throw new EvalError(`two suites are named '${s.name}'; give one a different name`);
    names.add(s.name);
  }
  const plan: RunPlan = { variants: [], warnings: [] };
  const used = new Set<TwinKind>();
  for (const s of suites) {
    const kinds = opts.twins ?? autoTwinKinds(s);
    for (const k of kinds) used.add(k);
    const { variants, warnings } = suiteVariants(s, kinds, opts.seed ?? s.seed);
    plan.variants.push(...variants);
    plan.warnings.push(...warnings);
  }
  const judged = plan.variants.filter((v) => needsJudge(v.graders));
  for (const v of judged) {
    for (const g of v.graders) {
      if (g.type !== 'judge') continue;
      if (g.contender) requireContender(config, g.contender, 'judge');
      else if (!judge) throw new EvalError(`${v.suite}: items use the judge grader; name a judge contender with --judge NAME`);
    }
  }
  const id = newRunId();
  const spec: RunSpec = {
    version: 1,
    suites: suites.map((s) => ({ file: s.file, name: s.name, hash: s.hash, items: s.items.length })),
    contenders,
    identities: contenders.map((c) => identityOf(config.contenders.get(c)!)),
    samples: opts.samples,
    twins: TWIN_KINDS.filter((k) => used.has(k)),
    seed: opts.seed ?? null,
    concurrency: opts.concurrency,
    maxCost: opts.maxCost ?? null,
    judge,
    references,
    alpha,
    cacheSalt: opts.fresh ? id : '',
    gradingKeys: true,
    team: opts.team ?? null,
    key: opts.key ?? null,
    ...(opts.teamless ? { teamless: true as const } : {}),
  };
  await store.evals.createRun({ id, createdAt: now, updatedAt: now, status: 'running', stopReason: null, label: suites.map((s) => s.name).join(','), spec, plan });
  return { id, spec, plan };
}
