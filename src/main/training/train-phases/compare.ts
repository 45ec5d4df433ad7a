// The comparison phase of a train run: the version that was active and the new one, measured on
// the same val photos and classes, so the run can say (and `activate: 'better'` decide) which wins.
import type { TrainReport } from '$shared/contract';
import { evaluate } from '$shared/metrics';
import { trainedOn, type ModelRecord } from '../../db/models';
import { predictionScores } from '../../db/predictions';
import type { LabelledPhoto } from '../../db/splits';
import type { ModelHost } from '../../inference/model-host';
import { predictPhotos } from '../../inference/predictor';
import { modelSource } from '../../models/versions';
import type { Project } from '../../project';
import { trainSettings } from '../train-settings';
import { meanOver, rows, type Blend } from './blend';
import type { TrainingData } from './features';
import type { TrainRun } from './run';

export type Comparison = NonNullable<TrainReport['comparison']>;

/** The version that was active, on the same val photos; stored in the result. */
export async function compareWithActive(
  run: TrainRun,
  data: TrainingData,
  blend: Blend,
): Promise<Comparison> {
  const { project, models, classes, names, baseline, result, save } = run;
  const { zeroShotIndex, zeroShotVal, versionLogits } = blend;
  const { photos, truth } = data.sets.val;
  const C = classes.length;
  const before =
    baseline.headFile === null
      ? { scores: rows(zeroShotVal, C), predicts: zeroShotIndex.map((index) => index >= 0) }
      : await trainedScores(
          project,
          models,
          baseline,
          photos,
          classes.map((entry) => entry.classId),
          run.context.signal,
        );
  // Val photos the active version learned from (moved out of train since) would flatter it.
  const learned = trainedOn(baseline);
  const fair = photos.flatMap((photo, i) => (learned.has(photo.id) ? [] : [i]));
  const apOn = (scores: number[][]) =>
    fair.length === 0
      ? names.map(() => null)
      : evaluate({
          classes: names,
          scores: fair.map((i) => scores[i]!),
          truth: fair.map((i) => truth[i]!),
        }).perClass.map((r) => r.ap);
  const beforeAP = apOn(before.scores).map((ap, c) => (before.predicts[c] ? ap : null));
  const afterAP = apOn(rows(versionLogits, C));
  // mAP before and after over the same classes: those both versions predict and val can measure.
  const common = afterAP.flatMap((ap, c) => (ap !== null && beforeAP[c] !== null ? [c] : []));
  const comparison: Comparison = {
    baseline: baseline.name,
    before: meanOver(beforeAP, common),
    after: meanOver(afterAP, common),
    perClass: names.map((name, c) => ({ class: name, before: beforeAP[c]!, after: afterAP[c]! })),
  };
  result.comparison = comparison;
  save();
  return comparison;
}

/**
 * A trained version's probabilities on the photos for the run's classes, and which of them it
 * predicts (the others have no "before"): its stored predictions, computed where missing.
 */
async function trainedScores(
  project: Project,
  models: ModelHost,
  baseline: ModelRecord,
  photos: LabelledPhoto[],
  classIds: number[],
  signal: AbortSignal,
): Promise<{ scores: number[][]; predicts: boolean[] }> {
  const index = classIds.map((classId) => baseline.classIds?.indexOf(classId) ?? -1);
  const stored = predictionScores(
    project.db,
    baseline.id,
    photos.map((p) => p.id),
  );
  const missing = photos.filter((photo) => !stored.has(photo.id));
  if (missing.length > 0) {
    const model = await models.load(modelSource(project, baseline), 'auto');
    for await (const batch of predictPhotos(model, missing, {
      batchSize: trainSettings.inferenceBatchSize,
      signal,
    }))
      for (const outcome of batch) if (outcome.ok) stored.set(outcome.id, outcome.probabilities.slice());
  }
  return {
    scores: photos.map((photo) => {
      const scores = stored.get(photo.id);
      return index.map((i) => (i < 0 || !scores ? 0 : scores[i]!));
    }),
    predicts: index.map((i) => i >= 0),
  };
}
