/** One ECharts instance in a div: created once, options replaced on change, resized with its container. */
import { useEffect, useRef } from 'react';
import { axisLabelBoxes, withLabelRules } from './axis-labels.js';
import { echarts, type ChartOption } from './echarts.js';

export interface ChartProps {
  option: ChartOption;
  height?: number;
  testId?: string;
  /** Extra data-* attributes, e.g. the number of markers drawn, for tests and screen readers. */
  data?: Record<string, string | number>;
  label?: string;
}

export function Chart({ option, height = 320, testId, data, label }: ChartProps) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);

  useEffect(() => {
    if (!el.current) return;
    const node = el.current;
    const c = echarts.init(node, null, { renderer: 'svg' });
    chart.current = c;
    // What was drawn, for tests: the axis labels' boxes, per axis (see axis-labels.ts).
    c.on('finished', () => {
      node.dataset.axisLabels = JSON.stringify(axisLabelBoxes(c));
    });
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(el.current);
    return () => {
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(withLabelRules(option), { notMerge: true });
  }, [option]);

  const attrs: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(data ?? {})) attrs[`data-${k}`] = v;
  return <div ref={el} className="chart" style={{ height }} data-testid={testId} role="img" aria-label={label} {...attrs} />;
}
