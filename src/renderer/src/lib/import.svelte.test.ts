// The import store against a real studio: real VOC photos copied into a temp folder, real jobs.
import { describe, expect, it, vi } from 'vitest';
import type { JobInfo } from '$shared/contract';
import { createClient } from '$shared/rpc';
import {
  cancelAtFirstProgress,
  crashDuring,
  eachTestStudio,
  jobSettled,
  makePhotoFolder,
  resumeShownJob,
  type TestStudio,
} from '../../../../test/fixtures/renderer-studio';
import { ImportStore } from './import.svelte';

const patience = { timeout: 60_000, interval: 20 };
/** Enough photos for several batches of 32, so a run sends several progress events. */
const many = 160;

let studio: TestStudio;
let store: ImportStore;

eachTestStudio((created) => {
  studio = created;
  store = new ImportStore(studio.api);
  return () => store.dispose();
});

/** Waits for the import on show to stop and its report to be loaded. */
const settled = () => jobSettled(store, 'import');

describe('the import store', () => {
  it('imports a folder with labels and loads the report of what happened to every file', async () => {
    const photos = await makePhotoFolder(studio.dir, {
      count: 12,
      withLabels: true,
      withBadFiles: true,
      withDuplicate: true,
    });
    await studio.api.createProject({ path: studio.projectPath });

    expect(await store.start({ folder: photos.folder, labelsFile: photos.labelsFile! })).toBe(true);
    expect(store.job?.kind).toBe('import');
    await settled();

    // The last phase counts the labels written, every one of them.
    const report = store.report!;
    expect(store.job).toMatchObject({ status: 'done', phase: 'labels', done: report.labels!.labelsWritten });
    expect(store.job!.total).toBe(store.job!.done);
    expect(store.running).toBe(false);
    expect(store.eta).toBeNull();
    expect(report).toMatchObject({ status: 'done', found: 15, added: 12, existing: 0 });
    expect(report.duplicates).toEqual([
      {
        path: `${photos.folder}/${photos.duplicate!.name}`,
        duplicateOf: `${photos.folder}/${photos.duplicate!.of}`,
      },
    ]);
    expect(report.skipped.map((item) => item.path).sort()).toEqual(
      photos.badFiles.map((bad) => `${photos.folder}/${bad.name}`).sort(),
    );
    for (const bad of photos.badFiles) {
      expect(report.skipped.find((item) => item.path.endsWith(`/${bad.name}`))?.reason).toMatch(bad.reason);
    }
    expect(report.labels).toMatchObject({ photosLabelled: 12, unmatchedRows: [] });
    expect(store.resumable).toEqual([]);
  });

  it('measures photos per second and the time left while a larger import runs', async () => {
    const photos = await makePhotoFolder(studio.dir, { count: many });
    await studio.api.createProject({ path: studio.projectPath });
    const readings: { done: number; total: number; rate: number | null; eta: number | null }[] = [];
    studio.api.onEvent((event) => {
      if (event.type === 'job' && store.job?.status === 'running') {
        readings.push({ done: store.job.done, total: store.job.total, rate: store.rate, eta: store.eta });
      }
    });

    await store.start({ folder: photos.folder });
    await settled();

    const measured = readings.filter((reading) => reading.rate !== null);
    expect(measured.length).toBeGreaterThan(0);
    for (const { done, total, rate, eta } of measured) {
      expect(rate).toBeGreaterThan(0);
      expect(rate).toBeLessThan(100_000);
      expect(eta).toBeCloseTo((total - done) / rate!, 6);
    }
    expect(store.rate).toBeGreaterThan(0);
    expect(store.report).toMatchObject({ status: 'done', added: many });
  });

  it('cancels a running import, reports what it imported, and resumes it to the end', async () => {
    const photos = await makePhotoFolder(studio.dir, { count: many });
    await studio.api.createProject({ path: studio.projectPath });

    const cancelledAt = await cancelAtFirstProgress(studio.api, store, 'import', () =>
      store.start({ folder: photos.folder }),
    );
    const partial = store.report!;
    expect(partial.added).toBeGreaterThanOrEqual(cancelledAt);
    expect(partial.added).toBeLessThan(many);

    await resumeShownJob(store);
    expect(store.report).toMatchObject({ status: 'done', found: many, added: many });
    expect((await studio.api.listImages({ limit: 500 })).total).toBe(many);
  });

  it('lists an import that a crash interrupted, and resumes it where it stopped', async () => {
    const photos = await makePhotoFolder(studio.dir, { count: many });
    await studio.api.createProject({ path: studio.projectPath });
    await studio.api.closeProject({});

    const crash = await crashDuring(
      studio.projectPath,
      { kind: 'import', input: { folder: photos.folder } },
      { phase: 'importing', fraction: 0.01 },
    );
    expect(crash.done).toBeGreaterThan(0);
    expect(crash.done).toBeLessThan(many);

    await studio.api.openProject({ path: studio.projectPath });
    await vi.waitFor(() => expect(store.resumable).toHaveLength(1), patience);
    const interrupted = store.resumable[0]!;
    expect(interrupted).toMatchObject({ id: crash.jobId, status: 'interrupted' });
    expect(interrupted.error).toMatch(/stopped before it finished/);
    expect(store.job).toBeNull();

    expect(await store.resume(interrupted.id)).toBe(true);
    await settled();
    expect(store.job).toMatchObject({ id: crash.jobId, status: 'done', done: many, total: many });
    expect(store.report).toMatchObject({
      status: 'done',
      found: many,
      added: many,
      skipped: [],
      duplicates: [],
    });
  });

  it('follows an import another client of the same studio started', async () => {
    const photos = await makePhotoFolder(studio.dir, { count: 4 });
    await studio.api.createProject({ path: studio.projectPath });
    const other = createClient(studio.transport);

    const job: JobInfo = await other.startImport({ folder: photos.folder });
    await settled();
    expect(store.job?.id).toBe(job.id);
    expect(store.report).toMatchObject({ added: 4 });
  });

  it('explains a folder that cannot be imported, and asks for one when none is given', async () => {
    await studio.api.createProject({ path: studio.projectPath });

    expect(await store.start({ folder: `${studio.dir}/nowhere` })).toBe(false);
    expect(store.error).toMatch(/^cannot open folder .*nowhere: no such file/);
    expect(store.job).toBeNull();

    expect(await store.start({ folder: '  ' })).toBe(false);
    expect(store.error).toBe('Enter the folder to import.');
  });

  it('explains a labels file that cannot be read, before any photo is imported', async () => {
    const photos = await makePhotoFolder(studio.dir, { count: 2 });
    await studio.api.createProject({ path: studio.projectPath });

    expect(await store.start({ folder: photos.folder, labelsFile: `${studio.dir}/labels.csv` })).toBe(false);
    expect(store.error).toMatch(/^cannot read labels file .*labels\.csv: no such file/);
    expect((await studio.api.listJobs({})).length).toBe(0);
  });

  it('reads the labels file in the format named, or says why it is not of that format', async () => {
    const photos = await makePhotoFolder(studio.dir, { count: 2, withLabels: true });
    await studio.api.createProject({ path: studio.projectPath });

    const labelsFile = photos.labelsFile!;
    expect(await store.start({ folder: photos.folder, labelsFile, labelsFormat: 'jsonl' })).toBe(false);
    expect(store.error).toMatch(/^jsonl .*labels\.csv line 1: \$: not JSON/);
    expect(await store.start({ folder: photos.folder, labelsFile, labelsFormat: 'labels-csv' })).toBe(true);
    await settled();
    expect(store.report!.labels).toMatchObject({ format: 'labels-csv', photosLabelled: 2, unmatched: 0 });
  });

  it('forgets the shown import when the project closes', async () => {
    const photos = await makePhotoFolder(studio.dir, { count: 2 });
    await studio.api.createProject({ path: studio.projectPath });
    await store.start({ folder: photos.folder });
    await settled();

    await studio.api.closeProject({});
    expect(store.job).toBeNull();
    expect(store.report).toBeNull();
  });
});
