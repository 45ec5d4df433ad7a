// What the label panel shows for each class of the project on the photo on show: its label, the
// model's probability, whether the model pre-labels it, and whether the photo has its class map.
import type { ClassInfo, ImageSummary, Label } from '$shared/contract';
import { preLabelProbability } from '$shared/labels';
import type { ClassMap } from '../attention-overlay';

/** What the side panel shows for one class on the current photo. */
export interface ClassRow {
  item: ClassInfo;
  /** The label on the photo; null while the class is unknown. */
  label: Label | null;
  /** The model's probability; null before pre-labeling (or for a class the model cannot see). */
  probability: number | null;
  /** Unknown, and the model's probability reaches the class's threshold: what 'accept' labels. */
  preLabel: boolean;
  hasMap: boolean;
}

/** One row per class, in the classes' order; `image` null while the photo's summary is not read. */
export function classRows(
  image: ImageSummary | null,
  classes: readonly ClassInfo[],
  maps: readonly Pick<ClassMap, 'classId'>[],
): ClassRow[] {
  const labels = new Map((image?.labels ?? []).map((label) => [label.classId, label]));
  const probabilities = new Map((image?.predictions ?? []).map((p) => [p.classId, p.probability]));
  const mapped = new Set(maps.map((map) => map.classId));
  return classes.map((item) => ({
    item,
    label: labels.get(item.id) ?? null,
    probability: probabilities.get(item.id) ?? null,
    preLabel: image !== null && preLabelProbability(image, item) !== null,
    hasMap: mapped.has(item.id),
  }));
}
