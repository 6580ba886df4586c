/**
 * Read-only eval APIs for the dashboard (admin scope): `GET /admin/evals` lists runs with progress,
 * `GET /admin/evals/:run` is a run's report (the eval layer's `buildReport`, reshaped for charts),
 * `GET /admin/evals/headlines` gives each contender's latest finished run in a line (the leaderboard's columns).
 * A report of a run that is no longer running cannot change, so it is computed once and kept (bootstraps are not
 * free); a running run's is recomputed on each call.
 */
import type { FastifyInstance } from 'fastify';
import { buildReport, type ContenderReport, type EvalReport } from '../../eval/report.js';
import type { FamilyVerdict } from '../../eval/twin-verdicts.js';
import { loadRunResults } from '../../eval/run-results.js';
import type { EvalRunSummary } from '../../store/index.js';
import type { GatewayContext } from '../context.js';
import { SaimaError } from '../../errors.js';
import { requireAdmin } from './admin-keys.js';

/** Finished reports kept in memory, newest use last; a few hundred kB at most. */
const CACHE_LIMIT = 32;

interface Computed {
  report: EvalReport;
  /** Calls with a stored result, of all the plan asks for (contenders × variants × samples). */
  progress: { done: number; total: number };
}

function runView(run: EvalRunSummary, { report, progress }: Computed) {
  return {
    id: run.id,
    label: run.label,
    status: run.status,
    stop_reason: run.stopReason,
    created_at: run.createdAt,
    updated_at: run.updatedAt,
    contenders: report.contenders.map((c) => c.contender),
    samples: report.run.samples,
    progress,
  };
}

function familyView(v: FamilyVerdict | null) {
  if (!v) return null;
  return {
    significant: v.significant,
    gap: { value: v.pooled.gap, lower: v.pooled.lower, upper: v.pooled.upper },
    deciding_kind: v.decisive.kind,
    p_value: v.decisive.pValue,
    adjusted_p_value: v.decisive.adjustedP,
    kinds: v.kinds.map((k) => k.kind),
  };
}

function contenderView(c: ContenderReport) {
  const tests = new Map([...(c.contamination?.kinds ?? []), ...(c.robustness?.kinds ?? [])].map((k) => [k.kind, k]));
  const all = c.gap.all;
  const k = c.score.stability.k;
  return {
    contender: c.contender,
    reference: c.reference,
    score: c.score.score,
    items: c.score.items,
    pass_k: k >= 2 && Number.isFinite(c.score.stability.passHatK) ? 100 * c.score.stability.passHatK : null,
    k,
    gap: all ? { value: all.gap, lower: all.lower, upper: all.upper, p_value: all.pValue, flagged: c.verdict.status === 'gap suspected' } : null,
    verdict: c.verdict,
    contamination: familyView(c.contamination),
    robustness: familyView(c.robustness),
    twins: c.gap.byKind.map((g) => ({
      kind: g.kind,
      pairs: g.items,
      original: 100 * g.originalAccuracy,
      twin: 100 * g.twinAccuracy,
      gap: { value: g.gap, lower: g.lower, upper: g.upper },
      p_value: g.pValue,
      // Holm-adjusted over the kinds of the same family (contamination or robustness), originals' favour only.
      family: tests.has(g.kind) ? (c.contamination?.kinds.includes(tests.get(g.kind)!) ? 'contamination' : 'robustness') : null,
      adjusted_p_value: tests.get(g.kind)?.adjustedP ?? null,
      flagged: tests.get(g.kind)?.significant ?? false,
    })),
    cost_cny: c.cost.cnyNanos / 1e9,
    latency_p50_ms: c.latencyMs?.p50 ?? null,
  };
}

function worstView(c: ContenderReport) {
  return c.worst.map((w) => ({
    item_id: w.itemId,
    contender: c.contender,
    kind: w.twin.kind,
    note: w.twin.note,
    question: w.original.prompt,
    twin_question: w.twin.prompt,
    expected: w.original.expected === undefined || w.original.expected === null ? null : typeof w.original.expected === 'string' ? w.original.expected : JSON.stringify(w.original.expected),
    original_answer: w.original.answer,
    twin_answer: w.twin.answer,
    original_pass: w.original.accuracy / 100,
    twin_pass: w.twin.accuracy / 100,
    disagreement: w.disagreement,
  }));
}

export function registerAdminEvalRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  const finished = new Map<string, Computed>();

  const compute = async (run: EvalRunSummary): Promise<Computed> => {
    const cached = finished.get(run.id);
    if (cached) return cached;
    const results = await loadRunResults(ctx.store, ctx.config, run.id);
    const total = results.spec.contenders.length * results.plan.variants.length * results.spec.samples;
    const computed = { report: buildReport(results, { worst: 5 }), progress: { done: total - results.missing, total } };
    if (run.status !== 'running') {
      finished.set(run.id, computed);
      if (finished.size > CACHE_LIMIT) finished.delete(finished.keys().next().value!);
    }
    return computed;
  };

  app.get('/admin/evals', async (req) => {
    requireAdmin(req);
    const q = req.query as Record<string, unknown>;
    const runs = await ctx.store.evals.listRuns(typeof q.limit === 'string' ? Number(q.limit) || 30 : 30);
    return { object: 'list', data: await Promise.all(runs.map(async (run) => runView(run, await compute(run)))) };
  });

  // Launch-gate verdicts, newest first: each check a gate made (score, contamination, robustness, champion) with
  // its numbers, and the eval run behind it.
  app.get('/admin/gates', async (req) => {
    requireAdmin(req);
    const q = req.query as Record<string, unknown>;
    const rows = await ctx.store.evals.listGates(typeof q.race === 'string' && q.race !== '' ? q.race : null, typeof q.limit === 'string' ? Number(q.limit) || 50 : 50);
    return { object: 'list', data: rows.map((g) => ({ object: 'gate_verdict', id: g.id, ts: g.ts, race: g.race, challenger: g.challenger, passed: g.passed, checks: g.reasons, run_id: g.runId })) };
  });

  app.get('/admin/evals/headlines', async (req) => {
    requireAdmin(req);
    const seen = new Map<string, unknown>();
    for (const run of await ctx.store.evals.listRuns(50)) {
      if (run.status !== 'done') continue;
      const { report } = await compute(run);
      for (const c of report.contenders) {
        if (seen.has(c.contender) || c.score.items === 0) continue;
        const v = contenderView(c);
        seen.set(c.contender, { contender: c.contender, run_id: run.id, score: v.score, pass_k: v.pass_k, k: v.k, gap_flagged: v.gap ? v.gap.flagged : null, gap: v.gap ? v.gap.value : null });
      }
    }
    return { object: 'list', data: [...seen.values()] };
  });

  app.get('/admin/evals/:run', async (req) => {
    requireAdmin(req);
    const { run: id } = req.params as { run: string };
    const run = await ctx.store.evals.getRun(id);
    if (!run) throw new SaimaError('not_found', `No eval run '${id}'.`, 'run');
    const computed = await compute(run);
    const { report } = computed;
    return {
      object: 'eval.run',
      run: { ...runView(run, computed), twins: report.run.twins, alpha: report.run.alpha, suites: report.run.suites, warnings: report.run.warnings },
      contenders: report.contenders.map((c) => contenderView(c)),
      worst: report.contenders.flatMap(worstView).sort((a, b) => b.disagreement - a.disagreement).slice(0, 12),
    };
  });
}
