/**
 * Point estimates with confidence intervals as horizontal whiskers, one row per name, in the given order (best
 * first). The whiskers are an ECharts custom series; the dots a scatter whose tooltip shows the numbers.
 */
import { useMemo } from 'react';
import type { CustomSeriesRenderItemAPI, CustomSeriesRenderItemParams, CustomSeriesRenderItemReturn } from 'echarts';
import { Chart } from './chart.js';
import type { ChartOption } from './echarts.js';

export interface CiRow {
  name: string;
  value: number;
  lower: number | null;
  upper: number | null;
  /** Extra tooltip lines. */
  note?: string;
}

function whisker(_params: CustomSeriesRenderItemParams, api: CustomSeriesRenderItemAPI): CustomSeriesRenderItemReturn {
  const y = Number(api.value(0));
  const lo = api.coord([Number(api.value(1)), y]);
  const hi = api.coord([Number(api.value(2)), y]);
  const cap = 6;
  const style = { stroke: '#2563eb', lineWidth: 2 };
  return {
    type: 'group',
    children: [
      { type: 'line', shape: { x1: lo[0], y1: lo[1], x2: hi[0], y2: hi[1] }, style },
      { type: 'line', shape: { x1: lo[0], y1: lo[1]! - cap, x2: lo[0], y2: lo[1]! + cap }, style },
      { type: 'line', shape: { x1: hi[0], y1: hi[1]! - cap, x2: hi[0], y2: hi[1]! + cap }, style },
    ],
  } as CustomSeriesRenderItemReturn;
}

/** Axis bounds a little outside the data, on a round step, so the end labels read like the others. */
export function niceBounds(lo: number, hi: number): [number, number] {
  const span = Math.max(hi - lo, 1);
  const step = span > 200 ? 50 : span > 50 ? 10 : span > 10 ? 5 : 1;
  return [Math.floor((lo - span * 0.05) / step) * step, Math.ceil((hi + span * 0.05) / step) * step];
}

export function CiChart({ rows, axisName, range, format, testId, colorOf }: { rows: readonly CiRow[]; axisName: string; range?: [number, number]; format: (x: number) => string; testId?: string; colorOf?: (name: string) => string }) {
  const option = useMemo<ChartOption>(() => {
    const lows = rows.map((r) => r.lower ?? r.value);
    const highs = rows.map((r) => r.upper ?? r.value);
    const [min, max] = range ?? niceBounds(Math.min(...lows), Math.max(...highs));
    const base = {
      animation: false,
      grid: { left: 140, right: 32, top: 12, bottom: 40 },
      tooltip: { trigger: 'item', confine: true },
      xAxis: { type: 'value', min, max, name: axisName, nameLocation: 'middle', nameGap: 26, axisLabel: { hideOverlap: true } },
      yAxis: { type: 'category', inverse: true, data: rows.map((r) => r.name), axisLabel: { width: 128, overflow: 'truncate' } },
      series: [
        { type: 'custom', renderItem: whisker, encode: { x: [1, 2], y: 0 }, data: rows.map((r, i) => [i, r.lower ?? r.value, r.upper ?? r.value]), tooltip: { show: false }, z: 2 },
        {
          type: 'scatter',
          symbolSize: 11,
          color: '#1d4ed8',
          z: 3,
          data: rows.map((r, i) => ({ value: [r.value, i], row: r, ...(colorOf ? { itemStyle: { color: colorOf(r.name) } } : {}) })),
          tooltip: {
            formatter: (p: { data: { row: CiRow } }) => {
              const r = p.data.row;
              const ci = r.lower !== null && r.upper !== null ? ` [${format(r.lower)}, ${format(r.upper)}]` : '';
              return `<b>${r.name}</b><br/>${axisName}: ${format(r.value)}${ci}${r.note ? `<br/>${r.note}` : ''}`;
            },
          },
        },
      ],
    };
    // On a phone the name column and the number of ticks shrink, so the whiskers keep most of the width.
    return { baseOption: base, media: [{ query: { maxWidth: 520 }, option: { grid: { left: 92, right: 16 }, xAxis: { splitNumber: 3 }, yAxis: { axisLabel: { width: 84 } } } }] };
  }, [rows, axisName, range, format, colorOf]);
  const colours: Record<string, string> = colorOf ? { colors: JSON.stringify(Object.fromEntries(rows.map((r) => [r.name, colorOf(r.name)]))) } : {};
  return <Chart option={option} height={Math.max(140, 60 + rows.length * 40)} testId={testId} data={{ rows: rows.length, ...colours }} label={axisName} />;
}
