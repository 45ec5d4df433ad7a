// End to end in Debian's Chromium: the Export panel on a project with real VOC photos, some
// labelled: the format list, the loss said before writing, and the file written.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { screenshots, slow, startE2eApp } from '../fixtures/e2e';
import { jobEnd, makePhotoFolder } from '../fixtures/renderer-studio';

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
    expect(await problems()).toEqual({ consoleErrors: [], cspViolations: [] });
  });
});
