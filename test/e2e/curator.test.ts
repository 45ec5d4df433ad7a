// End to end in Debian's Chromium: curating what the model pre-labelled. Twelve real VOC photos in a
// project with the twenty VOC classes, the first six labelled by labels.csv (VOC's truth) and all
// twelve pre-labelled by the app after the import. The grid sorts by confidence and confirms the
// most confident photos in one undoable action, saying first what it will set.
// Everything the UI does is checked through the API.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { ClassInfo } from '../../src/shared/contract';
import { screenshots, slow, startE2eApp } from '../fixtures/e2e';
import { makePhotoFolder } from '../fixtures/renderer-studio';

const photoCount = 12;
const labelledCount = 6;

const { dir, api, host, page, problems } = await startE2eApp('curator');
let classes: ClassInfo[];

beforeAll(async () => {
  await page.goto(host.openUrl);
  await api.createProject({ path: join(dir, 'curator.sqlite') });
  await page.getByRole('heading', { level: 1, name: 'curator' }).waitFor(slow);
  const photos = await makePhotoFolder(dir, { count: photoCount, withLabels: true, labelled: labelledCount });
  // The app pre-labels what an import adds by itself: wait for that run to finish.
  await api.startImport({ folder: photos.folder, labelsCsv: photos.labelsCsv! });
  await vi.waitFor(
    async () => {
      const jobs = await api.listJobs({});
      expect(
        jobs.some((job) => job.kind === 'prelabel' && job.status === 'done' && job.done === photoCount),
      ).toBe(true);
    },
    { timeout: 120_000, interval: 200 },
  );
  classes = await api.listClasses({});
  await mkdir(screenshots, { recursive: true });
}, 180_000);

const filters = () => page.getByRole('form', { name: 'Filters' });
const selectionBar = () => page.getByRole('toolbar', { name: 'Selection' });
const sorted = (ids: number[]) => [...ids].sort((a, b) => a - b);

/** Ids of the photos whose tiles show as selected. */
async function selectedIds(): Promise<number[]> {
  const ids: string[] = await page.evaluate(
    `[...document.querySelectorAll('.grid .tile[aria-selected="true"]')].map((tile) => tile.dataset.imageId)`,
  );
  return sorted(ids.map(Number));
}

async function labelCount(imageIds: number[]): Promise<number> {
  const { images } = await api.listImages({ limit: 500 });
  return images.filter((image) => imageIds.includes(image.id)).flatMap((image) => image.labels).length;
}

describe('bulk confirm by confidence', () => {
  it('selects the most confident photos, says what confirming them sets, and confirms them as one undoable action', async () => {
    await filters().getByLabel('Sort by').selectOption('confidence');
    await filters().getByLabel('Unlabelled').check();
    const bar = selectionBar();
    await bar.getByLabel('Most confident').fill('4');
    await bar.getByRole('button', { name: 'Select', exact: true }).click();
    await expect
      .poll(() => bar.textContent(), slow)
      .toMatch(`4 of ${photoCount - labelledCount} photos selected`);
    const { ids: order } = await api.listImageIds({ filter: { unlabelled: true }, sort: 'confidence' });
    const chosen = order.slice(0, 4);
    expect(await selectedIds()).toEqual(sorted(chosen));

    // Unlabelled photos: every class is set, the pre-labels as accepted and the rest negative.
    const preview = await api.previewConfirm({ imageIds: chosen });
    expect(preview.labels).toBe(4 * classes.length);
    expect(preview.accepted).toBeGreaterThan(0);
    await expect
      .poll(() => bar.locator('.preview').textContent(), slow)
      .toMatch(
        `sets ${preview.labels} labels (${preview.accepted} pre-label${preview.accepted === 1 ? '' : 's'} accepted, ${preview.negatives} negatives)`,
      );
    expect(await labelCount(chosen)).toBe(0);
    await page.screenshot({ path: join(screenshots, 'curator-confirm-preview.png') });

    await bar.getByRole('button', { name: 'Confirm 4 photos' }).click();
    await expect
      .poll(() => bar.getByRole('status').textContent(), slow)
      .toMatch(`Confirmed 4 photos (${preview.labels} labels set)`);
    expect(await labelCount(chosen)).toBe(preview.labels);
    const { images } = await api.listImages({ limit: 500 });
    const accepted = images
      .filter((image) => chosen.includes(image.id))
      .flatMap((image) => image.labels)
      .filter((label) => label.source === 'accepted');
    expect(accepted).toHaveLength(preview.accepted);
    await page.screenshot({ path: join(screenshots, 'curator-confirm-done.png') });

    // One Undo takes the whole confirmation back.
    await bar.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => labelCount(chosen), slow).toBe(0);
    await filters().getByLabel('Unlabelled').uncheck();
    await filters().getByLabel('Sort by').selectOption('name');
  });
});

describe('the app', () => {
  it('logged no console error and no Content Security Policy violation on the way', async () => {
    expect(await problems()).toEqual({ consoleErrors: [], cspViolations: [] });
  });
});
