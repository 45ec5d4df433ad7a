// Charts, drawn by Chart.js on a canvas: `<canvas use:chart={config}>` creates one, draws it again
// without animation whenever the config changes, and destroys it with the canvas. Only what the
// app's line and bar charts use is registered, so the rest of Chart.js stays out of the bundle. Chart.js
// sizes its canvas through the CSSOM (never a style attribute), which the app's CSP allows; the
// canvas's parent sets its size.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import type { Action } from 'svelte/action';

Chart.register(
  LineController,
  LineElement,
  PointElement,
  LinearScale,
  BarController,
  BarElement,
  CategoryScale,
  Legend,
  Tooltip,
);

export type LineChartConfig = ChartConfiguration<'line', { x: number; y: number }[]>;
/** Bars over named categories (one label a bar), a value or null (no bar) each. */
export type BarChartConfig = ChartConfiguration<'bar', (number | null)[], string>;

/** The theme's colors, from its custom properties, for what a canvas draws. */
export interface ChartColors {
  text: string;
  faint: string;
  grid: string;
  accent: string;
  ok: string;
  warn: string;
}

export function chartColors(element: Element = document.documentElement): ChartColors {
  const style = getComputedStyle(element);
  const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    text: read('--text-muted', '#9aa3b2'),
    faint: read('--text-faint', '#6d7585'),
    grid: read('--border', '#2a303c'),
    accent: read('--accent', '#5b8cff'),
    ok: read('--ok', '#45c08a'),
    warn: read('--warn', '#e5b454'),
  };
}

export const chart: Action<HTMLCanvasElement, LineChartConfig | BarChartConfig> = (canvas, config) => {
  // The widening is needed: without it, Chart's type parameters are inferred from the union and
  // reject it (tsc says so; the lint rule does not see the inference).
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
  const instance = new Chart(canvas, config as ChartConfiguration);
  return {
    update(next) {
      instance.data = next.data;
      if (next.options) instance.options = next.options;
      instance.update('none');
    },
    destroy() {
      instance.destroy();
    },
  };
};
