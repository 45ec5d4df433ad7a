// The Chart.js configurations of the app's charts, built from what they draw and the theme's colors
// (chartColors in lib/chart.ts): pure functions, so that a spec reads what each chart shows, while
// `use:chart` draws them. Values are drawn in percent (AP, precision, recall, val mAP) on axes of
// their own; the train chart's loss keeps its scale.
import type { BarChartConfig, ChartColors, LineChartConfig } from './chart';
import type { ClassResult } from './metrics-view';
import { formatThreshold } from './metrics-view';
import { trialName, type Trial } from './train-view';

/** A version as the metrics charts draw it: its name, its color and its answer per class. */
export interface ChartedVersion {
  name: string;
  color: string;
  report: { perClass: readonly ClassResult[] };
}

/** A version's answer for the class whose precision–recall curve is drawn. */
export interface ChartedCurve {
  side: { name: string; color: string };
  entry: ClassResult;
}

/** `#rrggbb` at an opacity, for the trials before the last; any other color as it is. */
export function fadedColor(hex: string): string {
  return /^#[0-9a-f]{6}$/i.test(hex) ? `${hex}59` : hex;
}

/** An axis title as every chart writes it. */
const axisTitle = (text: string, colors: ChartColors) => ({
  display: true,
  text,
  color: colors.text,
  font: { size: 11 },
});

/** What every chart's options start with: sized to its box, drawn at once, its text in the theme. */
const chartOptions = (colors: ChartColors) => ({
  responsive: true,
  maintainAspectRatio: false,
  animation: false as const,
  color: colors.text,
});

/** An axis titled, its ticks in the faint color with `ticks` besides, its grid lines drawn. */
const axis = (
  title: string,
  colors: ChartColors,
  ticks: { stepSize?: number; precision?: number; maxTicksLimit?: number },
) => ({
  title: axisTitle(title, colors),
  ticks: { color: colors.faint, ...ticks },
  grid: { color: colors.grid },
});

/** An axis of percentages, 0 to 100 in steps of 20, titled. */
export function percentAxis(title: string, colors: ChartColors) {
  return { min: 0, max: 100, ...axis(title, colors, { stepSize: 20 }) };
}

/**
 * Training loss (left axis) and val mAP in percent (right axis) per epoch, two lines for each trial:
 * the last trial's drawn full, the earlier ones faded and thin, and the legend naming the last
 * trial's two lines only.
 */
export function trainChartConfig(trials: readonly Trial[], colors: ChartColors): LineChartConfig {
  const last = trials.length - 1;
  const trialOf: string[] = [];
  const datasets = trials.flatMap((trial, index) => {
    const current = index === last;
    const line = (color: string) => ({
      borderColor: current ? color : fadedColor(color),
      backgroundColor: current ? color : fadedColor(color),
      borderWidth: current ? 2 : 1,
      pointRadius: current ? 2 : 0,
      pointHoverRadius: 4,
      tension: 0.25,
    });
    trialOf.push(trial.name, trial.name);
    return [
      {
        label: 'Training loss',
        yAxisID: 'loss',
        data: trial.epochs.map((epoch) => ({ x: epoch.epoch, y: epoch.loss })),
        ...line(colors.accent),
      },
      {
        label: 'Val mAP',
        yAxisID: 'map',
        data: trial.epochs.flatMap((epoch) =>
          epoch.valMAP === null ? [] : [{ x: epoch.epoch, y: epoch.valMAP * 100 }],
        ),
        ...line(colors.ok),
      },
    ];
  });
  return {
    type: 'line',
    data: { datasets },
    options: {
      ...chartOptions(colors),
      parsing: false,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      scales: {
        x: { type: 'linear', ...axis('Epoch', colors, { precision: 0 }) },
        loss: { type: 'linear', position: 'left', ...axis('Loss', colors, { maxTicksLimit: 5 }) },
        map: {
          type: 'linear',
          position: 'right',
          ...axis('Val mAP', colors, { maxTicksLimit: 5 }),
          grid: { drawOnChartArea: false },
        },
      },
      plugins: {
        legend: {
          // One entry for each line of the last trial; the earlier trials are the faded lines.
          labels: {
            color: colors.text,
            boxWidth: 10,
            boxHeight: 2,
            filter: (item) => (item.datasetIndex ?? 0) >= datasets.length - 2,
          },
          onClick: () => {},
        },
        tooltip: {
          callbacks: {
            title: (items) => (items[0] ? `Epoch ${items[0].parsed.x}` : ''),
            label: (item) =>
              `${trialName(trialOf[item.datasetIndex] ?? '')} · ${item.dataset.label}: ` +
              (item.dataset.yAxisID === 'map'
                ? (item.parsed.y ?? 0).toFixed(1)
                : (item.parsed.y ?? 0).toFixed(3)),
          },
        },
      },
    },
  };
}

