import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importAndWait, jobEnd, newStudio } from '../../../test/fixtures/direct-api';
import { copyVocPhotoFiles, vocPhotoNames } from '../../../test/fixtures/workspace';
import { vocDerivedClasses, writeDerivedLabelsCsv } from '../../../test/fixtures/voc';
import { switchDone } from '../../../test/fixtures/wait';
import type { ImageFilter, ImageSort, ImageSummary } from '$shared/contract';
import type { Api } from '$shared/rpc';
import type { Studio } from '../api';
import { disputedFirstPage, uncertainFirstPage } from './class-scores';
import { queueTallies } from './review-tallies';

/**
 * Real VOC photos with their labels and `animal` (a class COCO does not have), split 80/20 and
 * pre-labelled by the default model.
 */
async function prelabelledProject(count: number) {
  const context = await newStudio();
  const folder = join(context.dir, 'photos');
  const names = await vocPhotoNames(count);
  await copyVocPhotoFiles(folder, names);
  const labelsFile = join(context.dir, 'labels.csv');
  await writeDerivedLabelsCsv(labelsFile, names, { animal: vocDerivedClasses.animal });
  await importAndWait(context.api, folder, labelsFile);
  await context.api.assignSplits({ val: 0.2, seed: 1 });
  await jobEnd(context.api, (await context.api.startPrelabel({ provider: 'cpu' })).id);
  return context;
}

/** Every photo with its labels and the active model's probabilities, as getImage gives them. */
async function photos(api: Api): Promise<ImageSummary[]> {
  const { ids } = await api.listImageIds({ sort: 'name' });
  return Promise.all(ids.map((imageId) => api.getImage({ imageId })));
}

/** The index's rows, as [model, class, photo, probability]. */
function indexRows(studio: Studio): [number, number, number, number][] {
  return studio
    .project!.db.prepare(
      'SELECT model_id, class_id, image_id, probability FROM class_scores ORDER BY class_id, image_id',
    )
    .raw()
    .all() as [number, number, number, number][];
}

/** What the index should hold: each photo's probability of each class the active model predicts. */
async function expectedRows(api: Api): Promise<[number, number, number, number][]> {
  const model = (await api.getModel({}))!;
  return (await photos(api))
    .flatMap((photo) =>
      photo.predictions.map(
        ({ classId, probability }) =>
          [model.id, classId, photo.id, probability] as [number, number, number, number],
      ),
    )
    .sort((a, b) => a[1] - b[1] || a[2] - b[2]);
}

const sorts: ImageSort[] = ['name', 'date', 'uncertainty', 'confidence'];

/**
 * The grid's answer to a filter, computed the slow way: every photo in the sort's order, kept when
 * its probability (from getImage) is in range and the other conditions hold.
 */
async function bruteForce(api: Api, filter: ImageFilter, sort: ImageSort): Promise<number[]> {
  const { ids } = await api.listImageIds({ sort });
  const byId = new Map((await photos(api)).map((photo) => [photo.id, photo]));
  return ids.filter((id) => {
    const photo = byId.get(id)!;
    const probability = photo.predictions.find((p) => p.classId === filter.classId)?.probability;
    if (probability === undefined) return false;
    if (probability < (filter.minProbability ?? 0) || probability > (filter.maxProbability ?? 1))
      return false;
    const label = photo.labels.find((l) => l.classId === filter.classId);
    if (filter.state === 'unknown' && label) return false;
    if (filter.state && filter.state !== 'unknown' && label?.state !== filter.state) return false;
    return !filter.split || photo.split === filter.split;
  });
}

async function expectGridAsBruteForce(api: Api, filter: ImageFilter): Promise<void> {
  for (const sort of sorts) {
    const expected = await bruteForce(api, filter, sort);
    expect((await api.listImageIds({ filter, sort })).ids).toEqual(expected);
    const all = await api.listImages({ filter, sort, offset: 0, limit: 500 });
    expect(all.total).toBe(expected.length);
    expect(all.images.map((image) => image.id)).toEqual(expected);
    const page = await api.listImages({ filter, sort, offset: 3, limit: 5 });
    expect(page.total).toBe(expected.length);
    expect(page.images.map((image) => image.id)).toEqual(expected.slice(3, 8));
  }
}

