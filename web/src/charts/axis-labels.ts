/**
 * Axis labels that never collide: every axis of every chart hides a label that would overlap its neighbour
 * (`axisLabel.hideOverlap`, unless a chart says otherwise), and after each render the chart's element carries the
 * boxes of the labels it drew, per axis (`data-axis-labels`: `[[{ text, x, y, width, height }, …], …]`, in CSS
 * pixels relative to the chart), so a browser test can check that none intersect instead of trusting a screenshot.
 */
import type { echarts } from './echarts.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function hideOverlap(axis: unknown): unknown {
  if (!isObj(axis)) return axis;
  const label = isObj(axis.axisLabel) ? axis.axisLabel : {};
  return { ...axis, axisLabel: { hideOverlap: true, ...label } };
}

function withAxes(option: Obj): Obj {
  const out: Obj = { ...option };
  for (const key of ['xAxis', 'yAxis']) {
    const axes = option[key];
    if (Array.isArray(axes)) out[key] = axes.map(hideOverlap);
    else if (axes !== undefined) out[key] = hideOverlap(axes);
  }
  return out;
}

/** The option with `hideOverlap` on every axis (also inside a `baseOption` with media queries). */
export function withLabelRules<T>(option: T): T {
  if (!isObj(option)) return option;
  return (isObj(option.baseOption) ? { ...option, baseOption: withAxes(option.baseOption) } : withAxes(option)) as T;
}

export interface LabelBox {
  text: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Minimal shape of the zrender elements read here (ECharts does not export their types from `echarts/core`). */
interface ZrElement {
  anid?: string;
  type?: string;
  ignore?: boolean;
  invisible?: boolean;
  parent?: ZrElement | null;
  style?: { text?: string };
  getBoundingRect?: () => { clone(): { applyTransform(m: unknown): void; x: number; y: number; width: number; height: number } };
  getComputedTransform?: () => unknown;
  traverse?: (cb: (el: ZrElement) => void) => void;
}

function shown(el: ZrElement): boolean {
  for (let e: ZrElement | null | undefined = el; e; e = e.parent) if (e.ignore || e.invisible) return false;
  return true;
}

/** The drawn axis labels of a chart, grouped by axis (ECharts builds each axis's labels in a group of their own). */
export function axisLabelBoxes(chart: echarts.ECharts): LabelBox[][] {
  const zr = chart.getZr() as unknown as { storage: { getRoots(): ZrElement[] } };
  const groups = new Map<ZrElement, LabelBox[]>();
  for (const root of zr.storage.getRoots()) {
    root.traverse?.((el) => {
      if (el.type !== 'text' || !el.anid?.startsWith('label_') || !el.parent || !shown(el) || !el.getBoundingRect) return;
      const rect = el.getBoundingRect().clone();
      rect.applyTransform(el.getComputedTransform?.());
      const box = { text: el.style?.text ?? '', x: Math.round(rect.x * 10) / 10, y: Math.round(rect.y * 10) / 10, width: Math.round(rect.width * 10) / 10, height: Math.round(rect.height * 10) / 10 };
      groups.set(el.parent, [...(groups.get(el.parent) ?? []), box]);
    });
  }
  return [...groups.values()];
}
