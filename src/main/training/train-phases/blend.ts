// The blend phase of a train run: the version's logits are the trained head's and the zero-shot
// readout's mixed per class, at the one head weight val prefers. Also the val scoring the later
// phases share.
import { sigmoid } from '$shared/csra';
import { evaluate, type EvaluateResult } from '$shared/metrics';
import { isTrainable } from '../preflight';
import type { TrainOutput } from '../train-loop';
import { trainSettings } from '../train-settings';
import type { TrainingData } from './features';
import type { TrainRun } from './run';

export interface Blend {
  /** Per class, its index among the default pack's classes; -1 where COCO lacks it. */
  zeroShotIndex: number[];
  /** [val photos, classes]: the zero-shot logits (0 where COCO lacks the class). */
  zeroShotVal: Float32Array;
  /** The blend weight val chose. */
  headWeight: number;
  /** The head's weight per class at that blend weight, as the version stores it. */
  headWeights: number[];
  /** [val photos, classes]: the version's logits. */
  versionLogits: Float32Array;
  /** The version on val. */
  after: EvaluateResult;
}

/**
 * One weight for every class COCO knows, the one val prefers; others use the head. The weight is
 * chosen over the classes whose head ships; ties go to zero-shot, the safer side.
 */
export function chooseBlend(run: TrainRun, data: TrainingData, output: TrainOutput): Blend {
  const { context, classes, names } = run;
  const val = data.sets.val;
  context.progress('evaluating', 0, 0);
  const C = classes.length;
  const zeroShotIndex = classes.map((entry) =>
    entry.modelClass ? data.manifest.classes.indexOf(entry.modelClass) : -1,
  );
  const zeroShotVal = new Float32Array(val.photos.length * C);
  val.photos.forEach((photo, i) => {
    const logits = data.zeroShots.get(photo.id)!;
    zeroShotIndex.forEach((index, c) => (zeroShotVal[i * C + c] = index < 0 ? 0 : logits[index]!));
  });
  const trainable = classes.map((entry) => isTrainable(entry));
  /** The head's weight per class at blend weight w: 1 where COCO lacks the class, 0 where its head does not ship. */
  const weightsAt = (w: number) => zeroShotIndex.map((index, c) => (index < 0 ? 1 : trainable[c] ? w : 0));
  const blended = (w: number) => {
    const weights = weightsAt(w);
    const out = new Float32Array(output.valLogits.length);
    for (let i = 0; i < val.photos.length; i++)
      for (let c = 0; c < C; c++)
        out[i * C + c] =
          weights[c]! * output.valLogits[i * C + c]! + (1 - weights[c]!) * zeroShotVal[i * C + c]!;
    return out;
  };
  const scoreOf = (logits: Float32Array) => scoreOnVal(names, val.truth, logits);
  const mapped = classes.flatMap((entry, c) => (entry.modelClass && trainable[c] ? [c] : []));
  const mappedMAP = (logits: Float32Array) =>
    meanOver(
      scoreOf(logits).perClass.map((r) => r.ap),
      mapped,
    );
  const scored = trainSettings.blendWeights.map((w) => ({ w, mAP: mappedMAP(blended(w)) ?? -1 }));
  const headWeight = scored.reduce((best, next) => (next.mAP > best.mAP ? next : best)).w;
  const versionLogits = blended(headWeight);
  const after = scoreOf(versionLogits);
  return { zeroShotIndex, zeroShotVal, headWeight, headWeights: weightsAt(headWeight), versionLogits, after };
}

/** Logits [N·C] scored against the val labels, per class. */
export const scoreOnVal = (names: string[], truth: (0 | 1 | null)[][], logits: Float32Array) =>
  evaluate({ classes: names, scores: rows(logits, names.length), truth });

/** Logits [N·C] as rows of probabilities, what the metrics take. */
export const rows = (flat: Float32Array, C: number) =>
  Array.from({ length: flat.length / C }, (_, i) => Array.from(flat.subarray(i * C, (i + 1) * C), sigmoid));

export function meanOver(values: (number | null)[], indices: number[]): number | null {
  const picked = indices.map((i) => values[i]).filter((v): v is number => v !== null && v !== undefined);
  return picked.length ? picked.reduce((a, b) => a + b, 0) / picked.length : null;
}
