// The train store against a real studio: real VOC photos and labels, features from the default
// pack, a CSRA head trained in the training worker, real versions, jobs and their events.
import { describe, expect, it, vi } from 'vitest';
import type { TrainReport } from '$shared/contract';
import { createClient } from '$shared/rpc';
import {
  eachTestStudio,
  jobEnd,
  jobSettled,
  makePhotoFolder,
  type TestStudio,
} from '../../../../test/fixtures/renderer-studio';
import { TrainStore } from './train.svelte';

const patience = { timeout: 120_000, interval: 20 };

let studio: TestStudio;
let store: TrainStore;

eachTestStudio((created) => {
  studio = created;
  store = new TrainStore(studio.api);
  return () => store.dispose();
});

/**
 * Creates the project and imports the first `count` VOC photos with their labels; resolves once the
 * store shows the preflight of them all and the versions.
 */
async function labelledProject(count: number) {
  await studio.api.createProject({ path: studio.projectPath });
  const photos = await makePhotoFolder(studio.dir, { count, withLabels: true });
  const job = await studio.api.startImport({ folder: photos.folder, labelsFile: photos.labelsFile! });
  expect((await jobEnd(studio.api, job.id)).status).toBe('done');
  await vi.waitFor(() => {
    const labelled = store.preflight?.labelled;
    expect(labelled && labelled.train + labelled.val).toBe(count);
    expect(store.models).not.toEqual([]);
  }, patience);
  return photos;
}

const settled = () => jobSettled(store, 'train');

