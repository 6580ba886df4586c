/**
 * The verdict line per contender. `gap suspected` when the gaming gap is significant at α (pooled, or one kind at
 * α/m) and, when reference contenders are given, the reference-adjusted gap is significant too (so twins that are
 * simply harder for every model do not convict anyone). `clean` otherwise; `no twins` / `no data` when untestable.
 */
import type { GamingGap } from './gaming-gap.js';
import type { ScoreStats } from './metrics.js';
import type { ReferenceGap } from './reference-gap.js';

export interface Verdict {
  status: 'clean' | 'gap suspected' | 'no twins' | 'no data';
  line: string;
}

export function verdictOf(name: string, score: ScoreStats, gap: GamingGap, ref: ReferenceGap | null, alpha: number, significant: boolean): Verdict {
  if (score.items === 0) return { status: 'no data', line: `${name}: no data — no graded original item` };
  const g = gap.all;
  if (!g) return { status: 'no twins', line: `${name}: no twins — score ${fmt(score.score.value)} [${fmt(score.score.lower)}, ${fmt(score.score.upper)}]; the gaming gap needs twins` };
  const refOk = ref === null || (ref.delta > 0 && ref.pValue < alpha);
  const suspected = significant && refOk;
  const worstKind = [...gap.byKind].sort((x, y) => x.pValue - y.pValue)[0];
  const parts = [
    `originals ${fmt(100 * g.originalAccuracy)}, twins ${fmt(100 * g.twinAccuracy)}`,
    `gap ${signed(g.gap)} pts [95% CI ${fmt(g.lower)}, ${fmt(g.upper)}]`,
    `McNemar p = ${fmtP(g.pValue)} (b=${g.b}, c=${g.c}, n=${g.items})`,
  ];
  if (worstKind && gap.byKind.length > 1) parts.push(`strongest: ${worstKind.kind} ${signed(worstKind.gap)} pts, p = ${fmtP(worstKind.pValue)}`);
  if (ref) parts.push(`reference-adjusted ${signed(ref.delta)} pts [${fmt(ref.lower)}, ${fmt(ref.upper)}], p = ${fmtP(ref.pValue)}`);
  parts.push(`α = ${alpha}`);
  return { status: suspected ? 'gap suspected' : 'clean', line: `${name}: ${suspected ? 'gap suspected' : 'clean'} — ${parts.join('; ')}` };
}

export const fmt = (x: number): string => (Number.isNaN(x) ? '-' : x.toFixed(1));
export const signed = (x: number): string => (Number.isNaN(x) ? '-' : `${x >= 0 ? '+' : ''}${x.toFixed(1)}`);
export function fmtP(p: number): string {
  if (Number.isNaN(p)) return '-';
  if (p >= 0.001) return p.toFixed(3);
  return p.toExponential(1);
}
