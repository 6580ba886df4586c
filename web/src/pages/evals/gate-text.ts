/**
 * A launch-gate check in the page's language. The gate stores each check with an English line and the numbers
 * behind it (`details`: the suite's score and minimum; the deciding twin kind's gap, interval, p and Holm-adjusted p
 * against α, the limit; the difference against the champion with McNemar's p). The English page shows the stored
 * line, word for word what `saima gate` prints; a Chinese page says the check from its numbers. A check without
 * the numbers it needs shows its stored line.
 */
import type { Lang, Translate } from '../../i18n/i18n-context.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

// The gate's own number formats (src/eval/verdict-format.ts).
const fmt = (x: number | null) => (x === null ? '-' : x.toFixed(1));
const signed = (x: number | null) => (x === null ? '-' : `${x >= 0 ? '+' : ''}${x.toFixed(1)}`);
const fmtP = (p: number | null) => (p === null ? '-' : p >= 0.001 ? p.toFixed(3) : p.toExponential(1));

export interface GateCheckView {
  check: string;
  ok: boolean;
  message: string;
  details: unknown;
}

function family(c: GateCheckView, d: Obj, t: Translate): string | null {
  const alpha = num(d.alpha);
  const adjusted = num(d.adjustedP);
  const kinds = Array.isArray(d.kinds) ? d.kinds.length : 1;
  if (typeof d.kind !== 'string' || alpha === null || adjusted === null) return null;
  const evidence = t(kinds > 1 ? 'gates.msg.evidenceHolm' : 'gates.msg.evidence', {
    kind: d.kind, gap: signed(num(d.gap)), lower: fmt(num(d.lower)), upper: fmt(num(d.upper)), p: fmtP(num(d.pValue)), adjusted: fmtP(adjusted), kinds,
    cmp: adjusted < alpha ? '<' : '≥', alpha,
  });
  if (!(adjusted < alpha)) return t('gates.msg.withinChance', { evidence });
  const ref = isObj(d.referenceGap) ? d.referenceGap : null;
  if (ref && c.ok) return t('gates.msg.referenceCleared', { evidence, delta: signed(num(ref.delta)), p: fmtP(num(ref.pValue)) });
  const limit = c.check === 'contamination' ? 'max_gap' : 'max_drop';
  const above = (num(d.gap) ?? 0) > (num(d.max) ?? Infinity);
  const what = t(above ? 'gates.msg.above' : 'gates.msg.within', { limit, max: String(d.max) });
  return `${evidence}：${what}${above && d.blocks === false ? t('gates.msg.reportOnly') : ''}`;
}

/** The check's line in the page's language, or null for the stored line. */
export function gateCheckText(c: GateCheckView, t: Translate, lang: Lang): string | null {
  if (lang === 'en') return null;
  const d = isObj(c.details) ? c.details : null;
  switch (c.check) {
    case 'complete':
      return c.ok ? t('gates.msg.complete') : null;
    case 'score':
      return d && num(d.min) !== null ? t('gates.msg.score', { suite: String(d.suite ?? ''), score: fmt(num(d.score)), cmp: c.ok ? '≥' : '<', min: String(d.min) }) : null;
    case 'contamination':
    case 'robustness':
      if (!d) return c.ok && c.message.startsWith('not tested') ? t('gates.msg.notTested', { family: t(`gates.check.${c.check}`) }) : null;
      return family(c, d, t);
    case 'champion':
      if (!d || typeof d.champion !== 'string') return null;
      return t('gates.msg.champion', { champion: d.champion, diff: signed(num(d.difference)), lower: fmt(num(d.lower)), upper: fmt(num(d.upper)), p: fmtP(num(d.pValue)), verdict: t(c.ok ? 'gates.msg.notWorse' : 'gates.msg.worse') });
    default:
      return null;
  }
}
