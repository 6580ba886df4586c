/**
 * Spend: daily spend stacked by contender, team or source with budget lines, budgets this period (and whether each
 * is refusing calls), spend by source (served calls beside evals, gates, arena, judges and shadows), the table and
 * CSV export.
 */
import { useMemo, useState } from 'react';
import { useApi } from '../../api/use-api.js';
import type { BudgetStatus, List, SpendReport } from '../../api/types.js';
import { Panel } from '../../components/panel.js';
import { EmptyState, ErrorBanner, Loading } from '../../components/status-views.js';
import { useI18n } from '../../i18n/i18n-context.js';
import { BudgetCards } from './budget-cards.js';
import { SpendChart } from './spend-chart.js';
import { downloadText, spendCsv } from './spend-csv.js';
import { currencies, dayRange, spendSeries, type StackBy } from './spend-series.js';
import { SpendTable } from './spend-table.js';
import { SourceBreakdown } from './source-breakdown.js';

const RANGES = [7, 14, 30, 90];

export function SpendPage() {
  const { t } = useI18n();
  const [by, setBy] = useState<StackBy>('contender');
  const [days, setDays] = useState(7);
  const [currencyPick, setCurrency] = useState<string | null>(null);
  const spend = useApi<SpendReport>(`/admin/spend?by=day,${by}&since=${days}d`, { refreshMs: 30000 });
  const budgets = useApi<List<BudgetStatus>>('/admin/budgets', { refreshMs: 30000 });
  const sources = useApi<SpendReport>(`/admin/spend?by=source&since=${days}d`, { refreshMs: 30000 });
  const report = spend.data;
  const curs = useMemo(() => (report ? currencies(report.data) : []), [report]);
  const currency = currencyPick !== null && curs.includes(currencyPick) ? currencyPick : (curs[0] ?? 'CNY');
  const series = useMemo(
    () => (report ? spendSeries(report.data, by, currency, dayRange(report.since, Date.now(), report.time_zone)) : null),
    [report, by, currency],
  );

  const controls = (
    <div className="filters">
      <label className="field field-inline">
        <span>{t('spend.stackBy')}</span>
        <select value={by} onChange={(e) => setBy(e.target.value as StackBy)} data-testid="spend-by">
          <option value="contender">{t('common.contender')}</option>
          <option value="team">{t('common.team')}</option>
          <option value="source">{t('spend.sourceCol')}</option>
        </select>
      </label>
      <label className="field field-inline">
        <span>{t('spend.range')}</span>
        <select value={days} onChange={(e) => setDays(Number(e.target.value))}>
          {RANGES.map((n) => (
            <option key={n} value={n}>
              {t('spend.days', { n })}
            </option>
          ))}
        </select>
      </label>
      {curs.length > 1 ? (
        <label className="field field-inline">
          <span>{t('spend.currency')}</span>
          <select value={currency} onChange={(e) => setCurrency(e.target.value)}>
            {curs.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
      ) : null}
    </div>
  );

  return (
    <div className="stack" data-testid="spend-page">
      <h1>{t('spend.title')}</h1>
      <Panel title={t('spend.byDay')} actions={controls}>
        {spend.error && !report ? <ErrorBanner error={spend.error} onRetry={spend.reload} /> : null}
        {!report || !series ? <Loading /> : series.stacks.length === 0 ? <EmptyState>{t('spend.empty')}</EmptyState> : <SpendChart series={series} currency={currency} budgets={budgets.data?.data ?? []} by={by} />}
      </Panel>
      <Panel title={t('spend.budgets')}>
        {budgets.error && !budgets.data ? <ErrorBanner error={budgets.error} onRetry={budgets.reload} /> : budgets.data ? <BudgetCards budgets={budgets.data.data} /> : <Loading />}
      </Panel>
      <Panel title={t('spend.bySource')}>
        {sources.error && !sources.data ? <ErrorBanner error={sources.error} onRetry={sources.reload} /> : sources.data ? <SourceBreakdown groups={sources.data.data} /> : <Loading />}
      </Panel>
      <Panel
        title={t('spend.table')}
        actions={
          <button type="button" className="btn btn-small" disabled={!report || report.data.length === 0} onClick={() => report && downloadText(`saima-spend-${by}-${days}d.csv`, spendCsv(report.data, by))} data-testid="spend-export">
            {t('spend.export')}
          </button>
        }
      >
        {report ? report.data.length === 0 ? <EmptyState>{t('spend.empty')}</EmptyState> : <SpendTable groups={report.data} by={by} /> : <Loading />}
      </Panel>
      {report?.calibration && report.calibration.length > 0 ? (
        <Panel title={t('spend.calibration')}>
          <p className="muted">{t('spend.calibrationHint')}</p>
          <table className="table" data-testid="spend-calibration">
            <thead>
              <tr>
                <th>{t('common.contender')}</th>
                <th className="num">{t('spend.calls')}</th>
                <th className="num">{t('spend.median')}</th>
                <th className="num">{t('spend.reservedAt')}</th>
              </tr>
            </thead>
            <tbody>
              {report.calibration.map((c) => (
                <tr key={c.contender}>
                  <td>{c.contender}</td>
                  <td className="num">{c.samples}</td>
                  <td className="num">{c.median.toFixed(2)}</td>
                  <td className="num">{c.reserved.toFixed(2)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Panel>
      ) : null}
    </div>
  );
}
