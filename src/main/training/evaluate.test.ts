// Evaluation of any version of a project's model: a real project file holding six photos, labels
// of two classes, and the pre-labels of two versions (the pack and a version trained on two of
// the photos) written as the pre-label job writes them, so every figure can be worked by hand.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/fixtures/workspace';
import { imageRecord } from '../../../test/fixtures/image-record';
import { ensureClasses, updateClass, useThresholds } from '../db/classes';
import { insertImage } from '../db/images';
import { createJob } from '../db/jobs';
import { writeImportedLabels } from '../db/labels';
import { ensurePackModel, insertTrainedModel } from '../db/models';
import { insertPredictions } from '../db/predictions';
import { setSplit } from '../db/splits';
import type { EvalReport } from '$shared/contract';
import { Project } from '../project';
import { evaluateProject } from './evaluate';

const photos = ['a', 'b', 'c', 'd', 'e', 'f'] as const;
type Photo = (typeof photos)[number];
// a–d are in val, e and f in train (the trained version learned from them).
const given: Record<Photo, { dog: 'positive' | 'negative'; cat?: 'positive' | 'negative' }> = {
  a: { dog: 'positive', cat: 'negative' },
  b: { dog: 'negative', cat: 'positive' },
  c: { dog: 'positive' }, // cat unknown
  d: { dog: 'negative', cat: 'negative' },
  e: { dog: 'positive', cat: 'negative' },
  f: { dog: 'negative', cat: 'positive' },
};
/** Each version's probabilities: [dog, cat] per photo. */
const packScores: Record<Photo, [number, number]> = {
  a: [0.9, 0.1],
  b: [0.8, 0.7],
  c: [0.3, 0.5],
  d: [0.625, 0.375],
  e: [0.75, 0.25],
  f: [0.25, 0.875],
};
const trainedScores: Record<Photo, [number, number]> = {
  a: [0.875, 0.125],
  b: [0.25, 0.75],
  c: [0.625, 0.25],
  d: [0.125, 0.25],
  e: [0.875, 0.125],
  f: [0.125, 0.875],
};

async function projectWithTwoVersions() {
  const project = Project.create(join(await tempDir(), 'p.sqlite'));
  const { db } = project;
  const job = createJob(db, 'import', {});
  const ids = Object.fromEntries(
    photos.map((name) => [name, insertImage(db, imageRecord(name), job.id)]),
  ) as Record<Photo, number>;
  const classIds = ensureClasses(db, ['dog', 'cat']).ids;
  const dog = classIds.get('dog')!;
  const cat = classIds.get('cat')!;
  writeImportedLabels(
    db,
    photos.flatMap((name) => [
      { imageId: ids[name], classId: dog, state: given[name].dog },
      ...(given[name].cat ? [{ imageId: ids[name], classId: cat, state: given[name].cat }] : []),
    ]),
    job.id,
  );
  setSplit(db, [ids.a, ids.b, ids.c, ids.d], 'val');
  setSplit(db, [ids.e, ids.f], 'train');

  // The pack lists its classes in its own order: cat first.
  const pack = ensurePackModel(db, { name: 'coco', version: '1', classes: ['cat', 'dog'] });
  const trained = insertTrainedModel(db, {
    parentId: pack.id,
    name: 'v2',
    pack: pack.pack,
    classes: ['dog', 'cat'],
    headFile: 'head.onnx',
    metrics: { classIds: [dog, cat], trainImageIds: [ids.e, ids.f] },
  });
  const unused = insertTrainedModel(db, {
    parentId: trained.id,
    name: 'v3',
    pack: pack.pack,
    classes: ['dog', 'cat'],
    headFile: 'head3.onnx',
    metrics: { classIds: [dog, cat], trainImageIds: [ids.e, ids.f] },
  });
  const predict = (modelId: number, scores: Record<Photo, [number, number]>, order: 'dog-cat' | 'cat-dog') =>
    insertPredictions(
      db,
      modelId,
      photos.map((name) => {
        const [d, c] = scores[name];
        return {
          imageId: ids[name],
          scores: new Float32Array(order === 'dog-cat' ? [d, c] : [c, d]),
          maps: Buffer.alloc(0),
        };
      }),
      (order === 'dog-cat' ? [dog, cat] : [cat, dog]).map((classId, modelIndex) => ({ classId, modelIndex })),
    );
  predict(pack.id, packScores, 'cat-dog');
  predict(trained.id, trainedScores, 'dog-cat');
  return { project, ids, dog, cat, pack, trained, unused };
}

