/**
 * A launch-gate check in the page's language. The gate stores each check with an English line and the numbers
 * behind it (`details`: the run's completeness and why it stopped; the suite's score and minimum; the deciding twin
 * kind's gap, interval, McNemar counts (n, b, c), p and Holm-adjusted p against α, the limit; the twin kinds of a
 * family the run did not test; the difference against the champion with McNemar's p). The English page shows the
 * stored line, word for word what `saima gate` prints; a Chinese page says the check from its numbers — and, for a
 * verdict stored before a number was kept, reads it from the stored line, whose shapes are the gate's own.
 */
import type { Lang, Translate } from '../../i18n/i18n-context.js';
import { stopReasonText } from './stop-reason.js';

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

/** McNemar's counts as the English line gives them: from the details, or from the stored line of an older verdict. */
function counts(c: GateCheckView, d: Obj, t: Translate): string {
  const [n, b, cc] = [num(d.items), num(d.b), num(d.c)];
  if (n !== null && b !== null && cc !== null) return t('gates.msg.counts', { n, b, c: cc });
  const m = /\(n=(\d+), b=(\d+), c=(\d+)\)/.exec(c.message);
  return m ? t('gates.msg.counts', { n: m[1]!, b: m[2]!, c: m[3]! }) : '';
}

/** The completeness check: the run complete, incomplete (its status, why it stopped, samples missing), or without the challenger. */
function complete(c: GateCheckView, d: Obj | null, t: Translate, lang: Lang): string | null {
  if (c.ok) return t('gates.msg.complete');
  const absent = d && typeof d.absent === 'string' && typeof d.run === 'string' ? [d.absent, d.run] : /^(.+) is not in run (\S+)$/.exec(c.message)?.slice(1);
  if (absent) return t('gates.msg.absent', { challenger: absent[0]!, run: absent[1]! });
  let run: string, status: string, stop: string | null, missing: string;
  if (d && typeof d.run === 'string' && typeof d.status === 'string' && num(d.missing) !== null) {
    [run, status, stop, missing] = [d.run, d.status, typeof d.stopReason === 'string' ? d.stopReason : null, String(d.missing)];
  } else {
    const m = /^run (\S+) incomplete \((\w+)(?:: (.*))?; (\d+) samples missing\)$/s.exec(c.message);
    if (!m) return null;
    [run, status, stop, missing] = [m[1]!, m[2]!, m[3] ?? null, m[4]!];
  }
  const said = status === 'running' || status === 'done' || status === 'stopped' ? t(`evals.status.${status}`) : status;
  return t('gates.msg.incomplete', { run, status: stop ? `${said}：${stopReasonText(stop, t, lang)}` : said, missing });
}

function family(c: GateCheckView, d: Obj, t: Translate): string | null {
  const alpha = num(d.alpha);
  const adjusted = num(d.adjustedP);
  const kinds = Array.isArray(d.kinds) ? d.kinds.length : 1;
  if (typeof d.kind !== 'string' || alpha === null || adjusted === null) return null;
  const evidence = t(kinds > 1 ? 'gates.msg.evidenceHolm' : 'gates.msg.evidence', {
    kind: d.kind, gap: signed(num(d.gap)), lower: fmt(num(d.lower)), upper: fmt(num(d.upper)), counts: counts(c, d, t), p: fmtP(num(d.pValue)), adjusted: fmtP(adjusted), kinds,
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
      return complete(c, d, t, lang);
    case 'score':
      return d && num(d.min) !== null ? t('gates.msg.score', { suite: String(d.suite ?? ''), score: fmt(num(d.score)), cmp: c.ok ? '≥' : '<', min: String(d.min) }) : null;
    case 'contamination':
    case 'robustness':
      if (!d || d.tested === false) {
        if (!c.message.startsWith('not tested')) return null;
        const kinds = d && Array.isArray(d.kinds) ? d.kinds.join(', ') : (/\(([^)]*)\)$/.exec(c.message)?.[1] ?? '');
        return t('gates.msg.notTested', { family: t(`gates.check.${c.check}`), kinds });
      }
      return family(c, d, t);
    case 'champion': {
      const none = d && num(d.items) === 0 && typeof d.champion === 'string' && typeof d.challenger === 'string' ? [d.challenger, d.champion] : /^no item graded for both (.+) and (.+)$/.exec(c.message)?.slice(1);
      if (none) return t('gates.msg.noneGraded', { challenger: none[0]!, champion: none[1]! });
      if (!d || typeof d.champion !== 'string') return null;
      return t('gates.msg.champion', { champion: d.champion, diff: signed(num(d.difference)), lower: fmt(num(d.lower)), upper: fmt(num(d.upper)), p: fmtP(num(d.pValue)), verdict: t(c.ok ? 'gates.msg.notWorse' : 'gates.msg.worse') });
    }
    default:
      return null;
  }
}
