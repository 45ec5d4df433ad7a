// The export store against a real studio: real VOC photos with their labels, real files written.
import { describe, expect, it } from 'vitest';
import {
  eachTestStudio,
  jobEnd,
  makePhotoFolder,
  type TestStudio,
} from '../../../../test/fixtures/renderer-studio';
import { ExportStore } from './export.svelte';

let studio: TestStudio;
let store: ExportStore;

eachTestStudio((created) => {
  studio = created;
  store = new ExportStore(studio.api);
});

/** A project over four VOC photos, three of them labelled from labels.csv, one in val. */
async function labelledProject() {
  const photos = await makePhotoFolder(studio.dir, { count: 4, withLabels: true, labelled: 3 });
  await studio.api.createProject({ path: studio.projectPath });
  const job = await studio.api.startImport({ folder: photos.folder, labelsFile: photos.labelsFile! });
  await jobEnd(studio.api, job.id);
  const { images } = await studio.api.listImages({});
  await studio.api.setSplit({ imageIds: [images[0]!.id], split: 'val' });
}

describe('the export store', () => {
  it('lists the formats that can write, the lossless one chosen first, and says it loses nothing', async () => {
    await labelledProject();
    expect(await store.load()).toBe(true);
    expect(store.formats.map((format) => format.id)).toContain('voc');
    expect(store.formats.map((format) => format.id)).not.toContain('coco');
    expect(store.chosen?.id).toBe('jsonl');
    expect(store.preview).toEqual({ rows: 3, losses: [] });
  });

  it('says what a format will lose before writing, for the split chosen, then writes it', async () => {
    await labelledProject();
    await store.load();
    await store.choose({ format: 'one-hot-csv' });
    expect(store.preview).toEqual({
      rows: 3,
      losses: ['this format cannot say splits: the split of 1 photo will be left out'],
    });
    await store.choose({ split: 'val' });
    expect(store.preview?.rows).toBe(1);

    store.out = `${studio.dir}/val.csv`;
    expect(await store.run()).toBe(true);
    expect(store.result).toMatchObject({ format: 'one-hot-csv', rows: 1, path: `${studio.dir}/val.csv` });
    const { labelFiles } = await studio.api.listFolder({ path: studio.dir });
    expect(labelFiles.map((file) => file.name)).toContain('val.csv');
  });

  it('asks for the place to write, and says why it cannot write there', async () => {
    await labelledProject();
    await store.load();
    expect(await store.run()).toBe(false);
    expect(store.error).toBe('Enter the file to export to.');
    store.out = studio.projectPath;
    expect(await store.run()).toBe(false);
    expect(store.error).toMatch(/is the project's own file; choose another output path$/);
    expect(store.result).toBeNull();
  });
});