describe('evaluating a version', () => {
  it('measures the active version unless another is named, each class at its threshold in use', async () => {
    const { project, dog, pack, trained } = await projectWithTwoVersions();

    const active = evaluateProject(project, 'val');
    expect(active).toMatchObject({ modelId: pack.id, version: 'coco', model: 'coco@1', images: 4 });
    const packDog = active.perClass.find((entry) => entry.classId === dog)!;
    // At 0.5 on val: a (0.9, positive) agrees; c (0.3, positive) is below it; b (0.8) and
    // d (0.625), both negative, reach it.
    expect(packDog).toMatchObject({ class: 'dog', modelClass: 'dog', positives: 2, negatives: 2 });
    expect(packDog.atThreshold).toEqual({
      threshold: 0.5,
      precision: 1 / 3,
      recall: 1 / 2,
      f1: 0.4,
      positiveAgreed: 1,
      positiveDisputed: 1,
      negativeAgreed: 0,
      negativeDisputed: 2,
    });
    // Ranked a, b, d, c: precision 1, 1/2, 1/3, 2/4.
    expect(packDog.curve).toEqual([
      { threshold: 0.9, precision: 1, recall: 0.5 },
      { threshold: 0.8, precision: 0.5, recall: 0.5 },
      { threshold: 0.625, precision: 0.3333, recall: 0.5 },
      { threshold: 0.3, precision: 0.5, recall: 1 },
    ]);

    const chosen = evaluateProject(project, 'val', trained.id);
    expect(chosen).toMatchObject({ modelId: trained.id, version: 'v2', images: 4, mAP: 1 });
    expect(chosen.perClass.find((entry) => entry.classId === dog)!.atThreshold).toMatchObject({
      positiveAgreed: 2,
      positiveDisputed: 0,
      negativeAgreed: 2,
      negativeDisputed: 0,
    });

    // A threshold moved by hand moves the counts with it.
    updateClass(project.db, dog, { threshold: 0.85 });
    expect(
      evaluateProject(project, 'val').perClass.find((entry) => entry.classId === dog)!.atThreshold,
    ).toMatchObject({ threshold: 0.85, positiveAgreed: 1, positiveDisputed: 1, negativeDisputed: 0 });

    // A class that uses tuned thresholds is measured at the tuned value of the version measured,
    // active or not; a version without one is measured at the hand-set value.
    project.db
      .prepare(
        `INSERT INTO class_thresholds (model_id, class_id, threshold, rule, val_labels, tuned_at)
         VALUES (?, ?, 0.35, 'f1', 4, '2026-12-02T00:00:00.000Z')`,
      )
      .run(trained.id, dog);
    useThresholds(project.db, 'tuned', [dog]);
    const dogOf = (modelId: number) =>
      evaluateProject(project, 'val', modelId).perClass.find((entry) => entry.classId === dog)!.atThreshold;
    expect(dogOf(trained.id).threshold).toBe(0.35);
    expect(dogOf(pack.id).threshold).toBe(0.85);
  });

  it('leaves a trained version’s train photos out, whichever version is active', async () => {
    const { project, pack, trained } = await projectWithTwoVersions();
    expect(evaluateProject(project, 'all', pack.id).images).toBe(6);
    expect(evaluateProject(project, 'all', trained.id).images).toBe(4);
    expect(() => evaluateProject(project, 'train', trained.id)).toThrow(
      /v2 was trained on the train split; evaluate it on val, test or all/,
    );
  });

  it('compares two versions on the same photos only: those both can be measured on', async () => {
    const { project, ids, pack, trained } = await projectWithTwoVersions();
    // Alone on all photos the pack counts e and f, which the trained version learned from.
    expect(evaluateProject(project, 'all', pack.id)).toMatchObject({ images: 6, comparedWith: null });

    const packSide = evaluateProject(project, 'all', pack.id, trained.id);
    const trainedSide = evaluateProject(project, 'all', trained.id, pack.id);
    expect(packSide).toMatchObject({ images: 4, comparedWith: trained.id, leftOutForComparison: 2 });
    expect(trainedSide).toMatchObject({ images: 4, comparedWith: pack.id, leftOutForComparison: 0 });
    // The pack's figures on those four photos are its figures on val, where a–d are.
    const figures = ({ images, mAP, threshold, top3, perClass }: EvalReport) => ({
      images,
      mAP,
      threshold,
      top3,
      perClass,
    });
    expect(figures(packSide)).toEqual(figures(evaluateProject(project, 'val', pack.id)));

    // A photo one version has not pre-labelled leaves both sides.
    project.db.prepare('DELETE FROM predictions WHERE model_id = ? AND image_id = ?').run(pack.id, ids.a);
    expect(evaluateProject(project, 'all', trained.id, pack.id)).toMatchObject({
      images: 3,
      leftOutForComparison: 1,
    });
    expect(evaluateProject(project, 'all', pack.id, trained.id)).toMatchObject({ images: 3, unpredicted: 1 });
  });

  it('says when two versions share no photo to be compared on, or the other one does not exist', async () => {
    const { project, ids, pack, trained } = await projectWithTwoVersions();
    expect(() => evaluateProject(project, 'train', pack.id, trained.id)).toThrow(
      /v2 was trained on the train split; evaluate it on val, test or all/,
    );
    project.db
      .prepare('DELETE FROM predictions WHERE model_id = ? AND image_id IN (?, ?, ?, ?)')
      .run(pack.id, ...[ids.a, ids.b, ids.c, ids.d]);
    expect(() => evaluateProject(project, 'val', trained.id, pack.id)).toThrow(
      /no photo of split "val" can be measured with both v2 and coco/,
    );
    expect(() => evaluateProject(project, 'val', trained.id, 99)).toThrow(
      /no model version 99 to compare with in this project/,
    );
  });

  it('says which version has not pre-labelled the photos, and which version does not exist', async () => {
    const { project, unused } = await projectWithTwoVersions();
    expect(() => evaluateProject(project, 'val', unused.id)).toThrow(
      /version v3 has not pre-labelled the photos: activate it to pre-label them with it/,
    );
    expect(() => evaluateProject(project, 'val', 99)).toThrow(/no model version 99 in this project/);
  });
});
