/** Stacked daily spend bars, with each daily budget of this currency as a line and its soft threshold dashed. */
import { useMemo } from 'react';
import type { BudgetStatus } from '../../api/types.js';
import { Chart } from '../../charts/chart.js';
import { PALETTE, type ChartOption } from '../../charts/echarts.js';
import { fmtMoney } from '../../components/format.js';
import { useI18n } from '../../i18n/i18n-context.js';
import type { SpendSeries } from './spend-series.js';

export function SpendChart({ series, currency, budgets }: { series: SpendSeries; currency: string; budgets: readonly BudgetStatus[] }) {
  const { t } = useI18n();
  const daily = budgets.filter((b) => b.period === 'day' && b.currency === currency);
  const option = useMemo<ChartOption>(() => {
    const lines = daily.flatMap((b) => [
      { name: t('spend.budget', { name: b.name }), yAxis: b.limit, lineStyle: { color: '#dc2626', type: 'solid', width: 2 } },
      { name: t('spend.soft', { name: b.name }), yAxis: b.soft_limit, lineStyle: { color: '#f59e0b', type: 'dashed', width: 1.5 } },
    ]);
    const peak = Math.max(0, ...series.days.map((_, i) => series.stacks.reduce((s, k) => s + (series.values[k]?.[i] ?? 0), 0)), ...daily.map((b) => b.limit));
    return {
      animation: false,
      grid: { left: 64, right: 24, top: 40, bottom: 36 },
      legend: { top: 0, type: 'scroll' },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: number) => fmtMoney(v, currency) },
      xAxis: { type: 'category', data: series.days },
      yAxis: { type: 'value', max: peak > 0 ? Math.ceil(peak * 1.15 * 100) / 100 : undefined, axisLabel: { formatter: (v: number) => fmtMoney(v, currency) } },
      series: series.stacks.map((s, i) => ({
        name: s,
        type: 'bar',
        stack: 'spend',
        color: PALETTE[i % PALETTE.length],
        data: series.values[s],
        ...(i === 0 && lines.length > 0
          ? { markLine: { symbol: 'none', label: { formatter: '{b}', position: 'insideEndTop' }, data: lines } }
          : {}),
      })),
    };
  }, [series, currency, daily, t]);
  return <Chart option={option} height={320} testId="spend-chart" data={{ budgets: daily.length }} label={t('spend.byDay')} />;
}
