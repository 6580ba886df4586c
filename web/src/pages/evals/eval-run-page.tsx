/** One eval run: score per contender with CI, originals vs twins per twin kind with the verdict, worst items. */
import { useEffect, useState } from 'react';
import { isUnknownRoute } from '../../api/api-error.js';
import type { EvalRunReport } from '../../api/eval-types.js';
import { useApi } from '../../api/use-api.js';
import { CiChart } from '../../charts/ci-chart.js';
import { useContenderColors } from '../../charts/contender-colors.js';
import { fmtMoney, fmtTime } from '../../components/format.js';
import { Panel } from '../../components/panel.js';
import { EmptyState, ErrorBanner, Loading } from '../../components/status-views.js';
import { useI18n } from '../../i18n/i18n-context.js';
import { Link } from '../../router/router.js';
import { RunStatus } from './run-status.js';
import { TwinBars } from './twin-bars.js';
import { WorstItems } from './worst-items.js';

const pct = (x: number) => x.toFixed(1);

export function EvalRunPage({ id }: { id: string }) {
  const { t, lang } = useI18n();
  const colorOf = useContenderColors();
  const [live, setLive] = useState(true);
  const report = useApi<EvalRunReport>(`/admin/evals/${encodeURIComponent(id)}`, live ? { refreshMs: 5000 } : {});
  useEffect(() => {
    if (report.data) setLive(report.data.run.status === 'running');
  }, [report.data]);
  if (isUnknownRoute(report.error)) return <EmptyState testId="evals-unavailable">{t('evals.unavailable')}</EmptyState>;
  if (report.error && !report.data) return <ErrorBanner error={report.error} onRetry={report.reload} />;
  if (!report.data) return <Loading />;
  const { run, contenders, worst } = report.data;
  const withTwins = contenders.filter((c) => c.twins.length > 0);
  return (
    <div className="stack" data-testid="eval-run-page">
      <Link to="/evals" className="small">
        ← {t('evals.back')}
      </Link>
      <div className="race-head">
        <h1>{run.label}</h1>
        <span className="muted">
          <RunStatus run={run} /> {fmtTime(run.created_at, lang)} · {run.progress.done}/{run.progress.total} · <span className="mono">{run.id}</span>
        </span>
      </div>
      <Panel title={t('evals.scores')}>
        {contenders.length === 0 ? (
          <EmptyState>{t('common.notAvailable')}</EmptyState>
        ) : (
          <>
            <CiChart rows={contenders.map((c) => ({ name: c.contender, value: c.score.value, lower: c.score.lower, upper: c.score.upper }))} axisName={t('evals.score')} range={[0, 100]} format={pct} testId="eval-scores" colorOf={colorOf} />
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th>{t('common.contender')}</th>
                    <th className="num">{t('evals.score')}</th>
                    <th className="num">{t('lb.stability')}</th>
                    <th>{t('lb.gap')}</th>
                    <th className="num">{t('evals.cost')}</th>
                  </tr>
                </thead>
                <tbody>
                  {contenders.map((c) => (
                    <tr key={c.contender} data-testid={`eval-row-${c.contender}`}>
                      <td className="strong">{c.contender}</td>
                      <td className="num">
                        {pct(c.score.value)} <span className="muted small">[{pct(c.score.lower)}, {pct(c.score.upper)}]</span>
                      </td>
                      <td className="num">{c.pass_k !== null ? `${pct(c.pass_k)}% (k=${c.k})` : '—'}</td>
                      <td>
                        {c.gap ? (
                          <span className={`chip chip-${c.gap.flagged ? 'bad' : 'ok'}`} data-testid={`gap-${c.contender}`}>
                            {c.gap.value >= 0 ? '+' : ''}
                            {pct(c.gap.value)} · {c.gap.flagged ? t('evals.gapFlagged') : t('evals.gapClean')}
                          </span>
                        ) : (
                          '—'
                        )}
                      </td>
                      <td className="num">{fmtMoney(c.cost_cny, 'CNY')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </Panel>
      {withTwins.length > 0 ? (
        <Panel title={t('evals.twins')} hint={t('evals.twinsHint')}>
          <div className="grid-2">
            {withTwins.map((c) => (
              <TwinBars key={c.contender} ev={c} />
            ))}
          </div>
        </Panel>
      ) : null}
      {worst.length > 0 ? (
        <Panel title={t('evals.worst')}>
          <WorstItems items={worst} />
        </Panel>
      ) : null}
    </div>
  );
}
