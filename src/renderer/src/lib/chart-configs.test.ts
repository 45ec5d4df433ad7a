// What each chart draws, read from its configuration: the datasets (labels, points, colors, axes),
// the axes' titles and ranges, and what the legend and the tooltips say.
import { describe, expect, it } from 'vitest';
import type { TrainEpoch } from '$shared/contract';
import type { ChartColors } from './chart';
import {
  apChartConfig,
  curveChartConfig,
  fadedColor,
  percentAxis,
  trainChartConfig,
  type ChartedCurve,
  type ChartedVersion,
} from './chart-configs';
import type { ClassResult } from './metrics-view';

const colors: ChartColors = {
  text: '#9aa3b2',
  faint: '#6d7585',
  grid: '#2a303c',
  accent: '#5b8cff',
  ok: '#45c08a',
  warn: '#e5b454',
};

/** Calls one of Chart.js's callbacks with a stand-in for what Chart.js passes. */
const call = (callback: unknown, ...args: unknown[]) =>
  (callback as (...values: unknown[]) => unknown)(...args);

const epoch = (trial: string, number: number, loss: number, valMAP: number | null): TrainEpoch => ({
  trial,
  epoch: number,
  loss,
  valMAP,
});

function classResult(
  classId: number,
  name: string,
  ap: number | null,
  extra: Partial<ClassResult> = {},
): ClassResult {
  return {
    classId,
    class: name,
    modelClass: name,
    ap,
    positives: 4,
    negatives: 6,
    unknown: 0,
    atThreshold: {
      threshold: 0.5,
      precision: 0.75,
      recall: 0.5,
      f1: 0.6,
      positiveAgreed: 2,
      positiveDisputed: 2,
      negativeAgreed: 5,
      negativeDisputed: 1,
    },
    curve: [],
    ...extra,
  };
}

const version = (name: string, color: string, perClass: ClassResult[]): ChartedVersion => ({
  name,
  color,
  report: { perClass },
});

describe('fadedColor', () => {
  it('gives a #rrggbb color an opacity of 0x59, and leaves any other color as it is', () => {
    expect(fadedColor('#5b8cff')).toBe('#5b8cff59');
    expect(fadedColor('#ABCDEF')).toBe('#ABCDEF59');
    expect(fadedColor('rgb(1 2 3)')).toBe('rgb(1 2 3)');
    expect(fadedColor('#abc')).toBe('#abc');
  });
});

describe('percentAxis', () => {
  it('runs from 0 to 100 in steps of 20, titled in the theme', () => {
    expect(percentAxis('AP', colors)).toEqual({
      min: 0,
      max: 100,
      title: { display: true, text: 'AP', color: colors.text, font: { size: 11 } },
      ticks: { color: colors.faint, stepSize: 20 },
      grid: { color: colors.grid },
    });
  });
});

describe('the train chart: loss and val mAP per epoch', () => {
  const trials = [
    { name: 'trial 1', epochs: [epoch('trial 1', 1, 0.9, 0.25), epoch('trial 1', 2, 0.7, 0.5)] },
    {
      name: 'final',
      epochs: [epoch('final', 1, 0.8, null), epoch('final', 2, 0.6, 0.375), epoch('final', 3, 0.5, 0.5)],
    },
  ];
  const config = trainChartConfig(trials, colors);
  const datasets = config.data.datasets;

  it('draws a loss line and a val mAP line for each trial, in the order the trials ran', () => {
    expect(config.type).toBe('line');
    expect(datasets.map((set) => [set.label, set.yAxisID])).toEqual([
      ['Training loss', 'loss'],
      ['Val mAP', 'map'],
      ['Training loss', 'loss'],
      ['Val mAP', 'map'],
    ]);
  });

  it('puts the loss as it is and val mAP in percent, leaving out epochs not measured on val', () => {
    expect(datasets[2]!.data).toEqual([
      { x: 1, y: 0.8 },
      { x: 2, y: 0.6 },
      { x: 3, y: 0.5 },
    ]);
    expect(datasets[3]!.data).toEqual([
      { x: 2, y: 37.5 },
      { x: 3, y: 50 },
    ]);
    expect(datasets[1]!.data).toEqual([
      { x: 1, y: 25 },
      { x: 2, y: 50 },
    ]);
  });

  it('draws the last trial full (loss in the accent, mAP in green) and the earlier ones faded and thin', () => {
    expect(datasets[2]).toMatchObject({ borderColor: colors.accent, borderWidth: 2, pointRadius: 2 });
    expect(datasets[3]).toMatchObject({ borderColor: colors.ok, backgroundColor: colors.ok, borderWidth: 2 });
    expect(datasets[0]).toMatchObject({ borderColor: '#5b8cff59', borderWidth: 1, pointRadius: 0 });
    expect(datasets[1]).toMatchObject({ borderColor: '#45c08a59', backgroundColor: '#45c08a59' });
  });

  it('has epochs across, the loss on the left and val mAP on the right without its own grid', () => {
    const scales = config.options!.scales!;
    expect(scales['x']).toMatchObject({ type: 'linear', title: { text: 'Epoch' }, ticks: { precision: 0 } });
    expect(scales['loss']).toMatchObject({ type: 'linear', position: 'left', title: { text: 'Loss' } });
    expect(scales['map']).toMatchObject({
      type: 'linear',
      position: 'right',
      title: { text: 'Val mAP' },
      grid: { drawOnChartArea: false },
    });
    expect(config.options).toMatchObject({ parsing: false, animation: false });
  });

  it("names only the last trial's two lines in the legend", () => {
    const filter = config.options!.plugins!.legend!.labels!.filter;
    expect([0, 1, 2, 3].map((datasetIndex) => call(filter, { datasetIndex }))).toEqual([
      false,
      false,
      true,
      true,
    ]);
  });

  it('says in a tooltip the epoch, the trial, the line and its value (loss to 3 decimals, mAP to 1)', () => {
    const { title, label } = config.options!.plugins!.tooltip!.callbacks!;
    expect(call(title, [{ parsed: { x: 3 } }])).toBe('Epoch 3');
    expect(call(title, [])).toBe('');
    const item = (datasetIndex: number, y: number) => ({
      datasetIndex,
      dataset: datasets[datasetIndex],
      parsed: { y },
    });
    expect(call(label, item(2, 0.5))).toBe('final run · Training loss: 0.500');
    expect(call(label, item(1, 50))).toBe('trial 1 · Val mAP: 50.0');
  });

  it('draws nothing before the first epoch', () => {
    expect(trainChartConfig([], colors).data.datasets).toEqual([]);
  });
});

