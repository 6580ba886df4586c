/**
 * Two verdicts, named for what they measure. Twins come in two families:
 *
 * - **contamination** (benchmark gaming): authored private twins, value-resampled twins and shuffled choices ask the
 *   same question with different surface values; a model that reasons scores the same, a model that learnt the
 *   public items (or was tuned to climb a public leaderboard) does not.
 * - **robustness**: distractor, reformat and renaming twins add noise; an honest model may lose points on them by
 *   being brittle, which is worth knowing but is not gaming.
 *
 * Each family is its own test: the exact McNemar test per twin kind (pairs over items, see gaming-gap.ts), with
 * Holm-adjusted p-values across the family's kinds, so the family-wise error rate stays at α however many kinds run.
 * A family is significant when some kind's drop is in the originals' favour with adjusted p < α; the kind that
 * decided (the significant kind with the largest drop, else the one closest to significance) is named with its p.
 */
import { holmAdjust } from '../stats/holm.js';
import { gapOver, type GamingGap, type GapResult } from './gaming-gap.js';
import type { ItemRow } from './item-table.js';
import { fmt, fmtP, signed } from './verdict-format.js';
import type { TwinKind } from './twins/twin-types.js';

export type TwinFamily = 'contamination' | 'robustness';

export const TWIN_FAMILY: Readonly<Record<TwinKind, TwinFamily>> = {
  authored: 'contamination',
  'resample-numbers': 'contamination',
  'shuffle-choices': 'contamination',
  distractor: 'robustness',
  reformat: 'robustness',
  'rename-entities': 'robustness',
};

export const familyKinds = (family: TwinFamily): TwinKind[] => (Object.keys(TWIN_FAMILY) as TwinKind[]).filter((k) => TWIN_FAMILY[k] === family);

export interface KindTest extends GapResult {
  /** Holm-adjusted over the kinds of the family that the run tested. */
  adjustedP: number;
  /** Drop in the originals' favour with adjusted p < α. */
  significant: boolean;
}

export interface FamilyVerdict {
  family: TwinFamily;
  alpha: number;
  /** The pooled drop over every twin of the family (its size; the decision rests on the kinds). */
  pooled: GapResult;
  kinds: KindTest[];
  significant: boolean;
  /** The kind that decided: the significant kind with the largest drop, else the kind with the smallest adjusted p. */
  decisive: KindTest;
}

export function familyVerdict(rows: readonly ItemRow[], gap: GamingGap, family: TwinFamily, alpha: number, opts: { seed?: number } = {}): FamilyVerdict | null {
  const tested = gap.byKind.filter((g) => g.kind !== 'all' && TWIN_FAMILY[g.kind as TwinKind] === family);
  if (tested.length === 0) return null;
  const pooled = gapOver(rows, family, (k) => TWIN_FAMILY[k] === family, opts);
  if (!pooled) return null;
  const adjusted = holmAdjust(tested.map((g) => g.pValue));
  const kinds = tested.map((g, i): KindTest => ({ ...g, adjustedP: adjusted[i]!, significant: g.gap > 0 && adjusted[i]! < alpha }));
  const significant = kinds.filter((k) => k.significant);
  const decisive = significant.length
    ? significant.reduce((a, b) => (b.gap > a.gap ? b : a))
    : kinds.reduce((a, b) => (b.adjustedP < a.adjustedP || (b.adjustedP === a.adjustedP && b.gap > a.gap) ? b : a));
  return { family, alpha, pooled, kinds, significant: significant.length > 0, decisive };
}

/** `distractor +48.0 pts [38.0, 58.0], McNemar p = 1.9e-9, Holm-adjusted over 3 kinds p = 5.7e-9 < α = 0.05` */
export function kindEvidence(k: KindTest, family: FamilyVerdict): string {
  const m = family.kinds.length;
  const adj = m > 1 ? `, Holm-adjusted over ${m} kinds p = ${fmtP(k.adjustedP)}` : '';
  return `${k.kind} ${signed(k.gap)} pts [${fmt(k.lower)}, ${fmt(k.upper)}] (n=${k.items}, b=${k.b}, c=${k.c}), McNemar p = ${fmtP(k.pValue)}${adj} ${k.adjustedP < family.alpha ? '<' : '≥'} α = ${family.alpha}`;
}

/** One line per family for the report: what it measures, the status, the deciding kind and its p. */
export function familyLine(v: FamilyVerdict): string {
  const status = v.family === 'contamination' ? (v.significant ? 'gap suspected' : 'clean') : v.significant ? 'brittle' : 'robust';
  const why = v.significant ? 'significant drop on' : 'within chance; closest';
  return `${v.family} ${status} — pooled ${signed(v.pooled.gap)} pts over ${v.kinds.map((k) => k.kind).join(', ')}; ${why}: ${kindEvidence(v.decisive, v)}`;
}