describe('the train store', () => {
  it('reads the preflight and the versions of a project too small to train, and says why', async () => {
    await labelledProject(6);

    const preflight = store.preflight!;
    // Photos without a split yet are counted where a run will put them.
    expect(preflight.labelled.train + preflight.labelled.val).toBe(6);
    expect(preflight.unassigned).toBeLessThanOrEqual(6);
    expect(preflight.labelled.val).toBeGreaterThan(0);
    const classes = await studio.api.listClasses({});
    expect(preflight.classes.map((item) => item.name).sort()).toEqual(
      classes.map((item) => item.name).sort(),
    );
    for (const item of preflight.classes) {
      // Every VOC class is a COCO class: each reads the zero-shot readout.
      expect(item.modelClass).not.toBeNull();
      expect(
        item.train.positive + item.train.negative + item.val.positive + item.val.negative,
      ).toBeLessThanOrEqual(6);
    }
    // Six photos cannot train anything: every reason is given, and Train says so.
    expect(preflight.blockers.length).toBeGreaterThan(0);
    expect(store.blockers).toEqual(preflight.blockers);
    expect(preflight.classes.some((item) => item.warning !== null)).toBe(true);

    // The default pack is the one version, active and untrained.
    expect(store.models).toHaveLength(1);
    expect(store.active).toMatchObject({ active: true, trained: null, problem: null });
    expect(store.active!.name).toMatch(/^coco80-centernet/);
  });

  it('reads the preflight again as labels change', async () => {
    await labelledProject(6);
    // labels.csv labels every class it names on each photo it lists: flip one of them.
    const [image] = (await studio.api.listImages({})).images;
    const label = image!.labels[0]!;
    const positives = () => {
      const item = store.preflight!.classes.find((entry) => entry.classId === label.classId)!;
      return item.train.positive + item.val.positive;
    };
    const before = positives();

    const flipped = label.state === 'positive' ? 'negative' : 'positive';
    await studio.api.setLabels({ changes: [{ imageId: image!.id, classId: label.classId, state: flipped }] });
    await vi.waitFor(() => expect(positives()).toBe(before + (flipped === 'positive' ? 1 : -1)), patience);
  });

  it('refuses to start a run without enough labels, with the reasons', async () => {
    await labelledProject(6);
    expect(await store.start()).toBe(false);
    expect(store.error).toBe(`Training cannot start: ${store.preflight!.blockers.join('; ')}.`);
    expect(store.error).toMatch(/labelled photos? in train; at least \d+ are needed/);
    expect(store.busy).toBe(false);
    expect(store.job).toBeNull();
    expect((await studio.api.listJobs({})).filter((job) => job.kind === 'train')).toEqual([]);
  });

  it('trains a version, following its epochs live, and compares it with the active version', async () => {
    await labelledProject(40);
    expect(store.preflight!.blockers).toEqual([]);
    const baseline = store.active!;

    // What the store showed while the run went on: its phases and the epochs it had read.
    const seen: { phase: string; epochs: number }[] = [];
    const stop = studio.api.onEvent((event) => {
      if (event.type === 'job' && event.job.kind === 'train' && store.running) {
        seen.push({ phase: event.job.phase, epochs: store.shown?.epochs.length ?? 0 });
      }
    });
    expect(await store.start('never')).toBe(true);
    expect(store.activate).toBe('never');
    expect(store.running).toBe(true);
    expect(store.blockers).toEqual(['a training run is going on']);
    await settled();
    stop();

    expect(store.job).toMatchObject({ kind: 'train', status: 'done', error: null });
    const phases = [...new Set(seen.map((entry) => entry.phase))];
    expect(phases).toEqual(expect.arrayContaining(['features', 'training']));
    // The chart grew while the run went on: the report was read again as epochs came.
    const live = seen.filter((entry) => entry.phase === 'training').map((entry) => entry.epochs);
    expect(Math.max(...live)).toBeGreaterThan(0);
    expect(live).toEqual([...live].sort((a, b) => a - b));

    const report: TrainReport = store.report!;
    expect(store.shown).toBe(report);
    expect(report.status).toBe('done');
    expect(report.backend).toBeTruthy();
    expect(report.featureSeconds).toBeGreaterThan(0);
    expect(report.trainSeconds).toBeGreaterThan(0);
    expect(report.labelsChangedSince).toBe(0);
    expect(report.epochs.length).toBeGreaterThan(0);
    expect(report.epochs.some((epoch) => epoch.trial === 'final')).toBe(true);
    for (const epoch of report.epochs) {
      expect(Number.isFinite(epoch.loss)).toBe(true);
      if (epoch.valMAP !== null) expect(epoch.valMAP).toBeGreaterThanOrEqual(0);
    }
    // Told never to activate: the version is made, the one that was active stays so.
    expect(report.activated).toBe(false);
    const version = report.version!;
    expect(version.trained?.backend).toBe(report.backend);
    expect(report.comparison!.baseline).toBe(baseline.name);
    expect(report.comparison!.perClass.length).toBeGreaterThan(0);
    await vi.waitFor(() => expect(store.models.map((model) => model.id)).toContain(version.id), patience);
    expect(store.active?.id).toBe(baseline.id);
    expect(store.comparison).toMatchObject({ report, version: { id: version.id, active: false } });

    // Keep current: the comparison closes, nothing else changes.
    store.keepCurrent();
    expect(store.comparison).toBeNull();
    expect(store.report).toBe(report);
    expect((await studio.api.listModels({})).find((model) => model.active)?.id).toBe(baseline.id);

    // Activate the new one from the versions list: the switch follows, and once it ends the
    // version is the active one.
    expect(await store.activateVersion(version.id)).toBe(true);
    expect(store.activating).toBeNull();
    expect(store.switch.job?.kind).toBe('switch');
    await vi.waitFor(() => expect(store.switch.job?.status).toBe('done'), patience);
    await vi.waitFor(() => expect(store.active?.id).toBe(version.id), patience);

    // And back to the default pack.
    expect(await store.activateVersion(baseline.id)).toBe(true);
    await vi.waitFor(() => expect(store.active?.id).toBe(baseline.id), patience);
    // A run that stopped is not offered to resume: the next run starts clean.
    expect(store.resumable).toEqual([]);
  }, 300_000);

  it('follows a run another client started, and cancels it at its first epoch: no version is made', async () => {
    await labelledProject(40);
    expect(store.preflight!.blockers).toEqual([]);
    const before = await studio.api.listModels({});

    let asked = false;
    const stop = studio.api.onEvent((event) => {
      if (event.type === 'job' && event.job.kind === 'train' && event.job.phase === 'training' && !asked) {
        asked = true;
        void store.cancel();
      }
    });
    // Another window, or the command line.
    const job = await createClient(studio.transport).startTrain({ activate: 'always' });
    await settled();
    stop();

    expect(asked).toBe(true);
    expect(store.job?.id).toBe(job.id);
    expect(store.job).toMatchObject({ status: 'cancelled', error: null });
    expect(store.cancelling).toBe(false);
    expect(store.report).toMatchObject({ status: 'cancelled', version: null, activated: false });
    expect(store.comparison).toBeNull();
    expect(await studio.api.listModels({})).toEqual(before);
    expect(store.models).toEqual(before);
    expect(store.resumable).toEqual([]);
  }, 300_000);

  it('says why a version that cannot be found cannot be activated', async () => {
    await labelledProject(2);
    expect(await store.activateVersion(999)).toBe(false);
    expect(store.error).toMatch(/no model version 999/);
    expect(store.activating).toBeNull();
  });

  it('forgets the preflight, the versions and the run when the project closes', async () => {
    await labelledProject(2);

    await studio.api.closeProject({});
    expect(store.preflight).toBeNull();
    expect(store.models).toEqual([]);
    expect(store.job).toBeNull();
    expect(store.shown).toBeNull();
  });
});
