/**
 * The launch gate: a challenger is evaluated on the race's gate suites (with twins) next to the champion, and
 * passes only when every check holds: the run completed; its score on each suite is at least `min_score`; it shows
 * no significant gaming gap larger than `max_gap` points; and (optionally) it is not significantly worse than the
 * champion on the same original items (exact McNemar, paired per item, at α). The verdict and its reasons are
 * stored, so the race monitor's `gate` policy can read them.
 */
import { randomBytes } from 'node:crypto';
import { mcnemarExact } from '../stats/mcnemar.js';
import { pairedBootstrap } from '../stats/paired-bootstrap.js';
import { accuracy, itemRows } from './item-table.js';
import type { EvalReport } from './report.js';
import type { RunResults } from './run-results.js';
import { fmt, fmtP, signed } from './verdict.js';

export interface GateSettings {
  suites: string[];
  minScore: number;
  maxGap: number;
  alpha: number;
  notWorseThanChampion: boolean;
  samples: number;
}

export interface GateCheck {
  check: 'complete' | 'score' | 'gap' | 'champion';
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
  if (!me) return { passed: false, checks: [{ check: 'complete', ok: false, message: `${challenger} is not in run ${report.run.id}` }] };
  const missing = me.samples.missing + (champion ? (report.contenders.find((c) => c.contender === champion)?.samples.missing ?? 0) : 0);
  const complete = report.run.status === 'done' && missing === 0;
  checks.push({
    check: 'complete',
    ok: complete,
    message: complete ? `run ${report.run.id} complete` : `run ${report.run.id} incomplete (${report.run.status}${report.run.stopReason ? `: ${report.run.stopReason}` : ''}; ${missing} samples missing)`,
  });
  for (const suite of report.run.suites) {
    const b = me.suites.find((x) => x.key === suite.name);
    const score = b ? b.score : Number.NaN;
    const ok = score >= s.minScore;
    checks.push({ check: 'score', ok, message: `${suite.name}: score ${fmt(score)} ${ok ? '≥' : '<'} ${s.minScore}`, details: { suite: suite.name, score: Number.isNaN(score) ? null : score, min: s.minScore } });
  }
  const g = me.gap.all;
  if (!g) checks.push({ check: 'gap', ok: true, message: 'no twins: gaming gap not tested' });
  else {
    const suspected = me.verdict.status === 'gap suspected';
    const largest = Math.max(g.gap, ...me.gap.byKind.filter((k) => k.pValue < s.alpha / Math.max(1, me.gap.byKind.length)).map((k) => k.gap));
    const ok = !(suspected && largest > s.maxGap);
    checks.push({
      check: 'gap',
      ok,
      message: `gaming gap ${signed(g.gap)} pts [${fmt(g.lower)}, ${fmt(g.upper)}], McNemar p = ${fmtP(g.pValue)}: ${suspected ? (ok ? `significant but within ${s.maxGap}` : `significant and above ${s.maxGap}`) : 'not significant'}`,
      details: { gap: g.gap, lower: g.lower, upper: g.upper, pValue: g.pValue, largest, max: s.maxGap, verdict: me.verdict.line },
    });
  }
  if (s.notWorseThanChampion && champion && champion !== challenger) checks.push(versusChampion(results, challenger, champion, s.alpha));
  return { passed: checks.every((c) => c.ok), checks };
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
  if (a.length === 0) return { check: 'champion', ok: false, message: `no item graded for both ${challenger} and ${champion}` };
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

export const newGateId = (): string => `gate_${randomBytes(6).toString('hex')}`;
