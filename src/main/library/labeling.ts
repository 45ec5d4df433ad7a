// What the annotator's keys do to labels, beyond toggling one class: accepting the model's
// pre-labels and rejecting what is left. Each is one undoable action.
import { listClasses } from '../db/classes';
import { labelsForImages, applyLabelChanges, type ActionOutcome, type LabelChange } from '../db/labels';
import { predictionScores } from '../db/predictions';
import type { Project } from '../project';
import { projectModel } from './grid';

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** Labels already set on the photos, as "image:class" keys. */
function knownLabels(project: Project, imageIds: readonly number[]): Set<string> {
  const known = new Set<string>();
  for (const [imageId, labels] of labelsForImages(project.db, imageIds)) {
    for (const label of labels) known.add(`${imageId}:${label.classId}`);
  }
  return known;
}

/** Every pre-label at or above its class's threshold becomes positive (`accepted`) where the class is unknown. */
export function acceptPredictions(
  project: Project,
  imageIds: readonly number[],
): ActionOutcome & { description: string } {
  const active = projectModel(project);
  const changes: LabelChange[] = [];
  if (active) {
    const thresholds = new Map(listClasses(project.db).map((c) => [c.id, c.threshold]));
    const scores = predictionScores(project.db, active.model.id, imageIds);
    const known = knownLabels(project, imageIds);
    for (const imageId of imageIds) {
      const row = scores.get(imageId);
      if (!row) continue;
      for (const { classId, modelIndex } of active.mapping) {
        if (known.has(`${imageId}:${classId}`) || row[modelIndex]! < thresholds.get(classId)!) continue;
        changes.push({ imageId, classId, state: 'positive', source: 'accepted' });
      }
    }
  }
  const description = `accept pre-labels on ${plural(imageIds.length, 'photo')}`;
  return { ...applyLabelChanges(project.db, description, changes), description };
}

/** Every class still unknown on the photos becomes negative: the person has seen them all. */
export function rejectUnlabelled(
  project: Project,
  imageIds: readonly number[],
): ActionOutcome & { description: string } {
  const classes = listClasses(project.db);
  const known = knownLabels(project, imageIds);
  const changes: LabelChange[] = imageIds.flatMap((imageId) =>
    classes
      .filter((c) => !known.has(`${imageId}:${c.id}`))
      .map((c) => ({ imageId, classId: c.id, state: 'negative' as const, source: 'human' as const })),
  );
  const description = `mark the rest negative on ${plural(imageIds.length, 'photo')}`;
  return { ...applyLabelChanges(project.db, description, changes), description };
}
