import type { EvalReport, EvalSplit } from '../../shared/contract';
import { evaluate } from '../../shared/metrics';
import { ApiError } from '../../shared/rpc';
import { listClasses } from '../db/classes';
import { imageIdsInSplit } from '../db/images';
import { labelStatesInSplit } from '../db/labels';
import { activeModel, trainedOn } from '../db/models';
import { allPredictionScores } from '../db/predictions';
import { projectClassMapping } from '../inference/class-mapping';
import type { Project } from '../project';

/**
 * The active model against the project's labels: every project class the model predicts, the
 * photos of the split it has predicted, and the labels people (or imported files) gave them as
 * ground truth. A class without a label on a photo is unknown there and left out. For a trained
 * version, 'all' leaves the train split out.
 */
export function evaluateProject(project: Project, split: EvalSplit): EvalReport {
  const { db } = project;
  const model = activeModel(db);
  if (!model) throw new ApiError('conflict', 'the project has no model yet: pre-label it first');
  const mapping = projectClassMapping(listClasses(db), model);
  if (mapping.length === 0)
    throw new ApiError('conflict', `no project class matches a class of ${model.pack}`);
  // A trained version is never measured on the photos it learned from.
  if (model.headFile !== null && split === 'train')
    throw new ApiError(
      'conflict',
      `${model.name} was trained on the train split; evaluate it on val, test or all`,
    );
  const predictions = allPredictionScores(db, model.id);
  const labels = labelStatesInSplit(db, split);
  // Nor on photos it learned from that were moved out of train since.
  const learned = trainedOn(model);
  if (model.headFile !== null) for (const id of imageIdsInSplit(db, 'train')) learned.add(id);
  const imageIds = imageIdsInSplit(db, split).filter((id) => !learned.has(id));
  const predicted = imageIds.filter((id) => predictions.has(id));
  if (predicted.length === 0)
    throw new ApiError('conflict', `no photo of split "${split}" has been pre-labelled yet`);

  const result = evaluate({
    classes: mapping.map((entry) => entry.className),
    scores: predicted.map((id) => {
      const scores = predictions.get(id)!;
      return mapping.map((entry) => scores[entry.modelIndex]!);
    }),
    truth: predicted.map((id) => {
      const states = labels.get(id);
      return mapping.map((entry) => {
        const state = states?.get(entry.classId);
        return state === 'positive' ? 1 : state === 'negative' ? 0 : null;
      });
    }),
  });
  const pick = ({ CP, CR, CF1, OP, OR, OF1 }: typeof result.threshold) => ({ CP, CR, CF1, OP, OR, OF1 });
  return {
    model: model.pack,
    split,
    images: predicted.length,
    unpredicted: imageIds.length - predicted.length,
    classesEvaluated: result.classesEvaluated,
    mAP: result.mAP,
    threshold: pick(result.threshold),
    top3: pick(result.top3),
    perClass: result.perClass.map((entry, index) => ({
      ...entry,
      modelClass: model.classes[mapping[index]!.modelIndex]!,
    })),
  };
}
