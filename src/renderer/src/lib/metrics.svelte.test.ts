// The metrics store against a real studio: real VOC photos with their labels, pre-labelled by the
// default pack, measured by the studio's evaluate.
import { describe, expect, it, vi } from 'vitest';
import {
  eachTestStudio,
  jobEnd,
  makePhotoFolder,
  type TestStudio,
} from '../../../../test/fixtures/renderer-studio';
import { MetricsStore } from './metrics.svelte';

const patience = { timeout: 60_000, interval: 20 };

let studio: TestStudio;
let store: MetricsStore;

eachTestStudio((created) => {
  studio = created;
  store = new MetricsStore(studio.api);
  return () => store.dispose();
});

/** A project of six labelled VOC photos, not pre-labelled yet. */
async function labelledProject() {
  await studio.api.createProject({ path: studio.projectPath });
  const photos = await makePhotoFolder(studio.dir, { count: 6, withLabels: true });
  const job = await studio.api.startImport({ folder: photos.folder, labelsFile: photos.labelsFile! });
  expect((await jobEnd(studio.api, job.id)).status).toBe('done');
}

describe('the metrics store', () => {
  it('measures the active version once shown, and again by itself when a pre-label run ends', async () => {
    await labelledProject();
    await store.show();
    expect(store.version).toMatchObject({ active: true, name: 'coco80-centernet' });
    expect(store.primary.report).toBeNull();
    expect(store.primary.error).toMatch(/no photo of split "all" has been pre-labelled/);

    const run = await studio.api.startPrelabel({});
    expect((await jobEnd(studio.api, run.id)).status).toBe('done');
    await vi.waitFor(() => expect(store.primary.report).not.toBeNull(), patience);
    expect(store.primary).toEqual({
      modelId: store.version!.id,
      report: await studio.api.evaluate({ split: 'all' }),
      error: null,
    });
    // The curve is the first class's with positives until another is chosen.
    const { perClass } = store.primary.report!;
    expect(store.curveClass).toEqual(perClass.find((entry) => entry.ap !== null));
    store.setClass(perClass.at(-1)!.classId);
    expect(store.curveClass).toEqual(perClass.at(-1));
  });

  it('puts a second version beside the first, follows label changes while shown, and those made while hidden once shown again', async () => {
    await labelledProject();
    const run = await studio.api.startPrelabel({});
    expect((await jobEnd(studio.api, run.id)).status).toBe('done');
    await store.show();
    const [pack] = store.models;

    await store.setCompare(pack!.id);
    expect(store.compared).toEqual({ modelId: pack!.id, report: store.primary.report, error: null });
    // A split the version has not measured anything on says why on its side.
    await store.setSplit('test');
    expect(store.primary).toMatchObject({ report: null, error: expect.stringMatching(/split "test"/) });
    expect(store.compared).toMatchObject({ report: null, error: expect.stringMatching(/split "test"/) });
    await store.setSplit('all');
    await store.setCompare(null);
    expect(store.compared).toBeNull();

    // A positive label turned negative moves the class's figures: measured again once labels pause.
    const { images } = await studio.api.listImages({});
    const label = images.flatMap((image) =>
      image.labels
        .filter((l) => l.state === 'positive')
        .map((l) => ({ imageId: image.id, classId: l.classId })),
    )[0]!;
    const before = store.primary.report!.perClass.find((entry) => entry.classId === label.classId)!;
    await studio.api.setLabels({ changes: [{ ...label, state: 'negative' }] });
    await vi.waitFor(() => {
      const after = store.primary.report!.perClass.find((entry) => entry.classId === label.classId)!;
      expect(after.positives).toBe(before.positives - 1);
    }, patience);

    // Hidden, it waits; shown again, it measures what changed meanwhile.
    store.hide();
    await studio.api.setLabels({ changes: [{ ...label, state: 'positive' }] });
    await store.show();
    expect(store.primary.report!.perClass.find((entry) => entry.classId === label.classId)).toEqual(before);
  });
});
