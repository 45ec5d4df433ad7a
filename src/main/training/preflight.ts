// What a training run would learn from, checked before it starts: labelled photos per split and,
// per class, positives and negatives in train and val, with a warning for each class that has too
// few and the reasons no run can start.
import type { TrainPreflight } from '$shared/contract';
import { listClasses } from '../db/classes';
import { labelSnapshot } from '../db/training';
import { cocoClasses, modelClassFor } from '../models/coco';
import type { Project } from '../project';
import { plural } from '$shared/plural';
import { labelledPhotos } from '../db/splits';
import { stratify } from './splits';

/** A class needs this many positive and one negative train photo for the head to learn it. */
export const minPositives = 5;
export const minTrainPhotos = 10;
/** Fewer val photos could not tell two versions apart. */
export const minValPhotos = 5;

/**
 * Labelled photos without a split are counted where a run would put them (the run assigns them by
 * the same rule, `seed` included); the preflight itself writes nothing.
 */
export function trainPreflight(project: Project, seed: number): TrainPreflight {
  const { db } = project;
  const photos = labelledPhotos(db);
  const { states } = labelSnapshot(db);
  const planned = stratify(photos, { val: 0.2, test: 0, seed, reassign: false });
  const split = new Map(photos.map((photo) => [photo.id, planned.get(photo.id) ?? photo.split]));
  const labelled = {
    train: photos.filter((p) => split.get(p.id) === 'train').length,
    val: photos.filter((p) => split.get(p.id) === 'val').length,
  };
  const classes = listClasses(db).map((entry) => {
    const counts = { train: { positive: 0, negative: 0 }, val: { positive: 0, negative: 0 } };
    for (const [imageId, labels] of states) {
      const where = split.get(imageId);
      const state = labels.get(entry.id);
      if (!state || (where !== 'train' && where !== 'val')) continue;
      counts[where][state] += 1;
    }
    const index = modelClassFor(entry.name, cocoClasses);
    const modelClass = index === undefined ? null : cocoClasses[index]!;
    const fallback = modelClass ? 'its pre-labels stay zero-shot' : 'it gets no pre-labels from this run';
    const warning =
      counts.train.positive < minPositives
        ? `${plural(counts.train.positive, 'positive photo')} in train, at least ${minPositives} needed: ${fallback}`
        : counts.train.negative === 0
          ? `no negative photo in train: ${fallback}`
          : counts.val.positive === 0
            ? 'no positive photo in val: its AP cannot be measured'
            : null;
    return { classId: entry.id, name: entry.name, modelClass, ...counts, warning };
  });
  const blockers: string[] = [];
  if (labelled.train < minTrainPhotos)
    blockers.push(
      `${plural(labelled.train, 'labelled photo')} in train; at least ${minTrainPhotos} are needed`,
    );
  if (labelled.val < minValPhotos)
    blockers.push(
      `${labelled.val} labelled photos in val; at least ${minValPhotos} are needed to compare versions`,
    );
  if (!classes.some((entry) => isTrainable(entry)))
    blockers.push(`no class has ${minPositives} positive and one negative photo in train`);
  const unassigned = photos.filter((p) => p.split === 'none').length;
  return { labelled, unassigned, classes, blockers };
}

export const isTrainable = (entry: TrainPreflight['classes'][number]): boolean =>
  entry.train.positive >= minPositives && entry.train.negative > 0;