/**
 * AP in percent of every class of `classes` (the measured version's), a bar for each version side by
 * side in its color; a class a version has no AP for gets no bar. The legend shows only when
 * versions are compared.
 */
export function apChartConfig(
  classes: readonly ClassResult[],
  versions: readonly ChartedVersion[],
  colors: ChartColors,
): BarChartConfig {
  return {
    type: 'bar',
    data: {
      labels: classes.map((entry) => entry.class),
      datasets: versions.map((side) => {
        const byClass = new Map(side.report.perClass.map((entry) => [entry.classId, entry.ap]));
        return {
          label: side.name,
          data: classes.map((entry) => {
            const ap = byClass.get(entry.classId);
            return ap == null ? null : Math.round(ap * 1000) / 10;
          }),
          backgroundColor: side.color,
          borderRadius: 2,
          maxBarThickness: 22,
        };
      }),
    },
    options: {
      ...chartOptions(colors),
      scales: {
        x: { ticks: { color: colors.faint, autoSkip: false, maxRotation: 50 }, grid: { display: false } },
        y: percentAxis('AP', colors),
      },
      plugins: {
        legend: { display: versions.length > 1, labels: { color: colors.text, boxWidth: 10 } },
        tooltip: {
          callbacks: { label: (item) => `${item.dataset.label}: AP ${item.parsed.y?.toFixed(1) ?? '–'}` },
        },
      },
    },
  };
}

/**
 * A class's precision–recall curve for each version (recall across, precision up, in percent,
 * stepped), each followed by the point at the class's threshold in use, marked with a diamond (none
 * where precision or recall is unknown there).
 */
export function curveChartConfig(curves: readonly ChartedCurve[], colors: ChartColors): LineChartConfig {
  return {
    type: 'line',
    data: {
      datasets: curves.flatMap(({ side, entry }) => {
        const at = entry.atThreshold;
        const point =
          at.precision !== null && at.recall !== null ? [{ x: at.recall * 100, y: at.precision * 100 }] : [];
        return [
          {
            label: side.name,
            data: entry.curve.map((p) => ({ x: p.recall * 100, y: p.precision * 100 })),
            borderColor: side.color,
            backgroundColor: side.color,
            borderWidth: 2,
            pointRadius: 0,
            pointHoverRadius: 3,
            stepped: 'before' as const,
          },
          {
            label: `${side.name} at threshold ${formatThreshold(at.threshold)}`,
            data: point,
            borderColor: colors.text,
            backgroundColor: side.color,
            pointStyle: 'rectRot' as const,
            pointRadius: 7,
            pointHoverRadius: 8,
            borderWidth: 2,
            showLine: false,
          },
        ];
      }),
    },
    options: {
      ...chartOptions(colors),
      parsing: false,
      scales: {
        x: {
          type: 'linear',
          ...percentAxis('Recall', colors),
        },
        y: {
          type: 'linear',
          ...percentAxis('Precision', colors),
        },
      },
      plugins: {
        legend: { labels: { color: colors.text, boxWidth: 10, boxHeight: 2 }, onClick: () => {} },
        tooltip: {
          callbacks: {
            label: (item) =>
              `${item.dataset.label}: recall ${item.parsed.x?.toFixed(1)}, precision ${item.parsed.y?.toFixed(1)}`,
          },
        },
      },
    },
  };
}
