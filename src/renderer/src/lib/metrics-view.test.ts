// What the metrics view shows of the store's reports: the columns' names, the summary rows, the
// class curve of each version measured and the charts' summaries in words.
import { describe, expect, it } from 'vitest';
import type { EvalReport, ModelVersion } from '$shared/contract';
import {
  apChartSummary,
  classCurves,
  curveSummary,
  formatThreshold,
  measuredSides,
  sideName,
  summaryRows,
  type ClassResult,
  type ShownSide,
} from './metrics-view';

const figures = (value: number) => ({ CP: value, CR: value, CF1: value, OP: value, OR: value, OF1: value });

function classResult(classId: number, name: string, threshold = 0.5): ClassResult {
  return {
    classId,
    class: name,
    modelClass: name,
    ap: 0.5,
    positives: 4,
    negatives: 6,
    unknown: 0,
    atThreshold: {
      threshold,
      precision: 0.75,
      recall: null,
      f1: null,
      positiveAgreed: 2,
      positiveDisputed: 2,
      negativeAgreed: 5,
      negativeDisputed: 1,
    },
    curve: [],
  };
}

function report(mAP: number | null, perClass: ClassResult[]): EvalReport {
  return {
    modelId: 1,
    version: 'v1',
    model: 'v',
    split: 'all',
    images: 10,
    unpredicted: 0,
    comparedWith: null,
    leftOutForComparison: 0,
    classesEvaluated: perClass.length,
    mAP,
    threshold: figures(0.5),
    top3: figures(0.25),
    perClass,
  };
}

const side = (name: string, modelId: number, value: EvalReport | null): ShownSide => ({
  name,
  color: '#5b8cff',
  modelId,
  report: value,
  error: value ? null : 'not measured',
});

describe('the metrics view', () => {
  it('shows a threshold to two decimals', () => {
    expect(formatThreshold(0.5)).toBe('0.50');
    expect(formatThreshold(0.125)).toBe('0.13');
  });

  it('has a summary row for every class at 0.5, then one for the top three', () => {
    const value = report(0.5, []);
    expect(summaryRows(value)).toEqual([
      { name: 'All at 0.5', figures: value.threshold },
      { name: 'Top-3', figures: value.top3 },
    ]);
  });

  it("names a column after its version, or 'No version' without one", () => {
    const models = [{ id: 7, name: 'v7' }] as ModelVersion[];
    expect(sideName({ modelId: 7, report: null, error: null }, models)).toBe('v7');
    expect(sideName({ modelId: null, report: null, error: null }, models)).toBe('No version');
  });

  it('draws the columns with a report, and for the chosen class each one’s answer', () => {
    const dog = classResult(1, 'dog');
    const sides = [side('v2', 2, report(0.5, [dog, classResult(2, 'cat')])), side('pack', 1, null)];
    const measured = measuredSides(sides);
    expect(measured.map((item) => item.name)).toEqual(['v2']);
    expect(classCurves(measured, 1)).toEqual([{ side: measured[0], entry: dog }]);
    expect(classCurves(measured, 3)).toEqual([]);
    expect(classCurves(measured, null)).toEqual([]);
  });

  it("sums the AP chart up as each version's mAP", () => {
    const measured = measuredSides([side('v2', 2, report(0.4567, [])), side('pack', 1, report(null, []))]);
    expect(apChartSummary(measured)).toBe('AP per class: v2 mAP 45.7, pack mAP –');
  });

  it("sums the curve chart up as each version's precision and recall at the threshold in use", () => {
    const measured = measuredSides([
      side('v2', 2, report(0.5, [classResult(1, 'dog', 0.35)])),
      side('pack', 1, report(0.5, [classResult(1, 'dog')])),
    ]);
    expect(curveSummary(classCurves(measured, 1))).toBe(
      'v2: dog at threshold 0.35, precision 75.0, recall –; pack: dog at threshold 0.50, precision 75.0, recall –',
    );
    expect(curveSummary([])).toBe('');
  });
});
