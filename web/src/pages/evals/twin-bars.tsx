/**
 * One contender's accuracy on original items and on their twins, side by side for each twin kind, with each kind's
 * gap verdict (paired CI, exact McNemar p) under the chart.
 */
import { useMemo } from 'react';
import type { ContenderEval } from '../../api/eval-types.js';
import { Chart } from '../../charts/chart.js';
import type { ChartOption } from '../../charts/echarts.js';
import { useI18n } from '../../i18n/i18n-context.js';

export function TwinBars({ ev }: { ev: ContenderEval }) {
  const { t } = useI18n();
  const option = useMemo<ChartOption>(
    () => ({
      animation: false,
      grid: { left: 44, right: 12, top: 36, bottom: 28 },
      legend: { top: 0 },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: number) => `${v.toFixed(1)}%` },
      xAxis: { type: 'category', data: ev.twins.map((k) => k.kind) },
      yAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
      series: [
        { name: t('evals.original'), type: 'bar', color: '#2563eb', data: ev.twins.map((k) => k.original), label: { show: true, position: 'top', formatter: (p: { value: number }) => p.value.toFixed(0) } },
        {
          name: t('evals.twin'),
          type: 'bar',
          color: '#e69f00',
          data: ev.twins.map((k) => ({ value: k.twin, itemStyle: { color: k.flagged ? '#dc2626' : '#e69f00' } })),
          label: { show: true, position: 'top', formatter: (p: { value: number }) => p.value.toFixed(0) },
        },
      ],
    }),
    [ev, t],
  );
  return (
    <div className="twin-block" data-testid={`twins-${ev.contender}`}>
      <h3>{ev.contender}</h3>
      <Chart option={option} height={220} data={{ flagged: ev.twins.filter((k) => k.flagged).length }} label={`${t('evals.twins')}: ${ev.contender}`} />
      <div className="verdicts">
        {ev.twins.map((k) => (
          <span key={k.kind} className={`chip chip-${k.flagged ? 'bad' : 'ok'}`} data-testid={`verdict-${ev.contender}-${k.kind}`} title={`p = ${k.p_value.toPrecision(2)}, n = ${k.pairs}`}>
            {k.kind}: {k.gap.value >= 0 ? '+' : ''}
            {k.gap.value.toFixed(1)} [{k.gap.lower.toFixed(1)}, {k.gap.upper.toFixed(1)}] · {k.flagged ? t('evals.gapFlagged') : t('evals.gapClean')}
          </span>
        ))}
      </div>
    </div>
  );
}
