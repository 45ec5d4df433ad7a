// End to end in Debian's Chromium: the Export panel on a project with real VOC photos, some
// labelled: the format list, the loss said before writing, and the file written; and the import
// panel taking labels in another format, a VOC folder with its choice for difficult objects.
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { screenshots, slow, startE2eApp } from '../fixtures/e2e';
import { exchangeSamples } from '../fixtures/paths';
import { jobEnd, makePhotoFolder } from '../fixtures/renderer-studio';
import { copyVocPhotoFiles } from '../fixtures/workspace';

const { dir, api, host, page, problems } = await startE2eApp('export');

describe('the Export panel', () => {
  it('lists the formats, says what the chosen one loses before writing, and writes it', async () => {
    const photos = await makePhotoFolder(dir, { count: 4, withLabels: true, labelled: 3 });
    await api.createProject({ path: join(dir, 'export.sqlite') });
    await jobEnd(api, (await api.startImport({ folder: photos.folder, labelsFile: photos.labelsFile! })).id);
    const [first] = (await api.listImages({})).images;
    await api.setSplit({ imageIds: [first!.id], split: 'val' });
    await page.goto(host.openUrl);

    const format = page.getByLabel('Format', { exact: true });
    await format.waitFor(slow);
    const notice = page.getByRole('status', { name: 'What this export writes' });
    const said = () => notice.locator('p').allInnerTexts();
    await expect.poll(said).toEqual(['3 photos to write.']);
    await format.selectOption('one-hot-csv');
    await expect
      .poll(said)
      .toEqual([
        '3 photos to write.',
        'this format cannot say splits: the split of 1 photo will be left out',
      ]);
    await page.getByLabel('File to write').fill(join(dir, 'labels.csv'));
    await page.screenshot({ path: join(screenshots, 'export-panel.png') });
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    await page.getByText(`Wrote 3 photos as one-hot-csv to ${join(dir, 'labels.csv')}.`).waitFor(slow);
    expect((await readFile(join(dir, 'labels.csv'), 'utf8')).trim().split('\n')).toHaveLength(4);

    // Refused, with the reason: a file that is there, and the photos' own folder for a dataset.
    const refusal = page.getByRole('region', { name: 'Export labels' }).getByRole('alert');
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    await expect
      .poll(() => refusal.innerText())
      .toBe(
        `${join(dir, 'labels.csv')} already exists; an export writes only new files: choose another name`,
      );
    await format.selectOption('imagefolder');
    await page.getByLabel('Folder to write').fill(photos.folder);
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    await expect
      .poll(() => refusal.innerText())
      .toBe(`${photos.folder} is a folder of the project's photos; export elsewhere`);
    expect(await problems()).toEqual({ consoleErrors: [], cspViolations: [] });
  });
});

describe('the import panel', () => {
  it('reads a VOC folder, counting classes with only difficult objects as present when asked', async () => {
    const folder = join(dir, 'voc-photos');
    // In the official person_trainval.txt: 000005 absent, 000009 present, 000131 difficult only.
    await copyVocPhotoFiles(folder, ['000005.jpg', '000009.jpg', '000131.jpg']);
    const voc = join(dir, 'VOC2007');
    await mkdir(join(voc, 'ImageSets', 'Main'), { recursive: true });
    await copyFile(
      join(exchangeSamples, 'voc', 'voc2007_person_trainval.txt'),
      join(voc, 'ImageSets', 'Main', 'person_trainval.txt'),
    );
    await api.createProject({ path: join(dir, 'voc.sqlite') });
    await page.goto(host.openUrl);

    await page.getByLabel('Folder', { exact: true }).fill(folder);
    const difficult = page.getByLabel(/Count VOC objects marked difficult as present/);
    await page.getByLabel(/^Labels file/).fill(join(dir, 'labels.csv'));
    expect(await difficult.count()).toBe(0);
    await page.getByLabel(/^Labels file/).fill(voc);
    await difficult.check();
    await page.screenshot({ path: join(screenshots, 'import-panel-voc.png') });
    await page.getByRole('button', { name: 'Start import' }).click();
    await page.getByRole('heading', { name: 'Import finished' }).waitFor(slow);
    await page.getByText(/Read as voc/).waitFor();
    await page.getByText('5,008 records of the file matched no imported photo; the first 20:').waitFor();
    const { images } = await api.listImages({ sort: 'name' });
    expect(images.map((image) => `${image.name} ${image.labels[0]?.state}`)).toEqual([
      '000005.jpg negative',
      '000009.jpg positive',
      '000131.jpg positive',
    ]);
    expect(await problems()).toEqual({ consoleErrors: [], cspViolations: [] });
  });
});
