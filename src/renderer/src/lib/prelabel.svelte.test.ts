// The pre-label store against a real studio: real VOC photos, the default model pack run by
// onnxruntime, real jobs and their events.
import { describe, expect, it, vi } from 'vitest';
import type { JobInfo } from '$shared/contract';
import { createClient } from '$shared/rpc';
import {
  cancelAtFirstProgress,
  eachTestStudio,
  jobEnd,
  jobSettled,
  makePhotoFolder,
  resumeShownJob,
  type TestStudio,
} from '../../../../test/fixtures/renderer-studio';
import { importNeedsPrelabel, PrelabelStore, prelabelAfterImport } from './prelabel.svelte';

const patience = { timeout: 60_000, interval: 20 };

let studio: TestStudio;
let store: PrelabelStore;

eachTestStudio((created) => {
  studio = created;
  store = new PrelabelStore(studio.api);
  return () => store.dispose();
});

/** Waits for the run on show to stop and its report to be loaded. */
const settled = () => jobSettled(store, 'prelabel');

/** Imports a folder of `count` photos, labels.csv naming the first `labelled`, and waits for it. */
async function importPhotos(count: number, labelled = count, name = 'photos') {
  const photos = await makePhotoFolder(studio.dir, { count, withLabels: true, labelled, name });
  const job = await studio.api.startImport({ folder: photos.folder, labelsFile: photos.labelsFile! });
  expect((await jobEnd(studio.api, job.id)).status).toBe('done');
  return photos;
}

async function prelabelJobs(): Promise<JobInfo[]> {
  return (await studio.api.listJobs({})).filter((job) => job.kind === 'prelabel');
}

