// What a photo shows for a class, the same in the workspace, the grid and the benchmarks: its
// label when someone set one, else a pre-label when the model gives the class its threshold.
import type { ClassInfo, ImageSummary, LabelState } from './contract';

/** The photo's label for the class, else positive when the model pre-labels it, else null (unknown). */
export function shownState(
  image: Pick<ImageSummary, 'labels' | 'predictions'>,
  classes: readonly Pick<ClassInfo, 'id' | 'threshold'>[],
  classId: number,
): LabelState | null {
  const label = image.labels.find((candidate) => candidate.classId === classId);
  if (label) return label.state;
  const probability = image.predictions.find((p) => p.classId === classId)?.probability;
  const threshold = classes.find((item) => item.id === classId)?.threshold;
  return probability !== undefined && threshold !== undefined && probability >= threshold ? 'positive' : null;
}
