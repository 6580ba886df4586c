/**
 * The report of a run: per contender, score with CI, stability, gaming gap per twin kind, reference-adjusted gap,
 * a verdict line, per-tag and per-suite breakdowns, cost and latency, and the items where originals and twins
 * disagree most. One JSON-able object; the terminal table and the Markdown report render it.
 */
import { gamingGap, gapFor, type GamingGap } from './gaming-gap.js';
import { accuracy, itemRows, twinAccuracy, type ItemRow } from './item-table.js';
import { scoreStats, type ScoreStats } from './metrics.js';
import { referenceGap, type ReferenceGap } from './reference-gap.js';
import type { RunResults, Sample } from './run-results.js';
import { familyVerdict, TWIN_FAMILY, type FamilyVerdict } from './twin-verdicts.js';
import type { TwinKind } from './twins/twin-types.js';
import { verdictOf, type Verdict } from './verdict.js';

export interface Breakdown {
  key: string;
  items: number;
  score: number;
  twinAccuracy: number | null;
  gap: number | null;
}

export interface WorstItem {
  itemId: string;
  /** Original accuracy minus the worst twin's, in points. */
  disagreement: number;
  original: { prompt: string; expected: unknown; answer: string | null; accuracy: number };
  twin: { id: string; kind: string; note: string | null; prompt: string; expected: unknown; answer: string | null; accuracy: number };
}

export interface ContenderReport {
  contender: string;
  reference: boolean;
  score: ScoreStats;
  /** Twin accuracy over items with twins, points; null without twins. */
  twinAccuracy: number | null;
  gap: GamingGap;
  /** The drop on twins a reasoning model answers as well (gaming); null when the run had none of them. */
  contamination: FamilyVerdict | null;
  /** The drop on noisy twins (brittleness); null when the run had none of them. */
  robustness: FamilyVerdict | null;
  referenceGap: ReferenceGap | null;
  verdict: Verdict;
  samples: { graded: number; errors: number; missing: number };
  errorCodes: Record<string, number>;
  cost: { cnyNanos: number; perSampleCnyNanos: number | null };
  latencyMs: { p50: number; p95: number } | null;
  tokens: { prompt: number; completion: number };
  tags: Breakdown[];
  suites: Breakdown[];
  worst: WorstItem[];
}

export interface EvalReport {
  run: {
    id: string;
    status: string;
    stopReason: string | null;
    createdAt: number;
    label: string;
    suites: Array<{ name: string; file: string; items: number }>;
    samples: number;
    twins: string[];
    alpha: number;
    references: string[];
    judge: string | null;
    missing: number;
    warnings: string[];
  };
  contenders: ContenderReport[];
}

export function buildReport(results: RunResults, opts: { worst?: number; seed?: number } = {}): EvalReport {
  const { spec, plan, record } = results;
  const rowsBy = new Map<string, ItemRow[]>();
  for (const name of spec.contenders) rowsBy.set(name, itemRows(plan.variants, results.samples.get(name) ?? new Map()));
  // The reference adjustment is about contamination, so it fits on contamination twins only.
  const contaminationRows = new Map([...rowsBy].map(([name, rows]) => [name, rows.map((r) => ({ ...r, twins: r.twins.filter((t) => TWIN_FAMILY[t.variant.kind as TwinKind] === 'contamination') }))]));
  const contenders = spec.contenders.map((name): ContenderReport => {
    const rows = rowsBy.get(name)!;
    const all = [...(results.samples.get(name)?.values() ?? [])].flat();
    const withTwins = rows.filter((r) => r.twins.length > 0);
    const twinAcc = mean(withTwins.map((r) => twinAccuracy(r.twins)).filter((x) => !Number.isNaN(x)));
    const gap = gamingGap(rows, { seed: opts.seed ?? 0 });
    const refGap = spec.references.includes(name) ? null : referenceGap(name, contaminationRows, spec.references, { seed: opts.seed ?? 0 });
    const contamination = familyVerdict(rows, gap, 'contamination', spec.alpha, { seed: opts.seed ?? 0 });
    const robustness = familyVerdict(rows, gap, 'robustness', spec.alpha, { seed: opts.seed ?? 0 });
    const score = scoreStats(rows, spec.samples, { seed: opts.seed ?? 0 });
    const graded = all.filter((s) => s.status === 'pass' || s.status === 'fail');
    const errors = all.filter((s) => s.status === 'error');
    const cost = all.reduce((s, x) => s + x.costCnyNanos, 0);
    const verdict = verdictOf(name, score, contamination, robustness, refGap, spec.alpha);
    return {
      contender: name,
      reference: spec.references.includes(name),
      score,
      twinAccuracy: Number.isNaN(twinAcc) ? null : 100 * twinAcc,
      gap,
      contamination,
      robustness,
      referenceGap: refGap,
      verdict,
      samples: { graded: graded.length, errors: errors.length, missing: all.filter((s) => s.status === 'missing').length },
      errorCodes: countBy(errors.map((e) => e.error?.code ?? 'error')),
      cost: { cnyNanos: cost, perSampleCnyNanos: all.length - errors.length > 0 ? cost / (all.length - errors.length) : null },
      latencyMs: percentiles(all),
      tokens: { prompt: sum(all.map((s) => s.promptTokens)), completion: sum(all.map((s) => s.completionTokens)) },
      tags: breakdown(rows, (r) => r.tags),
      suites: breakdown(rows, (r) => [r.suite]),
      worst: worstItems(rows, opts.worst ?? 10),
    };
  });
  return {
    run: {
      id: record.id,
      status: record.status,
      stopReason: record.stopReason,
      createdAt: record.createdAt,
      label: record.label,
      suites: spec.suites.map((s) => ({ name: s.name, file: s.file, items: s.items })),
      samples: spec.samples,
      twins: spec.twins,
      alpha: spec.alpha,
      references: spec.references,
      judge: spec.judge,
      missing: results.missing,
      warnings: plan.warnings,
    },
    contenders,
  };
}

