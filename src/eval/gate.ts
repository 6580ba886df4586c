/**
 * The launch gate: a challenger is evaluated on the race's gate suites (with twins) next to the champion, and
 * passes only when every check holds: the run completed; its score on each suite is at least `min_score`; no
 * contamination twin kind shows a significant drop above `max_gap` points (benchmark gaming); no robustness twin kind
 * a significant drop above `max_drop` (brittleness; each family can be set to report without blocking); and
 * (optionally) it is not significantly worse than the champion on the same original items (exact McNemar, paired per item, at α). The verdict and its reasons are
 * stored, so the race monitor's `gate` policy can read them.
 */
import { randomBytes } from 'node:crypto';
import { mcnemarExact } from '../stats/mcnemar.js';
import { pairedBootstrap } from '../stats/paired-bootstrap.js';
import { accuracy, itemRows } from './item-table.js';
import type { EvalReport } from './report.js';
import type { RunResults } from './run-results.js';
import type { ReferenceGap } from './reference-gap.js';
import { familyKinds, kindEvidence, type FamilyVerdict, type TwinFamily } from './twin-verdicts.js';
import type { GateConfig } from '../config/types.js';
import { parseTwinKinds } from './twins/index.js';
import type { TwinKind } from './twins/twin-types.js';
import { fmt, fmtP, signed } from './verdict-format.js';

export interface FamilyGate {
  /** Whether a significant drop above `max` fails the gate (otherwise it is reported only). */
  blocks: boolean;
  /** Largest significant drop allowed, in points. */
  max: number;
}

export interface GateSettings {
  suites: string[];
  /** Twin kinds to run; null is `auto` (every kind; authored only for promptfoo configs). */
  twins: TwinKind[] | null;
  minScore: number;
  /** Benchmark gaming: authored, resampled and shuffled twins. */
  contamination: FamilyGate;
  /** Brittleness: distractor, reformat and renaming twins. */
  robustness: FamilyGate;
  alpha: number;
  notWorseThanChampion: boolean;
  samples: number;
}

export interface GateCheck {
  check: 'complete' | 'score' | 'contamination' | 'robustness' | 'champion';
  ok: boolean;
  message: string;
  details?: Record<string, unknown>;
}

export interface GateVerdict {
  passed: boolean;
  checks: GateCheck[];
}

export function evaluateGate(results: RunResults, report: EvalReport, challenger: string, champion: string | null, s: GateSettings): GateVerdict {
  const checks: GateCheck[] = [];
  const me = report.contenders.find((c) => c.contender === challenger);
  if (!me) return { passed: false, checks: [{ check: 'complete', ok: false, message: `${challenger} is not in run ${report.run.id}`, details: { run: report.run.id, absent: challenger } }] };
  const missing = me.samples.missing + (champion ? (report.contenders.find((c) => c.contender === champion)?.samples.missing ?? 0) : 0);
  const complete = report.run.status === 'done' && missing === 0;
  checks.push({
    check: 'complete',
    ok: complete,
    message: complete ? `run ${report.run.id} complete` : `run ${report.run.id} incomplete (${report.run.status}${report.run.stopReason ? `: ${report.run.stopReason}` : ''}; ${missing} samples missing)`,
    details: { run: report.run.id, status: report.run.status, stopReason: report.run.stopReason, missing },
  });
  for (const suite of report.run.suites) {
    const b = me.suites.find((x) => x.key === suite.name);
    const score = b ? b.score : Number.NaN;
    const ok = score >= s.minScore;
    checks.push({ check: 'score', ok, message: `${suite.name}: score ${fmt(score)} ${ok ? '≥' : '<'} ${s.minScore}`, details: { suite: suite.name, score: Number.isNaN(score) ? null : score, min: s.minScore } });
  }
  // The reference adjustment (when the run has references) can clear a contamination drop that every model shows.
  const refCleared = me.contamination?.significant === true && me.verdict.status !== 'gap suspected';
  checks.push(familyCheck(me.contamination, 'contamination', s.contamination, refCleared ? me.referenceGap : null));
  checks.push(familyCheck(me.robustness, 'robustness', s.robustness, null));
  if (s.notWorseThanChampion && champion && champion !== challenger) checks.push(versusChampion(results, challenger, champion, s.alpha));
  return { passed: checks.every((c) => c.ok), checks };
}

/**
 * One family's check. It fails only when the family blocks and its deciding kind dropped significantly (Holm-adjusted
 * p < α) by more than the limit; the line names that kind and the p that decided, never a pooled p.
 */
