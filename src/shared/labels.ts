// What a photo shows for a class, the same in the workspace, the grid and the benchmarks: its
// label when someone set one, else a pre-label when the model gives the class its threshold.
import type { ClassInfo, ImageSummary, LabelState } from './contract';

/** The model's probability for the class when it pre-labels the photo (nobody labelled it), else null. */
export function preLabelProbability(
  image: Pick<ImageSummary, 'labels' | 'predictions'>,
  item: Pick<ClassInfo, 'id' | 'threshold'>,
): number | null {
  if (image.labels.some((label) => label.classId === item.id)) return null;
  const probability = image.predictions.find((p) => p.classId === item.id)?.probability;
  return probability !== undefined && probability >= item.threshold ? probability : null;
}

/** The photo's label for the class, else positive when the model pre-labels it, else null (unknown). */
export function shownState(
  image: Pick<ImageSummary, 'labels' | 'predictions'>,
  classes: readonly Pick<ClassInfo, 'id' | 'threshold'>[],
  classId: number,
): LabelState | null {
  const label = image.labels.find((candidate) => candidate.classId === classId);
  if (label) return label.state;
  const item = classes.find((candidate) => candidate.id === classId);
  return item && preLabelProbability(image, item) !== null ? 'positive' : null;
}