describe('the per-class probability index', () => {
  it('holds the active model’s probability of each class it predicts, through class changes', async () => {
    const { api, studio } = await prelabelledProject(24);
    const classes = await api.listClasses({});
    const id = (name: string) => classes.find((c) => c.name === name)!.id;
    const rows = indexRows(studio);
    // Every VOC class has a COCO twin; `animal` has none, so it has no rows.
    expect(new Set(rows.map((row) => row[1])).size).toBe(classes.length - 1);
    expect(rows).toHaveLength(24 * (classes.length - 1));
    expect(rows).toEqual(await expectedRows(api));

    // A class the model knows gets its rows at once; one renamed to a name it does not know, archived
    // or merged away loses them.
    const [renamed, archived, merged] = classes.filter((c) => c.name !== 'animal').map((c) => c.id);
    await api.createClass({ name: 'giraffe' });
    await api.updateClass({ classId: renamed!, name: 'something else' });
    await api.updateClass({ classId: archived!, archived: true });
    await api.mergeClasses({ from: merged!, into: id('animal') });
    const after = indexRows(studio);
    const classesOf = new Set(after.map((row) => row[1]));
    expect(classesOf.has((await api.listClasses({})).find((c) => c.name === 'giraffe')!.id)).toBe(true);
    for (const gone of [renamed, archived, merged]) expect(classesOf.has(gone!)).toBe(false);
    expect(after).toEqual(await expectedRows(api));

    // A class archived and brought back reads its rows again.
    await api.updateClass({ classId: archived!, archived: false });
    expect(indexRows(studio)).toEqual(await expectedRows(api));

    const model = (await api.getModel({}))!;
    // The review queues' first pages, read from the index, as the slow way finds them.
    const db = studio.project!.db;
    const queueClasses = (await api.listClasses({})).map((c) => ({ classId: c.id, threshold: c.threshold }));
    const threshold = new Map(queueClasses.map((c) => [c.classId, c.threshold]));
    const tallies = queueTallies(db, model.id, queueClasses);
    const pairs = (await photos(api)).flatMap((photo) =>
      photo.predictions.map(({ classId, probability }) => ({
        imageId: photo.id,
        classId,
        probability,
        threshold: threshold.get(classId)!,
        label: photo.labels.find((l) => l.classId === classId),
      })),
    );
    const ranked = (items: { imageId: number; classId: number; probability: number; score: number }[]) =>
      items.sort((a, b) => a.score - b.score || a.imageId - b.imageId || a.classId - b.classId).slice(0, 30);
    const uncertain = ranked(
      pairs
        .filter((pair) => !pair.label)
        .map(({ imageId, classId, probability, threshold }) => ({
          imageId,
          classId,
          probability,
          score: Math.abs(probability - threshold),
        })),
    );
    expect(uncertain.length).toBeGreaterThan(0);
    expect(uncertainFirstPage(db, model.id, tallies, 30)).toEqual(uncertain);
    // Small pages read the index a chunk at a time, each from where the last one ended.
    for (const limit of [1, 2, 5])
      expect(uncertainFirstPage(db, model.id, tallies, limit)).toEqual(uncertain.slice(0, limit));
    const disputed = ranked(
      pairs
        .filter(
          ({ label, probability, threshold }) =>
            label &&
            label.source !== 'accepted' &&
            (label.state === 'positive' ? probability < threshold : probability >= threshold),
        )
        .map(({ imageId, classId, probability, label }) => ({
          imageId,
          classId,
          probability,
          score: label!.state === 'positive' ? probability : 1 - probability,
        })),
    );
    expect(disputed.length).toBeGreaterThan(0);
    expect(disputedFirstPage(db, model.id, tallies, 30)).toEqual(disputed);
    for (const limit of [1, 2, 5])
      expect(disputedFirstPage(db, model.id, tallies, limit)).toEqual(disputed.slice(0, limit));
  }, 300_000);

  it('answers probability filters as the predictions do, alone and with other conditions, in every order', async () => {
    const { api } = await prelabelledProject(24);
    const classes = await api.listClasses({});
    const person = classes.find((c) => c.name === 'person')!.id;
    const dog = classes.find((c) => c.name === 'dog')!.id;
    const animal = classes.find((c) => c.name === 'animal')!.id;
    const [median] = (await photos(api))
      .map((photo) => photo.predictions.find((p) => p.classId === person)!.probability)
      .sort((a, b) => a - b)
      .slice(12);
    const filters: ImageFilter[] = [
      { classId: person, minProbability: 0.5 },
      { classId: person, minProbability: median! },
      { classId: person, maxProbability: median! },
      { classId: dog, minProbability: 0.01, maxProbability: 0.9 },
      { classId: person, minProbability: 0.2, state: 'positive' },
      { classId: person, maxProbability: 0.5, state: 'unknown' },
      { classId: dog, minProbability: 0, split: 'train' },
    ];
    for (const filter of filters) await expectGridAsBruteForce(api, filter);
    // A label changed since is in the answer at once.
    const [first] = await bruteForce(api, filters[4]!, 'name');
    await api.setLabels({ changes: [{ imageId: first!, classId: person, state: 'negative' }] });
    expect(await bruteForce(api, filters[4]!, 'name')).not.toContain(first);
    await expectGridAsBruteForce(api, filters[4]!);
    await expectGridAsBruteForce(api, { classId: person, minProbability: 0.2, state: 'negative' });
    // A class the model does not predict is in no range.
    expect((await api.listImages({ filter: { classId: animal, minProbability: 0 } })).total).toBe(0);
  }, 300_000);

  it('follows the version activated: its predictions, its classes (one COCO lacks), no rows of the old one', async () => {
    const { api, studio } = await prelabelledProject(48);
    const before = (await api.getModel({}))!.id;
    const job = await api.startTrain({ activate: 'always' });
    expect((await jobEnd(api, job.id)).error).toBeNull();
    await switchDone(api);
    const model = (await api.getModel({}))!;
    expect(model.id).not.toBe(before);
    const rows = indexRows(studio);
    expect(rows.every((row) => row[0] === model.id)).toBe(true);
    const animal = (await api.listClasses({})).find((c) => c.name === 'animal')!.id;
    expect(rows.some((row) => row[1] === animal)).toBe(true);
    expect(rows).toEqual(await expectedRows(api));
  }, 900_000);
});
