import { appendFile, readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { afterAll, afterEach } from 'vitest';
import { importAndWait, jobEnd, newStudio } from '../../../test/fixtures/direct-api';
import { createClient } from '$shared/rpc';
import { createStudio, type Studio } from '../api';
import { copyVocPhotoFiles, copyVocPhotos, vocPhotoNames } from '../../../test/fixtures/workspace';
import { vocDerivedClasses, writeDerivedLabelsCsv } from '../../../test/fixtures/voc';
import { jobDone, switchDone, until } from '../../../test/fixtures/wait';
import type { ModelVersion } from '$shared/contract';
import type { Api } from '$shared/rpc';
import { featureCacheFolder } from './feature-cache';

/**
 * 48 real VOC photos with their labels and `animal`, a class COCO does not have, derived from them;
 * splits assigned 80/20.
 */
async function labelledProject(dir: string) {
  const studio = createStudio();
  const context = { api: createClient(studio), dir, projectPath: join(dir, 'project.sqlite') };
  await context.api.createProject({ path: context.projectPath });
  const folder = join(context.dir, 'photos');
  const names = await vocPhotoNames(48);
  await copyVocPhotoFiles(folder, names);
  const labelsFile = join(context.dir, 'labels.csv');
  await writeDerivedLabelsCsv(labelsFile, names, { animal: vocDerivedClasses.animal });
  await importAndWait(context.api, folder, labelsFile);
  await context.api.assignSplits({ val: 0.2, seed: 1 });
  await studio.close();
  return context;
}

async function train(api: Api, activate: 'better' | 'always' | 'never' = 'always') {
  const job = await api.startTrain({ activate });
  const ended = await jobEnd(api, job.id);
  expect(ended.error).toBeNull();
  return api.getTrainReport({ jobId: job.id });
}

/** One project for the specs below, which follow one another; each opens it in a studio of its own. */
// A run trains for up to its 45 s budget and pre-labels again; a busy 2-core machine takes minutes.
describe('the train job', { timeout: 600_000 }, () => {
  let dir: string;
  let projectPath: string;
  let studio: Studio | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'csra-train-'));
    ({ projectPath } = await labelledProject(dir));
  }, 300_000);
  afterEach(async () => {
    await studio?.close();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const reopen = async () => {
    studio = createStudio();
    const api = createClient(studio);
    await api.openProject({ path: projectPath });
    return { api, projectPath };
  };

  it('says per class what train and val hold, and writes no split itself', async () => {
    const { api } = await reopen();
    const preflight = await api.getTrainPreflight({});
    expect(preflight.blockers).toEqual([]);
    expect(preflight.labelled.train + preflight.labelled.val).toBe(48);
    const byName = Object.fromEntries(preflight.classes.map((entry) => [entry.name, entry]));
    expect(byName.animal).toMatchObject({ modelClass: null });
    expect(byName.person).toMatchObject({ modelClass: 'person' });
    expect(byName.person!.train.positive).toBeGreaterThanOrEqual(5);
    const rare = preflight.classes.find((entry) => entry.train.positive < 5)!;
    expect(rare.warning).toMatch(/positive photos? in train, at least 5 needed/);
  });

  it('trains a version that pre-labels a class COCO lacks, better than zero-shot on val, and activates it', async () => {
    const { api } = await reopen();
    const report = await train(api, 'always');
    expect(report.status).toBe('done');
    expect(report.backend).toMatch(/^(onnxruntime|tfjs)-/);
    expect(report.epochs.length).toBeGreaterThan(0);
    expect(report.epochs.at(-1)!.trial).toBe('final');
    expect(report.version).toMatchObject({ problem: null, parentId: 1 });
    expect(report.version!.classes).toContain('animal');
    expect(report.version!.trained!.counts.train).toBeGreaterThan(report.version!.trained!.counts.val);
    expect(report.comparison!.after).toBeGreaterThan(0.5);
    expect(report.activated).toBe(true);

    // The switch to it pre-labels the photos again with the version: `animal` now has probabilities.
    await switchDone(api);
    expect((await api.getModel({}))!.id).toBe(report.version!.id);
    const classes = await api.listClasses({});
    const animal = classes.find((entry) => entry.name === 'animal')!;
    const { images } = await api.listImages({ limit: 100 });
    expect(images.every((image) => image.predictions.some((p) => p.classId === animal.id))).toBe(true);
    const positives = images.filter((image) =>
      image.labels.some((l) => l.classId === animal.id && l.state === 'positive'),
    );
    const mean = (list: typeof images) =>
      list.reduce(
        (sum, image) => sum + image.predictions.find((p) => p.classId === animal.id)!.probability,
        0,
      ) / list.length;
    expect(mean(positives)).toBeGreaterThan(mean(images.filter((image) => !positives.includes(image))));

    // What the run measured on val is what the version scores there once it has pre-labelled.
    const evaluated = await api.evaluate({ split: 'val' });
    expect(evaluated.mAP!).toBeCloseTo(report.version!.metrics!.valMAP!, 1);
    await expect(api.evaluate({ split: 'train' })).rejects.toThrow(/trained on the train split/);
    const all = await api.evaluate({ split: 'all' });
    expect(all.images).toBe(evaluated.images);
    // A photo it learned from stays out of its evaluation when moved to val.
    const { images: learned } = await api.listImages({ filter: { split: 'train' }, limit: 1 });
    await api.setSplit({ imageIds: [learned[0]!.id], split: 'val' });
    expect((await api.evaluate({ split: 'val' })).images).toBe(evaluated.images);
    await api.setSplit({ imageIds: [learned[0]!.id], split: 'train' });

    // Renamed since, a class keeps the version's pre-labels: versions know classes by id.
    await api.updateClass({ classId: animal.id, name: 'animals' });
    const renamed = await api.getImage({ imageId: positives[0]!.id });
    expect(renamed.predictions.some((p) => p.classId === animal.id)).toBe(true);
    await api.updateClass({ classId: animal.id, name: 'animal' });

    // The overlay of a trained version shows the head's maps.
    const maps = await api.getClassMaps({ imageId: positives[0]!.id });
    expect(maps.maps.length).toBeGreaterThan(0);
  });

  it('switches versions as a job: the active version serves until the switch ends; cancelled, it stays', async () => {
    const { api } = await reopen();
    const [pack, trained] = (await api.listModels({})) as [ModelVersion, ModelVersion];
    expect((await api.getModel({}))!.id).toBe(trained.id);
    const before = { counts: await api.reviewCounts({}), page: await api.listImages({ limit: 48 }) };
    expect(before.counts.disputed + before.counts.uncertain).toBeGreaterThan(0);

    // Cancelled while the pack predicts the photos: nothing a person sees has changed.
    const predicting = new Promise<void>((resolve) => {
      const stop = api.onEvent((event) => {
        if (event.type === 'job' && event.job.kind === 'switch' && event.job.phase === 'predicting') {
          stop();
          resolve();
        }
      });
    });
    const job = await api.activateModel({ modelId: pack.id });
    await predicting;
    await api.cancelJob({ jobId: job.id });
    expect(await jobEnd(api, job.id)).toMatchObject({ status: 'cancelled' });
    expect((await api.getModel({}))!.id).toBe(trained.id);
    expect(await api.reviewCounts({})).toEqual(before.counts);
    expect(await api.listImages({ limit: 48 })).toEqual(before.page);

    // Asked again, the same job carries on to the end, and the pack takes over.
    expect((await api.activateModel({ modelId: pack.id })).id).toBe(job.id);
    await jobDone(api, job.id);
    expect((await api.getModel({}))!.id).toBe(pack.id);
    const { images } = await api.listImages({ limit: 48 });
    expect(images.map((image) => image.predictions.length)).not.toEqual(
      before.page.images.map((image) => image.predictions.length),
    );
    // Back to the trained version, as the specs below expect.
    await jobDone(api, (await api.activateModel({ modelId: trained.id })).id);
    expect((await api.getModel({}))!.id).toBe(trained.id);
  });

  it('lists versions, re-activates an earlier one, and refuses one whose files changed', async () => {
    const { api } = await reopen();
    const versions = await api.listModels({});
    expect(versions.map((v) => v.trained === null)).toEqual([true, false]);
    const [pack, trained] = versions as [(typeof versions)[0], (typeof versions)[0]];
    await jobDone(api, (await api.activateModel({ modelId: pack.id })).id);
    expect((await api.getModel({}))!.id).toBe(pack.id);

    const folder = join(projectPath.replace(/\.sqlite$/, '.models'), trained.name);
    await appendFile(join(folder, 'model.onnx'), 'tampered');
    const listed = (await api.listModels({})).find((v) => v.id === trained.id)!;
    expect(listed.problem).toMatch(/does not match its model/);
    await expect(api.activateModel({ modelId: trained.id })).rejects.toThrow(/cannot be activated/);
    expect((await api.getModel({}))!.id).toBe(pack.id);

    // A crafted database cannot make the app read model files outside the project's versions folder.
    const db = new Database(projectPath);
    const crafted = db
      .prepare(
        `INSERT INTO models (name, pack, classes, head_file, active, created_at)
         VALUES ('v99', 'v99@0', '[]', '../../etc', 0, '2026-01-01')`,
      )
      .run().lastInsertRowid;
    db.close();
    const outside = (await api.listModels({})).find((v) => v.id === Number(crafted))!;
    expect(outside.problem).toMatch(/outside the project's versions folder/);
    await expect(api.activateModel({ modelId: Number(crafted) })).rejects.toThrow(/outside/);
  });

  it('recomputes a damaged cache entry, says how many labels changed while it trained, and keeps the active version with --activate never', async () => {
    const { api } = await reopen();
    const cacheFolder = join(
      featureCacheFolder(projectPath),
      (await readdir(featureCacheFolder(projectPath)))[0]!,
    );
    const entries = await readdir(cacheFolder);
    expect(entries.length).toBe(48);
    await truncate(join(cacheFolder, entries[0]!), 1000);
    const before = (await api.getModel({}))!.id;

    const job = await api.startTrain({ activate: 'never' });
    await until(
      async () => (await api.listJobs({})).some((j) => j.id === job.id && j.phase === 'training'),
      300_000,
    );
    const { images } = await api.listImages({ limit: 1 });
    await api.setLabels({
      changes: [{ imageId: images[0]!.id, classId: images[0]!.labels[0]!.classId, state: null }],
    });
    await jobEnd(api, job.id);
    const report = await api.getTrainReport({ jobId: job.id });
    expect(report.status).toBe('done');
    expect(report.labelsChangedSince).toBe(1);
    expect(report.activated).toBe(false);
    expect((await api.getModel({}))!.id).toBe(before);
    // The entry was read as damaged and written again whole.
    expect((await readFile(join(cacheFolder, entries[0]!))).length).toBeGreaterThan(1000);
  });

  it('stops when cancelled (the worker is terminated at once), leaving no version behind', async () => {
    const { api } = await reopen();
    const count = (await api.listModels({})).length;
    const job = await api.startTrain({ activate: 'always' });
    await until(
      async () => (await api.listJobs({})).some((j) => j.id === job.id && j.phase === 'training'),
      300_000,
    );
    await api.cancelJob({ jobId: job.id });
    const ended = await jobEnd(api, job.id);
    expect(ended.status).toBe('cancelled');
    expect(await api.listModels({})).toHaveLength(count);
  });

  it('makes no version when its files cannot be written, says so, and changes nothing else', async () => {
    const { api } = await reopen();
    const active = (await api.getModel({}))!.id;
    const count = (await api.listModels({})).length;
    const versions = projectPath.replace(/\.sqlite$/, '.models');
    const kept = `${versions}.kept`;
    await rename(versions, kept);
    await writeFile(versions, 'a file where the versions folder should be');
    try {
      const job = await api.startTrain({ activate: 'always' });
      const ended = await jobEnd(api, job.id);
      expect(ended.status).toBe('failed');
      expect(ended.error).toMatch(/^the new model version was not created: /);
      expect((await api.getModel({}))!.id).toBe(active);
      expect(await api.listModels({})).toHaveLength(count);
    } finally {
      await rm(versions, { force: true });
      await rename(kept, versions);
    }
  });
});

describe('too few labels', () => {
  it('blocks the run and says why', async () => {
    const { api, dir } = await newStudio();
    const folder = join(dir, 'photos');
    const { labelsFile } = await copyVocPhotos(folder, 6);
    await importAndWait(api, folder, labelsFile);
    const preflight = await api.getTrainPreflight({});
    expect(preflight.blockers.join('\n')).toMatch(/labelled photos? in train; at least 10 are needed/);
    await expect(api.startTrain({})).rejects.toThrow(/cannot train: .*at least 10 are needed/);
    expect(await api.listJobs({})).toHaveLength(1); // the import
    expect(await api.listModels({})).toHaveLength(1);
  });
});
