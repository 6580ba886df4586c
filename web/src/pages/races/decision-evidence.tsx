/**
 * The evidence a monitor decision rested on, kept with the decision: its window (weight, step, requests, the unit of
 * analysis) and one row per metric tested — units per arm, the effect in plain words, the margin, the harm test's
 * p against its α, and the verdict. The race's live evidence table shows the current window, which starts afresh
 * after a decision; this is what the decision itself saw. The monitor owns the shape, so it is read loosely.
 */
import { fmtInt, fmtTime } from '../../components/format.js';
import { useI18n, type Lang, type Translate } from '../../i18n/i18n-context.js';
import type { MessageKey } from '../../i18n/en.js';
import { metricChip } from './monitor-status.js';
import { metricName } from './reason-text.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Metrics whose effect is a ratio challenger / champion (latency, TTFT, cost); the others are differences of rates. */
const RATIO = new Set(['p95_latency', 'ttft', 'cost_per_request']);

function pValue(v: number): string {
  return v < 0.001 ? v.toExponential(1) : v.toFixed(3);
}

/** `+2.9 pts` for a difference of rates, `×1.31` for a ratio; the margin likewise (`1 pt`, `+20 %`). */
export function effectText(metric: string, effect: number | null, pts = 'pts'): string {
  if (effect === null) return '—';
  if (RATIO.has(metric)) return `×${effect.toFixed(2)}`;
  const points = effect * 100;
  return `${points >= 0 ? '+' : '−'}${Math.abs(points).toFixed(1)} ${pts}`;
}

export function marginText(metric: string, margin: number | null, pts = 'pts'): string {
  if (margin === null) return '—';
  return RATIO.has(metric) ? `+${(margin * 100).toFixed(0)} %` : `${(margin * 100).toFixed(1)} ${pts}`;
}

/** Whether a decision's details carry the monitor's tests (its automatic decisions do; manual changes do not). */
export function hasEvidence(details: unknown): boolean {
  return isObj(details) && Array.isArray(details.tests) && details.tests.some((m) => isObj(m) && typeof m.metric === 'string');
}

/** The window line: when it started, at what weight, requests per arm, the unit of analysis and α. */
function windowText(details: Obj, t: Translate, lang: Lang): string | null {
  const w = isObj(details.window) ? details.window : null;
  if (!w) return null;
  const req = isObj(w.requests) ? w.requests : null;
  const alpha = num(details.alpha);
  const since = num(w.since);
  return t('races.ev.window', {
    since: since === null ? '—' : fmtTime(since, lang),
    weight: String(num(w.weight) ?? '—'),
    champion: req && num(req.champion) !== null ? fmtInt(num(req.champion)!, lang) : '—',
    challenger: req && num(req.challenger) !== null ? fmtInt(num(req.challenger)!, lang) : '—',
    unit: details.unit === 'effective user' ? t('races.ev.unitUsers') : t('races.ev.unitRequests'),
    alpha: alpha === null ? '—' : String(alpha),
  });
}

const testsOf = (details: Obj) => (Array.isArray(details.tests) ? details.tests : []).filter((m): m is Obj => isObj(m) && typeof m.metric === 'string' && m.available !== false);

/** The evidence as short lines for a tooltip: the window, then per metric its effect, harm p against α and verdict. */
export function evidenceLines(details: unknown, t: Translate, lang: Lang): string[] {
  if (!isObj(details)) return [];
  const lines = [windowText(details, t, lang) ?? ''];
  for (const m of testsOf(details)) {
    const metric = String(m.metric);
    const chip = metricChip(m);
    const harm = isObj(m.harm) ? m.harm : null;
    const hp = harm ? num(harm.pValue) : null;
    const ha = harm ? num(harm.alpha) : null;
    const p = hp === null ? '—' : `${pValue(hp)}${ha === null ? '' : ` ${hp < ha ? '<' : '≥'} ${pValue(ha)}`}`;
    lines.push(`${metricName(metric, t)}: ${effectText(metric, num(m.effect), t('races.ev.pts'))} · ${t('races.ev.harmP')} ${p}${chip ? ` · ${t(`races.test.${chip.state}` as MessageKey)}` : ''}`);
  }
  return lines.filter(Boolean);
}

export function DecisionEvidence({ details }: { details: unknown }) {
  const { t, lang } = useI18n();
  if (!isObj(details) || !Array.isArray(details.tests)) return null;
  const tests = testsOf(details);
  const window = windowText(details, t, lang);
  return (
    <div className="evidence" data-testid="decision-evidence">
      {window ? (
        <p className="small muted" data-testid="evidence-window">
          {window}
        </p>
      ) : null}
      {tests.length > 0 ? (
        <table className="table table-compact">
          <thead>
            <tr>
              <th>{t('races.ev.metric')}</th>
              <th className="num">{t('races.ev.units')}</th>
              <th className="num">{t('races.ev.effect')}</th>
              <th className="num">{t('races.ev.margin')}</th>
              <th className="num">{t('races.ev.harmP')}</th>
              <th>{t('races.ev.verdict')}</th>
            </tr>
          </thead>
          <tbody>
            {tests.map((m) => {
              const metric = String(m.metric);
              const chip = metricChip(m);
              const harm = isObj(m.harm) ? m.harm : null;
              const hp = harm ? num(harm.pValue) : null;
              const ha = harm ? num(harm.alpha) : null;
              const n = (side: unknown) => (isObj(side) && num(side.n) !== null ? fmtInt(Math.round(num(side.n)!), lang) : '—');
              return (
                <tr key={metric} data-testid={`evidence-${metric}`}>
                  <td>{metricName(metric, t)}</td>
                  <td className="num" data-testid="evidence-n">
                    {n(m.champion)} / {n(m.challenger)}
                  </td>
                  <td className="num">{effectText(metric, num(m.effect), t('races.ev.pts'))}</td>
                  <td className="num">{marginText(metric, num(m.margin), t('races.ev.pts'))}</td>
                  <td className="num" data-testid="evidence-p">
                    {hp === null ? '—' : `${pValue(hp)}${ha === null ? '' : ` ${hp < ha ? '<' : '≥'} ${pValue(ha)}`}`}
                  </td>
                  <td>{chip ? <span className={`chip chip-${chip.tone}`}>{t(`races.test.${chip.state}` as MessageKey)}</span> : '—'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
