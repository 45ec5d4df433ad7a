// Every registered format, out and back: real VOC photos with their labels (plus a person's label,
// an unknown and splits) exported by the API, imported into a fresh project over the same photos,
// and compared. What comes back is the same label for label, but for exactly the losses the format
// declared and the export announced.
import { copyFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Api } from '$shared/rpc';
import { importAndWait, newStudio } from '../../../test/fixtures/direct-api';
import { vocImages, vocLabels } from '../../../test/fixtures/paths';
import { copyVocPhotos, tempDir } from '../../../test/fixtures/workspace';
import { exchangeFormats } from './formats';
import type { Loss } from './records';

type Labels = Record<string, { split: string; labels: Record<string, string> }>;

/** Every photo's split and labels, as `class: state/source`, by file name. */
async function labelsOf(api: Api): Promise<Labels> {
  const names = new Map((await api.listClasses({})).map((c) => [c.id, c.name]));
  const images = [];
  for (let offset = 0; ; offset += 500) {
    const page = await api.listImages({ offset, limit: 500 });
    images.push(...page.images);
    if (images.length >= page.total) break;
  }
  return Object.fromEntries(
    images.map((image) => [
      image.name,
      {
        split: image.split,
        labels: Object.fromEntries(
          image.labels.map((label) => [names.get(label.classId)!, `${label.state}/${label.source}`]),
        ),
      },
    ]),
  );
}

/** What a format that loses `loses` should bring back of `sent`, over the classes of the file. */
function expectedBack(sent: Labels, classes: string[], loses: readonly Loss[]): Labels {
  return Object.fromEntries(
    Object.entries(sent).map(([name, photo]) => {
      const labelled = Object.keys(photo.labels).length > 0 || photo.split !== 'none';
      const labels: Record<string, string> = {};
      for (const cls of labelled ? classes : []) {
        let [state, source] = (photo.labels[cls] ?? 'unknown/').split('/');
        if (state === 'unknown' && loses.includes('unknown')) state = 'negative';
        if (state === 'negative' && loses.includes('negatives')) state = 'unknown';
        if (loses.includes('sources')) source = 'imported';
        if (state !== 'unknown') labels[cls] = `${state}/${source}`;
      }
      return [name, { split: loses.includes('splits') ? 'none' : photo.split, labels }];
    }),
  );
}

/** A project over 24 VOC photos with their labels, a person's label, an unknown and splits. */
async function sourceProject() {
  const { api, dir } = await newStudio();
  const folder = join(dir, 'photos');
  const { labelsFile } = await copyVocPhotos(folder, 24);
  await importAndWait(api, folder, labelsFile);
  const classes = new Map((await api.listClasses({})).map((c) => [c.name, c.id]));
  const { images } = await api.listImages({ limit: 500 });
  const [first, second, third, fourth] = images.map((image) => image.id) as [number, number, number, number];
  await api.setLabels({
    changes: [
      { imageId: first, classId: classes.get('dog')!, state: null },
      { imageId: second, classId: classes.get('cat')!, state: 'positive' },
      { imageId: third, classId: classes.get('person')!, state: 'negative' },
    ],
  });
  await api.setSplit({ imageIds: [first, second], split: 'val' });
  await api.setSplit({ imageIds: [third], split: 'test' });
  await api.setSplit({ imageIds: [fourth], split: 'train' });
  return { api, folder, sent: await labelsOf(api), classes: [...classes.keys()] };
}

describe('every format, out and back over the same photos', () => {
  const both = exchangeFormats.filter((format) => format.read && format.write);

  it('lists the formats that go both ways', () => {
    expect(both.map((format) => format.id)).toEqual(
      expect.arrayContaining(['jsonl', 'labels-csv', 'one-hot-csv', 'label-studio', 'cvat', 'voc']),
    );
  });

  for (const format of both) {
    it(`${format.id}: identical labels but for what it declares it loses (${format.loses.join(', ') || 'nothing'})`, async () => {
      const { api, folder, sent, classes } = await sourceProject();
      const out = join(await tempDir(), format.layout === 'file' ? 'labels.out' : 'dataset');
      const preview = await api.previewExport({ format: format.id });
      const written = await api.exportLabels({ format: format.id, out });
      expect(written).toMatchObject({ format: format.id, rows: 24, losses: preview.losses });

      const fresh = await newStudio();
      const { report } = await importAndWait(fresh.api, folder, out);
      expect(report.labels).toMatchObject({ format: format.id, unmatched: 0, photosLabelled: 24 });
      expect(await labelsOf(fresh.api)).toEqual(expectedBack(sent, classes, format.loses));
    });
  }

  it('says each loss before writing, with its count', async () => {
    const { api } = await sourceProject();
    expect((await api.previewExport({ format: 'jsonl' })).losses).toEqual([]);
    expect((await api.previewExport({ format: 'one-hot-csv' })).losses).toEqual([
      'this format cannot say unknown: 1 unknown label will be written as negative',
      'this format cannot say who labelled: 2 labels set or accepted by a person will read back as imported',
      'this format cannot say splits: the split of 4 photos will be left out',
    ]);
  });

  it('writes the export-only layouts with their photos beside the labels', async () => {
    const { api } = await sourceProject();
    for (const format of exchangeFormats.filter((f) => !f.read)) {
      const out = join(await tempDir(), format.id);
      expect(await api.exportLabels({ format: format.id, out })).toMatchObject({ rows: 24 });
      const files = await readdir(out, { recursive: true });
      expect(
        files.filter((file) => file.endsWith('.jpg')),
        format.id,
      ).toHaveLength(24);
    }
  });

  it('takes the 765 VOC photos’ labels out to each format and back, changed only by the declared losses', async () => {
    const { api, dir } = await newStudio();
    await importAndWait(api, vocImages, vocLabels);
    const sent = await labelsOf(api);
    const classes = (await api.listClasses({})).map((c) => c.name);
    const files = new Map<string, string>();
    for (const format of both) {
      const out = join(dir, `out-${format.id}`);
      expect(await api.exportLabels({ format: format.id, out }), format.id).toMatchObject({ rows: 765 });
      files.set(format.id, out);
    }
    // One project over the photos without labels, copied fresh for each format: the photos are
    // read once.
    const bare = join(dir, 'bare.sqlite');
    await api.createProject({ path: bare });
    await importAndWait(api, vocImages);
    await api.closeProject({});
    for (const format of both) {
      const copy = join(dir, `back-${format.id}.sqlite`);
      await copyFile(bare, copy);
      await api.openProject({ path: copy });
      const { report } = await importAndWait(api, vocImages, files.get(format.id));
      expect(report.labels, format.id).toMatchObject({
        format: format.id,
        photosLabelled: 765,
        unmatched: 0,
      });
      expect(await labelsOf(api), format.id).toEqual(expectedBack(sent, classes, format.loses));
      await api.closeProject({});
    }
  }, 120_000);
});
