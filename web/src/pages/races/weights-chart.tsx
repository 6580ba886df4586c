/**
 * Stacked areas of each contender's traffic share over time, with a pin per decision on top. Hovering a pin shows
 * the decision: action, contender, reason, and the numbers it recorded.
 */
import { useMemo } from 'react';
import type { Decision } from '../../api/types.js';
import { Chart } from '../../charts/chart.js';
import { useContenderColors } from '../../charts/contender-colors.js';
import type { ChartOption } from '../../charts/echarts.js';
import { fmtTime } from '../../components/format.js';
import { useI18n } from '../../i18n/i18n-context.js';
import { evidenceLines, hasEvidence } from './decision-evidence.js';
import { changeLines, decisionColor, decisionLabel } from './decision-text.js';
import { pinPlaces } from './decision-pins.js';
import type { WeightHistory } from './weight-history.js';
import { decisionReason } from './reason-text.js';

function escape(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

export function WeightsChart({ history, decisions }: { history: WeightHistory; decisions: readonly Decision[] }) {
  const { t, lang } = useI18n();
  const colorOf = useContenderColors();
  const option = useMemo<ChartOption>(() => {
    const areas = history.contenders.map((c) => ({
      name: c,
      type: 'line',
      stack: 'weights',
      step: 'end',
      symbol: 'circle',
      symbolSize: 4,
      areaStyle: { opacity: 0.55 },
      lineStyle: { width: 1 },
      color: colorOf(c),
      data: history.steps.map((s) => [s.ts, s.weights[c] ?? 0]),
    }));
    const first = history.steps[0]?.ts ?? 0;
    const last = history.steps.at(-1)?.ts ?? first;
    const places = pinPlaces(decisions.map((d) => d.ts), last - first);
    const pins = {
      name: t('races.decisions'),
      type: 'scatter',
      symbol: 'pin',
      symbolSize: 26,
      z: 10,
      data: decisions.map((d, i) => ({ value: [d.ts, places[i]!.y], itemStyle: { color: decisionColor(d) }, decision: d })),
      markLine: {
        silent: true,
        symbol: 'none',
        label: { show: false },
        lineStyle: { type: 'dashed', color: '#9ca3af', width: 1 },
        data: decisions.map((d) => ({ xAxis: d.ts })),
      },
      tooltip: {
        formatter: (p: { data: { decision: Decision } }) => {
          const d = p.data.decision;
          const lines = [
            `<b>${escape(decisionLabel(d, t))}</b> · ${escape(d.contender ?? '')}`,
            escape(fmtTime(d.ts, lang)),
            decisionReason(d, t, lang) ? `${escape(t('common.reason'))}: ${escape(decisionReason(d, t, lang)!)}` : '',
            ...(hasEvidence(d.details) ? evidenceLines(d.details, t, lang) : changeLines(d.details, t)).map((l) => escape(l)),
            `${escape(t('races.actor'))}: ${escape(d.actor ?? t('races.monitor'))}`,
          ];
          return lines.filter(Boolean).join('<br/>');
        },
      },
    };
    return {
      animation: false,
      grid: { left: 44, right: 16, top: 40, bottom: 72 },
      // Zoom with the wheel or a drag on the chart, or with the slider below it: a race's history grows forever.
      dataZoom: [
        { type: 'inside', xAxisIndex: 0, filterMode: 'none' },
        { type: 'slider', xAxisIndex: 0, filterMode: 'none', bottom: 8, height: 22, labelFormatter: (v: number) => fmtTime(v, lang) },
      ],
      legend: { top: 0, data: history.contenders },
      tooltip: { trigger: 'item', confine: true },
      xAxis: { type: 'time' },
      yAxis: { type: 'value', min: 0, max: 110, interval: 25, axisLabel: { formatter: (v: number) => (v > 100 ? '' : `${v}%`) } },
      series: [...areas, pins],
    };
  }, [history, decisions, t, lang, colorOf]);
  const colours = JSON.stringify(Object.fromEntries(history.contenders.map((c) => [c, colorOf(c)])));
  return <Chart option={option} height={340} testId="weights-chart" data={{ decisions: decisions.length, colors: colours }} label={t('races.weights')} />;
}
