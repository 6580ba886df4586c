/**
 * Stacked daily spend bars, with each daily budget of this currency as a line labelled with its value and its soft
 * threshold dashed. A budget is drawn on the bars' axis when it is on their scale; one under a tenth of the tallest
 * day would sit flat on the floor there, so the small budgets get their own axis on the right (same currency,
 * its own scale, labelled), where their lines are visible and readable. When the bars are stacked by what such a
 * budget is scoped to (a team budget, stacked by team), that stack's daily spend is drawn on the right axis too, so
 * the budget is compared with its own spend on one scale.
 */
import { useMemo } from 'react';
import type { BudgetStatus } from '../../api/types.js';
import { Chart } from '../../charts/chart.js';
import { useContenderColors } from '../../charts/contender-colors.js';
import { PALETTE, type ChartOption } from '../../charts/echarts.js';
import { fmtMoney } from '../../components/format.js';
import { useI18n } from '../../i18n/i18n-context.js';
import type { SpendSeries, StackBy } from './spend-series.js';

/** A budget under this fraction of the tallest day's bar goes on the right-hand axis. */
export const OWN_AXIS_BELOW = 0.1;

export interface BudgetLine {
  name: string;
  limit: number;
  soft: number;
  axis: 'left' | 'right';
}

export function budgetLines(budgets: readonly BudgetStatus[], peak: number): BudgetLine[] {
  return budgets.map((b) => ({ name: b.name, limit: b.limit, soft: b.soft_limit, axis: peak > 0 && b.limit < peak * OWN_AXIS_BELOW ? 'right' : 'left' }));
}

function niceMax(x: number): number {
  if (!(x > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

/** The stack a budget's spend is, when the bars are stacked by the one dimension the budget is scoped to. */
function ownStack(b: BudgetStatus, by: StackBy): string | null {
  const keys = Object.keys(b.scope);
  return keys.length === 1 && keys[0] === by ? (b.scope[by as 'team' | 'contender'] ?? null) : null;
}

export function SpendChart({ series, currency, budgets, by }: { series: SpendSeries; currency: string; budgets: readonly BudgetStatus[]; by: StackBy }) {
  const { t } = useI18n();
  const colorOf = useContenderColors();
  // Stacked by contender, each keeps its colour of every other page; other stackings take the palette in order.
  const stackColor = (stack: string): string => (by === 'contender' ? colorOf(stack) : PALETTE[series.stacks.indexOf(stack) % PALETTE.length]!);
  const daily = useMemo(() => budgets.filter((b) => b.period === 'day' && b.currency === currency), [budgets, currency]);
  const peak = Math.max(0, ...series.days.map((_, i) => series.stacks.reduce((s, k) => s + (series.values[k]?.[i] ?? 0), 0)));
  const lines = useMemo(() => budgetLines(daily, peak), [daily, peak]);
  const option = useMemo<ChartOption>(() => {
    const money = (v: number) => fmtMoney(v, currency);
    const left = lines.filter((l) => l.axis === 'left');
    const right = lines.filter((l) => l.axis === 'right');
    const leftMax = niceMax(Math.max(peak, ...left.map((l) => l.limit)) * 1.15);
    // A right-axis budget's own spend, on its scale, when the bars are stacked by what it is scoped to.
    const own = right.flatMap((l) => {
      const b = daily.find((x) => x.name === l.name);
      const stack = b ? ownStack(b, by) : null;
      const values = stack !== null ? series.values[stack] : undefined;
      return stack !== null && values ? [{ stack, values }] : [];
    });
    const rightMax = right.length > 0 ? niceMax(Math.max(...right.map((l) => l.limit), ...own.flatMap((o) => o.values)) * 1.3) : undefined;
    const ownSeries = own.map((o) => ({
      name: t('spend.ownSpend', { name: o.stack }),
      type: 'line',
      yAxisIndex: 1,
      data: o.values,
      color: stackColor(o.stack),
      symbol: 'circle',
      symbolSize: 6,
      lineStyle: { width: 2, type: 'dotted' },
      z: 6,
    }));
    // Each budget is drawn as a constant line series on its own axis (a mark line would be placed on the first axis
    // whatever its series' axis), labelled at its start with its value; its soft threshold is a dashed series of the
    // same name, so the legend shows and hides both together.
    const budgetSeries = lines.flatMap((l) => {
      const name = l.axis === 'right' ? t('spend.budgetRight', { name: l.name }) : t('spend.budget', { name: l.name });
      const common = { name, type: 'line', yAxisIndex: l.axis === 'right' ? 1 : 0, color: '#dc2626', silent: true, showSymbol: true, symbolSize: 1, z: 5, tooltip: { show: false } };
      const label = { show: true, position: 'top', align: 'left', color: '#991b1b', formatter: `${t('spend.budget', { name: l.name })}: ${money(l.limit)}` };
      return [
        { ...common, data: series.days.map((_, i) => (i === 0 ? { value: l.limit, label } : l.limit)), lineStyle: { color: '#dc2626', type: 'solid', width: 2 } },
        { ...common, data: series.days.map(() => l.soft), lineStyle: { color: '#f59e0b', type: 'dashed', width: 1.5 } },
      ];
    });
    return {
      animation: false,
      grid: { left: 64, right: right.length > 0 ? 72 : 24, top: 40, bottom: 36 },
      legend: { top: 0, type: 'scroll' },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: number) => money(v) },
      xAxis: { type: 'category', data: series.days },
      yAxis: [
        { type: 'value', min: 0, max: leftMax, axisLabel: { formatter: (v: number) => money(v) } },
        ...(rightMax !== undefined
          ? [{ type: 'value', min: 0, max: rightMax, position: 'right', name: t('spend.budgetAxis'), nameTextStyle: { color: '#991b1b' }, splitLine: { show: false }, axisLine: { show: true, lineStyle: { color: '#dc2626' } }, axisLabel: { color: '#991b1b', formatter: (v: number) => money(v) } }]
          : []),
      ],
      series: [
        ...series.stacks.map((s) => ({ name: s, type: 'bar', stack: 'spend', color: stackColor(s), data: series.values[s] })),
        ...budgetSeries,
        ...ownSeries,
      ],
    };
  }, [series, currency, lines, peak, daily, by, t, colorOf]);
  return (
    <Chart
      option={option}
      height={320}
      testId="spend-chart"
      data={{ budgets: daily.length, 'budget-lines': JSON.stringify(lines.map((l) => ({ name: l.name, limit: l.limit, axis: l.axis }))), colors: JSON.stringify(Object.fromEntries(series.stacks.map((s) => [s, stackColor(s)]))) }}
      label={t('spend.byDay')}
    />
  );
}