function breakdown(rows: readonly ItemRow[], keysOf: (r: ItemRow) => readonly string[]): Breakdown[] {
  const groups = new Map<string, ItemRow[]>();
  for (const r of rows) for (const k of keysOf(r)) groups.set(k, [...(groups.get(k) ?? []), r]);
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, rs]) => {
      const acc = rs.map((r) => accuracy(r.tally)).filter((x) => !Number.isNaN(x));
      const twins = rs.map((r) => twinAccuracy(r.twins)).filter((x) => !Number.isNaN(x));
      const g = gapFor(rs, 'all', { seed: 0 });
      return { key, items: acc.length, score: 100 * mean(acc), twinAccuracy: twins.length ? 100 * mean(twins) : null, gap: g ? g.gap : null };
    });
}

function worstItems(rows: readonly ItemRow[], limit: number): WorstItem[] {
  const out: WorstItem[] = [];
  for (const r of rows) {
    const a = accuracy(r.tally);
    if (Number.isNaN(a)) continue;
    let worst: { t: ItemRow['twins'][number]; acc: number } | null = null;
    for (const t of r.twins) {
      const acc = t.tally.n ? t.tally.c / t.tally.n : Number.NaN;
      if (!Number.isNaN(acc) && (worst === null || Math.abs(a - acc) > Math.abs(a - worst.acc))) worst = { t, acc };
    }
    if (!worst || worst.acc === a) continue;
    out.push({
      itemId: r.itemId,
      disagreement: 100 * (a - worst.acc),
      original: { prompt: lastUser(r.original.messages), expected: r.original.expected, answer: firstAnswer(r.samples), accuracy: 100 * a },
      twin: { id: worst.t.variant.id, kind: worst.t.variant.kind, note: worst.t.variant.note, prompt: lastUser(worst.t.variant.messages), expected: worst.t.variant.expected, answer: firstAnswer(worst.t.samples), accuracy: 100 * worst.acc },
    });
  }
  return out.sort((x, y) => Math.abs(y.disagreement) - Math.abs(x.disagreement) || x.itemId.localeCompare(y.itemId)).slice(0, limit);
}

const lastUser = (messages: ReadonlyArray<{ role: string; content: string }>) => [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
const firstAnswer = (samples: readonly Sample[]) => samples.find((s) => s.answer !== null)?.answer ?? null;
const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
const mean = (xs: number[]) => (xs.length ? sum(xs) / xs.length : Number.NaN);

function countBy(keys: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = (out[k] ?? 0) + 1;
  return out;
}

function percentiles(samples: readonly Sample[]): { p50: number; p95: number } | null {
  const lat = samples.map((s) => s.latencyMs).filter((x): x is number => x !== null).sort((a, b) => a - b);
  if (lat.length === 0) return null;
  const at = (q: number) => lat[Math.min(lat.length - 1, Math.ceil(q * lat.length) - 1)]!;
  return { p50: at(0.5), p95: at(0.95) };
}