describe('the AP chart: AP per class, a bar for each version', () => {
  const classes = [classResult(1, 'dog', 0.4567), classResult(2, 'cat', null), classResult(3, 'bird', 0.5)];
  const mine = version('v2', colors.accent, classes);
  // The other version has no AP for bird (no such class there) and a different one for dog.
  const theirs = version('pack', colors.warn, [classResult(1, 'dog', 0.25), classResult(2, 'cat', 0.75)]);

  it("labels a bar group with each class of the version measured, in that version's order", () => {
    expect(apChartConfig(classes, [mine], colors).data.labels).toEqual(['dog', 'cat', 'bird']);
  });

  it('gives each version a dataset in its color, of AP in percent to one decimal, and no bar where AP is unknown', () => {
    const config = apChartConfig(classes, [mine, theirs], colors);
    expect(config.type).toBe('bar');
    expect(config.data.datasets.map((set) => [set.label, set.backgroundColor, set.data])).toEqual([
      ['v2', colors.accent, [45.7, null, 50]],
      ['pack', colors.warn, [25, 75, null]],
    ]);
  });

  it('shows the legend only when versions are compared', () => {
    expect(apChartConfig(classes, [mine], colors).options!.plugins!.legend!.display).toBe(false);
    expect(apChartConfig(classes, [mine, theirs], colors).options!.plugins!.legend!.display).toBe(true);
  });

  it('puts AP up from 0 to 100, every class name across', () => {
    const scales = apChartConfig(classes, [mine], colors).options!.scales!;
    expect(scales['y']).toEqual(percentAxis('AP', colors));
    expect(scales['x']).toMatchObject({
      ticks: { autoSkip: false, maxRotation: 50 },
      grid: { display: false },
    });
  });

  it('says in a tooltip the version and the AP, or a dash without one', () => {
    const { label } = apChartConfig(classes, [mine], colors).options!.plugins!.tooltip!.callbacks!;
    expect(call(label, { dataset: { label: 'v2' }, parsed: { y: 45.7 } })).toBe('v2: AP 45.7');
    expect(call(label, { dataset: { label: 'v2' }, parsed: { y: null } })).toBe('v2: AP –');
  });
});

describe('the precision–recall chart of a class', () => {
  const curve = [
    { threshold: 0.9, precision: 1, recall: 0.25 },
    { threshold: 0.5, precision: 0.75, recall: 0.5 },
  ];
  const curves: ChartedCurve[] = [
    { side: { name: 'v2', color: colors.accent }, entry: classResult(1, 'dog', 0.5, { curve }) },
    {
      side: { name: 'pack', color: colors.warn },
      entry: classResult(1, 'dog', 0.5, {
        atThreshold: { ...classResult(1, 'dog', 0.5).atThreshold, threshold: 0.35, precision: null },
      }),
    },
  ];
  const config = curveChartConfig(curves, colors);
  const datasets = config.data.datasets;

  it("draws each version's curve, then its point at the threshold in use", () => {
    expect(datasets.map((set) => set.label)).toEqual([
      'v2',
      'v2 at threshold 0.50',
      'pack',
      'pack at threshold 0.35',
    ]);
  });

  it('draws the curve stepped, recall across and precision up in percent, without points', () => {
    expect(datasets[0]).toMatchObject({
      data: [
        { x: 25, y: 100 },
        { x: 50, y: 75 },
      ],
      stepped: 'before',
      pointRadius: 0,
      borderColor: colors.accent,
    });
    expect(datasets[2]!.data).toEqual([]);
  });

  it("marks the threshold's point with a diamond in the version's color, no line through it", () => {
    expect(datasets[1]).toMatchObject({
      data: [{ x: 50, y: 75 }],
      pointStyle: 'rectRot',
      pointRadius: 7,
      showLine: false,
      backgroundColor: colors.accent,
      borderColor: colors.text,
    });
  });

  it('leaves the point out where precision or recall at the threshold is unknown', () => {
    expect(datasets[3]!.data).toEqual([]);
  });

  it('has recall across and precision up, both 0 to 100', () => {
    const scales = config.options!.scales!;
    expect(scales['x']).toEqual({ type: 'linear', ...percentAxis('Recall', colors) });
    expect(scales['y']).toEqual({ type: 'linear', ...percentAxis('Precision', colors) });
  });

  it('says in a tooltip the line, the recall and the precision', () => {
    const { label } = config.options!.plugins!.tooltip!.callbacks!;
    expect(call(label, { dataset: { label: 'v2' }, parsed: { x: 50, y: 75 } })).toBe(
      'v2: recall 50.0, precision 75.0',
    );
  });

  it('draws nothing without a class', () => {
    expect(curveChartConfig([], colors).data.datasets).toEqual([]);
  });
});
