/**
 * ECharts with only the parts the dashboard draws: importing `echarts` whole would triple the chart chunk. The SVG
 * renderer keeps text crisp in screenshots and puts chart labels in the DOM, where browser tests can find them.
 */
import { BarChart, CustomChart, LineChart, ScatterChart } from 'echarts/charts';
import { DataZoomInsideComponent, DataZoomSliderComponent, GridComponent, LegendComponent, MarkLineComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';

echarts.use([LineChart, BarChart, ScatterChart, CustomChart, GridComponent, TooltipComponent, LegendComponent, MarkLineComponent, DataZoomInsideComponent, DataZoomSliderComponent, SVGRenderer]);

export { echarts };
export type { EChartsCoreOption as ChartOption } from 'echarts/core';

/** A palette that stays readable for colour-blind viewers (Okabe–Ito, reordered). */
export const PALETTE = ['#2563eb', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442', '#6b7280'];
