// A model version measured on a split against its labels: per-class metrics and precision–recall curves.
import type { EvalReport, EvalSplit } from '$shared/contract';
import { classAtThreshold, evaluate, precisionRecallCurve, type Truth } from '$shared/metrics';
import { ApiError } from '$shared/rpc';
import { listClasses, thresholdsForVersion } from '../db/classes';
import { imageIdsInSplit } from '../db/images';
import { labelStatesInSplit } from '../db/labels';
import { activeModel, getModel, trainedOn, type ModelRecord } from '../db/models';
import { allPredictionScores } from '../db/predictions';
import { projectClassMapping, type ClassMappingEntry } from '../inference/output-mapping';
import type { Project } from '../project';

/** Points of a class's precision–recall curve in a report: enough to draw it, few enough to send. */
const curvePoints = 101;

/** What a version predicts on a split, and the labels it is measured against. */
export interface SplitTruth {
  model: ModelRecord;
  /** The project classes the version predicts: the columns of `scores` and `truth`. */
  mapping: ClassMappingEntry[];
  /** The photos measured, in split order: the rows of `scores` and `truth`. */
  imageIds: number[];
  /** Photos of the split the version has not predicted: left out. */
  unpredicted: number;
  /** The version it is compared with, measured on the same photos; null when none. */
  comparedWith: ModelRecord | null;
  /** Photos this version alone could be measured on, left out to measure both on the same ones. */
  leftOutForComparison: number;
  scores: number[][];
  truth: Truth[][];
}

/**
 * A version of the model (the active one unless `modelId` names another) on a split: every
 * project class the version predicts, the photos of the split it has predicted, and the labels
 * people (or imported files) gave them as ground truth. A class without a label on a photo is
 * unknown there. A trained version is never measured on the photos it learned from: 'train' is
 * refused, and 'all' leaves them out. Compared with another version (`comparedWith`), only the
 * photos both can be measured on count, so two figures are never of different photos.
 */
export function splitTruth(
  project: Project,
  split: EvalSplit,
  modelId?: number,
  comparedWith?: number,
): SplitTruth {
  const { db } = project;
  const model = modelId === undefined ? activeModel(db) : getModel(db, modelId);
  if (!model) {
    if (modelId !== undefined) throw new ApiError('not_found', `no model version ${modelId} in this project`);
    throw new ApiError('conflict', 'the project has no model yet: pre-label it first');
  }
  const mapping = projectClassMapping(listClasses(db), model);
  if (mapping.length === 0)
    throw new ApiError('conflict', `no project class matches a class of ${model.pack}`);
  const { predictions, inSplit, measurable } = measurablePhotos(project, split, model);
  if (measurable.length === 0)
    throw new ApiError(
      'conflict',
      predictions.size === 0 && !model.active
        ? `version ${model.name} has not pre-labelled the photos: activate it to pre-label them with it`
        : `no photo of split "${split}" has been pre-labelled by ${model.name} yet`,
    );
  const other = comparedWith === undefined ? null : getModel(db, comparedWith);
  if (other === undefined)
    throw new ApiError('not_found', `no model version ${comparedWith} to compare with in this project`);
  const imageIds =
    other === null ? measurable : photosMeasurableByBoth(project, split, model, measurable, other);
  const labels = labelStatesInSplit(db, split);
  return {
    model,
    mapping,
    imageIds,
    unpredicted: inSplit.length - measurable.length,
    comparedWith: other,
    leftOutForComparison: measurable.length - imageIds.length,
    scores: imageIds.map((id) => {
      const row = predictions.get(id)!;
      return mapping.map((entry) => row[entry.modelIndex]!);
    }),
    truth: imageIds.map((id) => {
      const states = labels.get(id);
      return mapping.map((entry): Truth => {
        const state = states?.get(entry.classId);
        return state === 'positive' ? 1 : state === 'negative' ? 0 : null;
      });
    }),
  };
}

/**
 * The photos of a split a version can be measured on (`measurable`, in split order): those it did
 * not learn from (`inSplit`) that it has pre-labelled, with its `predictions`.
 */
function measurablePhotos(project: Project, split: EvalSplit, model: ModelRecord) {
  const { db } = project;
  if (model.headFile !== null && split === 'train')
    throw new ApiError(
      'conflict',
      `${model.name} was trained on the train split; evaluate it on val, test or all`,
    );
  const predictions = allPredictionScores(db, model.id);
  // Photos it learned from that were moved out of train since count as learned from too.
  const learned = trainedOn(model);
  if (model.headFile !== null) for (const id of imageIdsInSplit(db, 'train')) learned.add(id);
  const inSplit = imageIdsInSplit(db, split).filter((id) => !learned.has(id));
  return { predictions, inSplit, measurable: inSplit.filter((id) => predictions.has(id)) };
}

/** Of the photos `model` can be measured on, those `other` can be measured on too. */
function photosMeasurableByBoth(
  project: Project,
  split: EvalSplit,
  model: ModelRecord,
  measurable: number[],
  other: ModelRecord,
): number[] {
  const theirs = new Set(measurablePhotos(project, split, other).measurable);
  const shared = measurable.filter((id) => theirs.has(id));
  if (shared.length === 0)
    throw new ApiError(
      'conflict',
      `no photo of split "${split}" can be measured with both ${model.name} and ${other.name}` +
        ' (pre-labelled by both, and learned from by neither)',
    );
  return shared;
}

/**
 * The metrics of a version on a split (see splitTruth): the paper's figures, and each class at
 * the threshold it decides by with that version (thresholdsForVersion), with its precision–recall
 * curve.
 */
export function evaluateProject(
  project: Project,
  split: EvalSplit,
  modelId?: number,
  comparedWith?: number,
): EvalReport {
  const {
    model,
    mapping,
    imageIds,
    unpredicted,
    comparedWith: other,
    leftOutForComparison,
    scores,
    truth,
  } = splitTruth(project, split, modelId, comparedWith);
  const result = evaluate({ classes: mapping.map((entry) => entry.className), scores, truth });
  const thresholds = thresholdsForVersion(project.db, model.id);
  const pick = ({ CP, CR, CF1, OP, OR, OF1 }: typeof result.threshold) => ({ CP, CR, CF1, OP, OR, OF1 });
  return {
    modelId: model.id,
    version: model.name,
    model: model.pack,
    split,
    images: imageIds.length,
    unpredicted,
    comparedWith: other?.id ?? null,
    leftOutForComparison,
    classesEvaluated: result.classesEvaluated,
    mAP: result.mAP,
    threshold: pick(result.threshold),
    top3: pick(result.top3),
    perClass: result.perClass.map((entry, c) => {
      const { classId, modelIndex } = mapping[c]!;
      const column = scores.map((row) => row[c]!);
      const given = truth.map((row) => row[c]!);
      return {
        classId,
        ...entry,
        modelClass: model.classes[modelIndex]!,
        atThreshold: classAtThreshold(column, given, thresholds.get(classId)!),
        curve: precisionRecallCurve(column, given, curvePoints).map((point) => ({
          threshold: round(point.threshold),
          precision: round(point.precision),
          recall: round(point.recall),
        })),
      };
    }),
  };
}

/** Four digits: a curve drawn on screen needs no more, and the report stays small. */
const round = (value: number) => Math.round(value * 1e4) / 1e4;
