/**
 * Per contender: role, weight, state, sample size, and the guardrail metrics with 95% intervals, plus the race
 * monitor's sequential-test status when a monitor runs in this gateway. Counts are by the contender the race
 * assigned, as the monitor counts (a rescued request is the assigned one's failure); `served` says who answered,
 * so a fallback outside the race gets a row of its own.
 */
import type { RaceReport } from '../../api/types.js';
import { fmtMoney, fmtMs, fmtNumber, fmtPct } from '../../components/format.js';
import { Interval } from '../../components/interval.js';
import { useI18n } from '../../i18n/i18n-context.js';
import type { MessageKey } from '../../i18n/en.js';
import { feedbackInterval, wilson } from './intervals.js';
import { challengerMonitor } from './monitor-status.js';
import { reasonCode, sayReason } from './reason-text.js';

const METRIC_KEYS = new Set(['error_rate', 'p95_latency', 'ttft', 'cost_per_request', 'feedback', 'judge_win_rate']);

export function GuardrailTable({ race, contenders, frozenText }: { race: RaceReport; contenders: readonly string[]; frozenText?: string | null }) {
  const { t, lang } = useI18n();
  const weightOf = new Map(race.weights.map((w) => [w.contender, w.weight]));
  const stateOf = new Map(race.challengers.map((c) => [c.contender, c.status]));
  const inRace = new Set(contenders);
  const rows = [...contenders, ...race.contenders.filter((a) => !inRace.has(a.contender) && a.served > 0).map((a) => a.contender)];
  return (
    <div className="table-wrap">
      <table className="table" data-testid="guardrail-table">
        <thead>
          <tr>
            <th>{t('common.contender')}</th>
            <th>{t('races.role')}</th>
            <th className="num">{t('races.weight')}</th>
            <th className="num">{t('races.assigned')}</th>
            <th>{t('races.errorRate')}</th>
            <th className="num nowrap">{t('races.rescuedServed')}</th>
            <th className="num">{t('races.p95')}</th>
            <th className="num">{t('races.ttft')}</th>
            <th>{t('races.feedback')}</th>
            <th className="num">{t('races.costPerReq')}</th>
            <th>{t('races.sequential')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((c) => {
            const agg = race.contenders.find((a) => a.contender === c);
            const fb = race.feedback.find((f) => f.contender === c);
            const n = agg?.n ?? 0;
            const err = agg && n > 0 ? agg.errors / n : null;
            const errCi = agg ? wilson(agg.errors, n) : null;
            const fbCi = fb ? feedbackInterval(fb.mean, fb.n) : null;
            const champion = c === race.champion;
            const fallback = !inRace.has(c);
            const state = champion ? null : stateOf.get(c);
            const mon = champion || fallback ? null : challengerMonitor(race.monitor, c, t);
            return (
              <tr key={c} data-testid={`contender-row-${c}`}>
                <td className="strong nowrap">{c}</td>
                <td>
                  <span className={champion ? 'badge badge-champion' : 'badge'}>{champion ? t('races.champion') : fallback ? t('races.fallback') : t('races.challenger')}</span>
                  {state && state !== 'active' ? <span className={`badge badge-${state}`}>{t(`races.status.${state}` as MessageKey)}</span> : null}
                </td>
                <td className="num" data-testid={`weight-${c}`}>{fmtNumber(weightOf.get(c) ?? 0, 1)}%</td>
                <td className="num" data-testid={`assigned-${c}`}>{n}</td>
                <td data-testid={`error-rate-${c}`}>
                  <Interval value={err} lo={errCi?.[0] ?? null} hi={errCi?.[1] ?? null} format={(x) => fmtPct(x)} />
                </td>
                <td className="num nowrap">
                  <span data-testid={`rescued-${c}`}>{agg?.rescued ?? 0}</span> / <span data-testid={`served-${c}`}>{agg?.served ?? 0}</span>
                </td>
                <td className="num">{fmtMs(agg?.latency_ms?.p95)}</td>
                <td className="num">{fmtMs(agg?.ttft_ms?.p95)}</td>
                <td>
                  {fb ? (
                    <>
                      <Interval value={fb.mean} lo={fbCi?.[0] ?? null} hi={fbCi?.[1] ?? null} format={(x) => (x >= 0 ? '+' : '') + x.toFixed(2)} scale={[-1, 1]} />
                      <span className="muted small"> (▲{fb.positive} ▼{fb.negative})</span>
                    </>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
                {/* Cost stays with who served and charged: per request it served. */}
                <td className="num">{agg && agg.served > 0 ? fmtMoney(agg.cost_nanos / 1e9 / agg.served, agg.currency) : '—'}</td>
                <td>
                  {champion || fallback ? (
                    <span className="muted small">{t('common.none')}</span>
                  ) : mon === null ? (
                    <span className="muted small">{t('races.monitorOff')}</span>
                  ) : (
                    <div className="seq" data-testid={`sequential-${c}`}>
                      {mon.error ? <span className="chip chip-bad" title={mon.error}>{t('races.monitorError')}</span> : null}
                      {mon.chips.length === 0 && !mon.error ? <span className="muted small">{t('races.monitorWaiting')}</span> : null}
                      {mon.chips.map((chip) => (
                        <span key={chip.metric} className={`chip chip-${chip.tone}`} title={chip.title}>
                          {METRIC_KEYS.has(chip.metric) ? t(`metric.${chip.metric}` as MessageKey) : chip.metric}: {t(`races.test.${chip.state}`)}
                        </span>
                      ))}
                      {mon.note ? <div className="muted small" data-testid={`monitor-note-${c}`}>{sayReason(reasonCode(mon.why), t, lang, frozenText) ?? mon.note}</div> : null}
                    </div>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="muted small">{t('races.countsHint')}</p>
    </div>
  );
}