describe('the pre-label store', () => {
  it('reads the model of a new project: the default pack, no classes to predict yet, not run', async () => {
    await studio.api.createProject({ path: studio.projectPath });
    await vi.waitFor(() => expect(store.model).not.toBeNull(), patience);

    const model = store.model!;
    expect(model.name).toBe('coco80-centernet');
    expect(model.pack).toMatch(/^coco80-centernet@.+$/);
    expect(model.classes).toHaveLength(80);
    expect(model.classes).toContain('person');
    expect(model.mapping).toEqual([]);
    expect(model.predicted).toBe(0);
    expect(model.provider).toBeNull();
    expect(store.provider).toBe('auto');
  });

  it('pre-labels the photos an import adds by itself, and loads the report of the run', async () => {
    expect(prelabelAfterImport).toBe(true);
    expect(store.auto).toBe(true);
    await studio.api.createProject({ path: studio.projectPath });
    const photos = await importPhotos(8, 4);

    await settled();
    expect(store.job).toMatchObject({ kind: 'prelabel', status: 'done', done: 8, total: 8 });
    expect(store.running).toBe(false);
    expect(store.eta).toBeNull();
    const report = store.report!;
    expect(report).toMatchObject({ status: 'done', predicted: 8, skipped: [] });
    expect(report.model).toBe(store.model!.pack);
    expect(report.photosPerSecond).toBeGreaterThan(0);
    // No GPU here: "auto" falls through to the CPU.
    expect(report.provider).toBe('cpu');

    await vi.waitFor(() => expect(store.model?.predicted).toBe(8), patience);
    expect(store.model!.provider).toBe('cpu');
    // The model predicts every class labels.csv named (all VOC classes are COCO classes).
    const vocClasses = new Set(photos.photos.slice(0, 4).flatMap((name) => photos.labels[name]!));
    const classes = await studio.api.listClasses({});
    expect(classes.map((item) => item.name).sort()).toEqual([...vocClasses].sort());
    expect(store.model!.mapping.map((entry) => entry.classId).sort()).toEqual(
      classes.map((item) => item.id).sort(),
    );
    const page = await studio.api.listImages({});
    for (const image of page.images) {
      expect(image.predictions.map((p) => p.classId).sort()).toEqual(classes.map((item) => item.id).sort());
      for (const { probability } of image.predictions) {
        expect(probability).toBeGreaterThanOrEqual(0);
        expect(probability).toBeLessThanOrEqual(1);
      }
    }
    expect(await prelabelJobs()).toHaveLength(1);
  });

  it('measures photos per second and the time left while a run goes on', async () => {
    await studio.api.createProject({ path: studio.projectPath });
    const readings: { done: number; total: number; rate: number | null; eta: number | null }[] = [];
    studio.api.onEvent((event) => {
      if (event.type === 'job' && store.job?.status === 'running') {
        readings.push({ done: store.job.done, total: store.job.total, rate: store.rate, eta: store.eta });
      }
    });
    await importPhotos(24);
    await settled();

    const measured = readings.filter((reading) => reading.rate !== null);
    expect(measured.length).toBeGreaterThan(0);
    for (const { done, total, rate, eta } of measured) {
      expect(rate).toBeGreaterThan(0);
      expect(rate).toBeLessThan(10_000);
      expect(eta).toBeCloseTo((total - done) / rate!, 6);
    }
    expect(store.report).toMatchObject({ status: 'done', predicted: 24 });
    await vi.waitFor(() => expect(store.model?.predicted).toBe(24), patience);
  });

  it('starts nothing after an import that added no photo', async () => {
    await studio.api.createProject({ path: studio.projectPath });
    const photos = await importPhotos(4);
    await settled();

    const again = await studio.api.startImport({ folder: photos.folder });
    expect((await jobEnd(studio.api, again.id)).status).toBe('done');
    expect(importNeedsPrelabel(await studio.api.getImportReport({ jobId: again.id }))).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await prelabelJobs()).toHaveLength(1);
  });

  it('says every photo is pre-labelled by this version instead of running for none, and runs again on all when asked', async () => {
    await studio.api.createProject({ path: studio.projectPath });
    await importPhotos(4);
    await settled();
    await vi.waitFor(() => expect(store.model?.predicted).toBe(4), patience);

    expect(await store.start()).toBe(false);
    expect(store.allPredicted).toBe(4);
    expect(store.error).toBeNull();
    expect(await prelabelJobs()).toHaveLength(1);

    expect(await store.start('cpu', { again: true })).toBe(true);
    expect(store.allPredicted).toBeNull();
    await settled();
    expect(store.report).toMatchObject({ status: 'done', predicted: 4 });
    expect(await prelabelJobs()).toHaveLength(2);
  });

  it('leaves imports alone when told not to pre-label by itself', async () => {
    store.dispose();
    store = new PrelabelStore(studio.api, { auto: false });
    await studio.api.createProject({ path: studio.projectPath });
    await importPhotos(4);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await prelabelJobs()).toEqual([]);
    expect(store.job).toBeNull();
  });

  it('runs again for the photos an import adds while a run goes on', async () => {
    await studio.api.createProject({ path: studio.projectPath });
    await importPhotos(24);
    await vi.waitFor(() => expect(store.running).toBe(true), patience);

    // The same 24 photos and 4 more: 4 new photos, most likely while the first run goes on.
    await importPhotos(28, 28, 'more');
    await vi.waitFor(async () => {
      expect(store.running).toBe(false);
      expect((await studio.api.getModel({}))?.predicted).toBe(28);
    }, patience);
    const jobs = await prelabelJobs();
    expect(jobs.length).toBeGreaterThanOrEqual(2);
    expect(jobs.every((job) => job.status === 'done')).toBe(true);
    await vi.waitFor(() => expect(store.model?.predicted).toBe(28), patience);
  });

  it('cancels a running run, reports what it predicted, and resumes it to the end', async () => {
    store.dispose();
    store = new PrelabelStore(studio.api, { auto: false });
    await studio.api.createProject({ path: studio.projectPath });
    await importPhotos(24);

    const cancelledAt = await cancelAtFirstProgress(studio.api, store, 'prelabel', () => store.start('cpu'));
    const partial = store.report!;
    expect(partial.provider).toBe('cpu');
    expect(partial.predicted).toBeGreaterThanOrEqual(cancelledAt);
    expect(partial.predicted).toBeLessThan(24);
    await vi.waitFor(() => expect(store.model?.predicted).toBe(partial.predicted), patience);

    await resumeShownJob(store);
    expect(store.job).toMatchObject({ status: 'done', done: 24, total: 24 });
    expect(store.report).toMatchObject({ status: 'done', predicted: 24, skipped: [] });
    await vi.waitFor(() => expect(store.model?.predicted).toBe(24), patience);
    // A run, a cancel and a resume on a busy 2-core machine: more than the default minute.
  }, 150_000);

  it('explains a provider that cannot run here, and starts nothing', async () => {
    store.dispose();
    store = new PrelabelStore(studio.api, { auto: false });
    await studio.api.createProject({ path: studio.projectPath });
    await importPhotos(2);

    // No CUDA build of onnxruntime is installed by npm ci.
    expect(await store.start('cuda')).toBe(false);
    expect(store.error).toMatch(/^the cuda execution provider is not available here: /);
    expect(store.provider).toBe('cuda');
    expect(store.job).toBeNull();
    expect(store.busy).toBe(false);
    expect(await prelabelJobs()).toEqual([]);
  });

  it('explains that nothing can be pre-labelled without a project', async () => {
    expect(await store.start()).toBe(false);
    expect(store.error).toBe('no project is open; create or open one first');
    store.error = null;
    await store.loadModel();
    expect(store.error).toBe('no project is open; create or open one first');
    expect(store.model).toBeNull();
  });

  it('follows a run another client of the same studio started', async () => {
    store.dispose();
    store = new PrelabelStore(studio.api, { auto: false });
    await studio.api.createProject({ path: studio.projectPath });
    await importPhotos(4);
    const other = createClient(studio.transport);

    const job = await other.startPrelabel({ provider: 'cpu' });
    await settled();
    expect(store.job?.id).toBe(job.id);
    expect(store.report).toMatchObject({ predicted: 4, provider: 'cpu' });
    // The model read again: what it has predicted, and the provider that runs it.
    await vi.waitFor(() => expect(store.model).toMatchObject({ predicted: 4, provider: 'cpu' }), patience);
  });

  it("gives a pre-labelled photo's class maps, decoded, for its strongest classes", async () => {
    await studio.api.createProject({ path: studio.projectPath });
    await importPhotos(6, 3);
    await settled();
    await vi.waitFor(() => expect(store.model?.predicted).toBe(6), patience);

    const model = store.model!;
    const mapped = new Set(model.mapping.map((entry) => entry.classId));
    const page = await studio.api.listImages({});
    for (const image of page.images) {
      const maps = await store.classMaps.get(image.id);
      expect(maps.length).toBeGreaterThan(0);
      for (const map of maps) {
        expect(mapped.has(map.classId)).toBe(true);
        expect(map.size).toBe(64);
        expect(map.values).toHaveLength(64 * 64);
        expect(map.peak).toBeGreaterThan(0);
        // Bytes are relative to the map's own peak: its strongest cell is 255.
        expect(Math.max(...map.values)).toBe(255);
        const listed = image.predictions.find((p) => p.classId === map.classId)!;
        expect(map.probability).toBeCloseTo(listed.probability, 6);
      }
      // Strongest first.
      const probabilities = maps.map((map) => map.probability);
      expect(probabilities).toEqual([...probabilities].sort((a, b) => b - a));
    }
    // Asked again, the same decoded maps come back without another request.
    const first = page.images[0]!.id;
    expect(await store.classMaps.get(first)).toBe(await store.classMaps.get(first));
  });

  it('says why a photo not pre-labelled yet has no class maps', async () => {
    store.dispose();
    store = new PrelabelStore(studio.api, { auto: false });
    await studio.api.createProject({ path: studio.projectPath });
    await importPhotos(1);
    const [image] = (await studio.api.listImages({})).images;

    await expect(store.classMaps.get(image!.id)).rejects.toThrow(/has no prediction from the active model/);
  });

  it('forgets the run and the model when the project closes', async () => {
    await studio.api.createProject({ path: studio.projectPath });
    await importPhotos(2);
    await settled();
    await vi.waitFor(() => expect(store.model?.predicted).toBe(2), patience);

    await studio.api.closeProject({});
    expect(store.job).toBeNull();
    expect(store.report).toBeNull();
    expect(store.model).toBeNull();
  });
});
