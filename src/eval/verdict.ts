/**
 * The verdict line per contender, with two verdicts named for what they measure (twin-verdicts.ts):
 * contamination — `gap suspected` when some contamination kind drops significantly (Holm-adjusted over the kinds
 * at α) and, when reference contenders are given, the reference-adjusted gap on those twins is significant too (so
 * twins that are simply harder for every model do not convict anyone), `clean` otherwise, `no twins` / `no data`
 * when untestable; robustness — `brittle` when some robustness kind drops significantly, `robust` otherwise, null
 * when the run had no robustness twins. A brittle model is not a gaming one.
 */
import type { ScoreStats } from './metrics.js';
import type { ReferenceGap } from './reference-gap.js';
import { familyLine, familyKinds, type FamilyVerdict } from './twin-verdicts.js';
import { fmt, fmtP, signed } from './verdict-format.js';

export interface Verdict {
  status: 'clean' | 'gap suspected' | 'no twins' | 'no data';
  robustness: 'robust' | 'brittle' | null;
  line: string;
}

export function verdictOf(name: string, score: ScoreStats, contamination: FamilyVerdict | null, robustness: FamilyVerdict | null, ref: ReferenceGap | null, alpha: number): Verdict {
  const rob = robustness ? (robustness.significant ? 'brittle' : 'robust') : null;
  if (score.items === 0) return { status: 'no data', robustness: rob, line: `${name}: no data — no graded original item` };
  const tail = robustness ? `; ${familyLine(robustness)}` : '';
  if (!contamination) {
    return {
      status: 'no twins',
      robustness: rob,
      line: `${name}: no twins — score ${fmt(score.score.value)} [${fmt(score.score.lower)}, ${fmt(score.score.upper)}]; the gaming gap needs contamination twins (${familyKinds('contamination').join(', ')})${tail}`,
    };
  }
  const refOk = ref === null || (ref.delta > 0 && ref.pValue < alpha);
  const suspected = contamination.significant && refOk;
  const c = contamination.pooled;
  const parts = [`originals ${fmt(100 * c.originalAccuracy)}, contamination twins ${fmt(100 * c.twinAccuracy)}`, familyLine(contamination)];
  if (ref) parts.push(`reference-adjusted ${signed(ref.delta)} pts [${fmt(ref.lower)}, ${fmt(ref.upper)}], one-sided bootstrap p = ${fmtP(ref.pValue)}${contamination.significant && !refOk ? ': not significant, so not suspected' : ''}`);
  return { status: suspected ? 'gap suspected' : 'clean', robustness: rob, line: `${name}: ${suspected ? 'gap suspected' : 'clean'} — ${parts.join('; ')}${tail}` };
}

export { fmt, fmtP, signed } from './verdict-format.js';
