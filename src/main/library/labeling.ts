// What the annotator's keys do to labels, beyond toggling one class: accepting the model's
// pre-labels, rejecting what is left, or both at once (confirming the photo). Each is one
// undoable action.
//
// Confirming is a person saying the photo is reviewed. That is kept in the labels themselves, not
// in a mark beside them: a confirmed photo has every class labelled by a person ('human' or
// 'accepted'), those read from a labels file included, so the grid's "reviewed" filter, undo and
// training provenance all read one thing.
import type { ClassInfo } from '$shared/contract';
import { listClasses } from '../db/classes';
import {
  applyLabelChanges,
  importedLabels,
  labelsForImages,
  type ActionOutcome,
  type LabelChange,
} from '../db/labels';
import { predictionScores } from '../db/predictions';
import type { Project } from '../project';
import { projectModel } from './grid';
import { plural } from '$shared/plural';

const key = (imageId: number, classId: number) => `${imageId}:${classId}`;

/** Labels already set on the photos, as "image:class" keys. */
function knownLabels(project: Project, imageIds: readonly number[]): Set<string> {
  const known = new Set<string>();
  for (const [imageId, labels] of labelsForImages(project.db, imageIds)) {
    for (const label of labels) known.add(key(imageId, label.classId));
  }
  return known;
}

/** Unknown classes the model gives at least their threshold, as positive (`accepted`); adds them to `known`. */
function preLabelChanges(
  project: Project,
  classes: readonly ClassInfo[],
  imageIds: readonly number[],
  known: Set<string>,
): LabelChange[] {
  const active = projectModel(project, classes);
  if (!active) return [];
  const thresholds = new Map(classes.map((c) => [c.id, c.threshold]));
  const scores = predictionScores(project.db, active.model.id, imageIds);
  const changes: LabelChange[] = [];
  for (const imageId of imageIds) {
    const row = scores.get(imageId);
    if (!row) continue;
    for (const { classId, modelIndex } of active.mapping) {
      if (known.has(key(imageId, classId)) || row[modelIndex]! < thresholds.get(classId)!) continue;
      changes.push({ imageId, classId, state: 'positive', source: 'accepted' });
      known.add(key(imageId, classId));
    }
  }
  return changes;
}

/** Every class not in `known`, as negative: the person has seen them all. */
function restChanges(
  classes: readonly ClassInfo[],
  imageIds: readonly number[],
  known: Set<string>,
): LabelChange[] {
  return imageIds.flatMap((imageId) =>
    classes
      .filter((c) => !known.has(key(imageId, c.id)))
      .map((c) => ({ imageId, classId: c.id, state: 'negative' as const, source: 'human' as const })),
  );
}

/**
 * Photos a bulk action reads and changes at a time, inside its one transaction: its changes then
 * never sit in memory all at once (100,000 photos × 80 classes would be 8 million objects, GBs).
 */
export const labelChunk = 2_000;

function* chunks(imageIds: readonly number[]): Generator<readonly number[]> {
  for (let start = 0; start < imageIds.length; start += labelChunk)
    yield imageIds.slice(start, start + labelChunk);
}

/** Every pre-label at or above its class's threshold becomes positive (`accepted`) where the class is unknown. */
export function acceptPredictions(project: Project, imageIds: readonly number[]): ActionOutcome {
  const classes = listClasses(project.db);
  function* changes() {
    for (const chunk of chunks(imageIds))
      yield* preLabelChanges(project, classes, chunk, knownLabels(project, chunk));
  }
  return applyLabelChanges(project.db, `accept pre-labels on ${plural(imageIds.length, 'photo')}`, changes());
}

/** Every class still unknown on the photos becomes negative. */
export function rejectUnlabelled(project: Project, imageIds: readonly number[]): ActionOutcome {
  const classes = listClasses(project.db);
  function* changes() {
    for (const chunk of chunks(imageIds)) yield* restChanges(classes, chunk, knownLabels(project, chunk));
  }
  return applyLabelChanges(
    project.db,
    `mark the rest negative on ${plural(imageIds.length, 'photo')}`,
    changes(),
  );
}

/**
 * The photos are done: pre-labels are accepted, every other unknown class becomes negative and the
 * labels read from a file become the person's, in one action, so one undo takes the whole
 * confirmation back. Labels a person set stay as they are.
 *
 * The changes come in that order (every photo's accepted pre-labels, then the negatives, then the
 * labels from a file), each kind a chunk of photos at a time: each chunk is read as the kinds
 * before it left the labels (its accepted pre-labels are known by the time its negatives are
 * read), which is what reading every change up front would give.
 */
export function confirmPhotos(project: Project, imageIds: readonly number[]): ActionOutcome {
  const classes = listClasses(project.db);
  function* changes() {
    for (const kind of ['accepted', 'negatives', 'reviewed'] as const)
      for (const chunk of chunks(imageIds)) yield* confirmChanges(project, classes, chunk)[kind];
  }
  return applyLabelChanges(project.db, `confirm ${plural(imageIds.length, 'photo')}`, changes());
}

/** What confirming the photos would set, counted a chunk at a time. */
export function countConfirmChanges(
  project: Project,
  imageIds: readonly number[],
): { accepted: number; negatives: number } {
  const classes = listClasses(project.db);
  const counts = { accepted: 0, negatives: 0 };
  for (const chunk of chunks(imageIds)) {
    const { accepted, negatives } = confirmChanges(project, classes, chunk);
    counts.accepted += accepted.length;
    counts.negatives += negatives.length;
  }
  return counts;
}

/**
 * What confirming the photos would set, as their labels stand: their pre-labels (`accepted`), the
 * negatives after them, and their imported labels as the person's (state and review mark kept).
 */
function confirmChanges(
  project: Project,
  classes: readonly ClassInfo[],
  imageIds: readonly number[],
): { accepted: LabelChange[]; negatives: LabelChange[]; reviewed: LabelChange[] } {
  const known = knownLabels(project, imageIds);
  const accepted = preLabelChanges(project, classes, imageIds, known);
  const reviewed = importedLabels(project.db, imageIds).map((label): LabelChange => ({
    ...label,
    source: 'human',
  }));
  return { accepted, negatives: restChanges(classes, imageIds, known), reviewed };
}
