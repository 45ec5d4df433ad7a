// What the metrics view shows of the store's reports, worked out without the DOM: each version's
// column (its name and color), the class curve of each measured version, and the charts' summaries
// in words.
import type { EvalReport, ModelVersion } from '$shared/contract';
import { formatAp } from './format';
import type { MetricsSide } from './metrics.svelte';

/** One class of an evaluate answer: its AP, its figures at the threshold in use and its curve. */
export type ClassResult = EvalReport['perClass'][number];

/** A column of the view: a side of the store, named and colored. */
export interface ShownSide extends MetricsSide {
  name: string;
  color: string;
}

/** A column with a report to draw. */
export interface MeasuredSide extends ShownSide {
  report: EvalReport;
}

/** A version's answer for the class of the precision–recall curve. */
export interface ClassCurve {
  side: MeasuredSide;
  entry: ClassResult;
}

/** The summary table's columns: class-averaged, then overall precision, recall and F1. */
export const summaryKeys = ['CP', 'CR', 'CF1', 'OP', 'OR', 'OF1'] as const;

/** A threshold as the view shows it: "0.50". */
export function formatThreshold(value: number): string {
  return value.toFixed(2);
}

/** The summary table's rows: every class at 0.5, then each photo's three most likely classes. */
export function summaryRows(report: EvalReport): { name: string; figures: EvalReport['threshold'] }[] {
  return [
    { name: 'All at 0.5', figures: report.threshold },
    { name: 'Top-3', figures: report.top3 },
  ];
}

/** The version a side measures, by name; 'No version' when the project has none. */
export function sideName(side: MetricsSide, models: readonly ModelVersion[]): string {
  return models.find((model) => model.id === side.modelId)?.name ?? 'No version';
}

/** The columns with a report, in their order. */
export function measuredSides(sides: readonly ShownSide[]): MeasuredSide[] {
  return sides.filter((side): side is MeasuredSide => side.report !== null);
}

/** Each measured version's answer for the class `classId`; none without a class. */
export function classCurves(measured: readonly MeasuredSide[], classId: number | null): ClassCurve[] {
  if (classId === null) return [];
  return measured.flatMap((side) => {
    const entry = side.report.perClass.find((item) => item.classId === classId);
    return entry ? [{ side, entry }] : [];
  });
}

/** The AP chart in words (its aria-label): each version's mAP. */
export function apChartSummary(measured: readonly MeasuredSide[]): string {
  return `AP per class: ${measured.map((side) => `${side.name} mAP ${formatAp(side.report.mAP)}`).join(', ')}`;
}

/** The curve chart in words (its aria-label): each version's point at the class's threshold in use. */
export function curveSummary(curves: readonly ClassCurve[]): string {
  return curves
    .map(({ side, entry }) => {
      const at = entry.atThreshold;
      return `${side.name}: ${entry.class} at threshold ${formatThreshold(at.threshold)}, precision ${formatAp(at.precision)}, recall ${formatAp(at.recall)}`;
    })
    .join('; ');
}