function familyCheck(v: FamilyVerdict | null, family: TwinFamily, g: FamilyGate, clearedBy: ReferenceGap | null): GateCheck {
  const limit = family === 'contamination' ? 'max_gap' : 'max_drop';
  if (!v) return { check: family, ok: true, message: `not tested: the run had no ${family} twins (${familyKinds(family).join(', ')})`, details: { tested: false, kinds: familyKinds(family) } };
  const k = v.decisive;
  // items, b and c are the counts McNemar's test rests on (item pairs, right on the original only, on the twin only).
  const details = { kind: k.kind, gap: k.gap, lower: k.lower, upper: k.upper, items: k.items, b: k.b, c: k.c, pValue: k.pValue, adjustedP: k.adjustedP, alpha: v.alpha, kinds: v.kinds.map((x) => x.kind), pooled: v.pooled.gap, max: g.max, blocks: g.blocks };
  const evidence = kindEvidence(k, v);
  if (!v.significant) return { check: family, ok: true, message: `within chance: closest ${evidence}`, details };
  if (clearedBy) {
    return { check: family, ok: true, message: `${evidence}, but the reference-adjusted gap ${signed(clearedBy.delta)} pts (p = ${fmtP(clearedBy.pValue)}) says the twins are harder for every model`, details: { ...details, referenceGap: clearedBy } };
  }
  const above = k.gap > g.max;
  const ok = !above || !g.blocks;
  const what = above ? `significant and above ${limit} ${g.max}` : `significant but within ${limit} ${g.max}`;
  return { check: family, ok, message: `${evidence}: ${what}${above && !g.blocks ? ` (${family} does not block: reported only)` : ''}`, details };
}

/** Paired over original items: is the challenger significantly worse than the champion (exact McNemar at α)? */
function versusChampion(results: RunResults, challenger: string, champion: string, alpha: number): GateCheck {
  const originals = results.plan.variants.filter((v) => v.kind === 'original');
  const mine = new Map(itemRows(originals, results.samples.get(challenger) ?? new Map()).map((r) => [r.itemId, accuracy(r.tally)]));
  const theirs = new Map(itemRows(originals, results.samples.get(champion) ?? new Map()).map((r) => [r.itemId, accuracy(r.tally)]));
  const a: number[] = [];
  const b: number[] = [];
  for (const [id, x] of mine) {
    const y = theirs.get(id);
    if (Number.isNaN(x) || y === undefined || Number.isNaN(y)) continue;
    a.push(x);
    b.push(y);
  }
  if (a.length === 0) return { check: 'champion', ok: false, message: `no item graded for both ${challenger} and ${champion}`, details: { champion, challenger, items: 0 } };
  let better = 0;
  let worse = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i]! > 0.5 && !(b[i]! > 0.5)) better++;
    else if (!(a[i]! > 0.5) && b[i]! > 0.5) worse++;
  }
  const p = mcnemarExact(better, worse).pValue;
  const ci = pairedBootstrap(a, b, { seed: 0 });
  const significantlyWorse = ci.estimate < 0 && worse > better && p < alpha;
  return {
    check: 'champion',
    ok: !significantlyWorse,
    message: `vs champion ${champion}: ${signed(100 * ci.estimate)} pts [${fmt(100 * ci.lower)}, ${fmt(100 * ci.upper)}], McNemar p = ${fmtP(p)}${significantlyWorse ? ': significantly worse' : ': not worse'}`,
    details: { champion, difference: 100 * ci.estimate, lower: 100 * ci.lower, upper: 100 * ci.upper, better, worse, pValue: p, items: a.length },
  };
}

/** Gate settings from a race's `gate` section (defaults filled by the config schema). */
export function gateSettingsFrom(g: GateConfig, suites: string[]): GateSettings {
  return {
    suites,
    twins: parseTwinKinds(Array.isArray(g.twins) ? g.twins.join(',') : g.twins),
    minScore: g.min_score,
    contamination: { blocks: g.contamination.blocks, max: g.contamination.max_gap ?? g.max_gap ?? DEFAULT_MAX_GAP },
    robustness: { blocks: g.robustness.blocks, max: g.robustness.max_drop },
    alpha: g.alpha,
    notWorseThanChampion: g.not_worse_than_champion,
    samples: g.samples,
  };
}

export const DEFAULT_MAX_GAP = 5;
export const DEFAULT_MAX_DROP = 20;

export const newGateId = (): string => `gate_${randomBytes(6).toString('hex')}`;
