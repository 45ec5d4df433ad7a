// The preview of a confirmation against real VOC photos and real pre-labels: its figures are what
// confirmPhotos then sets, and asking for it changes nothing.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importAndWait, jobEnd, newStudio } from '../../../test/fixtures/direct-api';
import { copyVocPhotoFiles, vocPhotoNames } from '../../../test/fixtures/workspace';

describe('previewing a confirmation', () => {
  it('counts the pre-labels it accepts, the negatives and the photos not predicted, and changes nothing', async () => {
    const { api, dir } = await newStudio();
    const folder = join(dir, 'photos');
    const names = await vocPhotoNames(6);
    await copyVocPhotoFiles(folder, names.slice(0, 4));
    await importAndWait(api, folder);
    for (const name of ['person', 'dog', 'cat', 'chair', 'car', 'horse']) await api.createClass({ name });
    await jobEnd(api, (await api.startPrelabel({ provider: 'cpu' })).id);
    // Two more photos, imported after the pre-labeling: the model has not seen them.
    await copyVocPhotoFiles(folder, names.slice(4));
    await importAndWait(api, folder);
    const classes = await api.listClasses({});
    const before = (await api.listImages({})).images;
    const ids = before.map((image) => image.id);
    // A label a person set stays: neither accepted nor made negative.
    const [first] = before;
    await api.setLabels({ changes: [{ imageId: first!.id, classId: classes[0]!.id, state: 'positive' }] });
    const labelled = (await api.listImages({})).images;

    const preview = await api.previewConfirm({ imageIds: ids });
    const preLabels = labelled.flatMap((image) =>
      image.predictions.filter(
        (p) => p.probability >= 0.5 && !image.labels.some((label) => label.classId === p.classId),
      ),
    );
    expect(preLabels.length).toBeGreaterThan(0);
    expect(preview).toEqual({
      photos: 6,
      labels: 6 * classes.length - 1,
      accepted: preLabels.length,
      negatives: 6 * classes.length - 1 - preLabels.length,
      unpredicted: 2,
    });
    expect((await api.listImages({})).images).toEqual(labelled);

    const confirmed = await api.confirmPhotos({ imageIds: ids });
    expect(confirmed.changed).toBe(preview.labels);
    const after = (await api.listImages({})).images.flatMap((image) => image.labels);
    expect(after.filter((label) => label.source === 'accepted')).toHaveLength(preview.accepted);
    // Nothing is left to confirm.
    expect(await api.previewConfirm({ imageIds: ids })).toMatchObject({
      labels: 0,
      accepted: 0,
      negatives: 0,
    });
  });

  it('refuses photos of no project', async () => {
    const { api } = await newStudio();
    await expect(api.previewConfirm({ imageIds: [999] })).rejects.toThrow(/no photo 999/);
  });
});
