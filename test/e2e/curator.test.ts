// End to end in Debian's Chromium: curating what the model pre-labelled. Twelve real VOC photos in a
// project with the twenty VOC classes, the first six labelled by labels.csv (VOC's truth) and all
// twelve pre-labelled by the app after the import. The grid sorts by confidence and confirms the
// most confident photos in one undoable action, saying first what it will set; review mode walks a
// queue (picked by its counter in the top bar) with the keyboard, on the photo with the item's class
// overlaid.
// Everything the UI does is checked through the API.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { ClassInfo } from '$shared/contract';
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
  await api.startImport({ folder: photos.folder, labelsFile: photos.labelsFile! });
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

describe('review mode', () => {
  const stage = () => page.locator('.photo-stage');
  const reviewBar = () => page.getByRole('region', { name: 'Review' });
  const committed = async () => Number(await stage().getAttribute('data-label-committed'));

  /** The label of a (photo, class) pair in the database, as `state:source`, or null. */
  async function labelOf(pair: { imageId: number; classId: number | null }): Promise<string | null> {
    const image = await api.getImage({ imageId: pair.imageId });
    const label = image.labels.find((candidate) => candidate.classId === pair.classId);
    return label ? `${label.state}:${label.source}` : null;
  }

  /** Waits until the workspace shows the item's photo with the item's class overlaid. */
  async function showing(item: { imageId: number; classId: number | null }): Promise<void> {
    await expect.poll(() => stage().getAttribute('data-image-id'), slow).toBe(String(item.imageId));
    await expect.poll(() => stage().getAttribute('data-overlay-class'), slow).toBe(String(item.classId));
  }

  /** Presses a label key and waits until its request is answered. */
  async function pressLabel(key: string): Promise<void> {
    const before = await committed();
    await page.keyboard.press(key);
    await expect.poll(committed, slow).toBe(before + 1);
  }

  it('picks a queue by its counter, and decides its items with C, F and → on the photo with the class overlaid', async () => {
    // Two labels a person set against the model's surest class: disputed.
    const { images } = await api.listImages({ filter: { unlabelled: true } });
    const planted = images
      .map((image) => image.predictions.reduce((best, p) => (p.probability > best.probability ? p : best)))
      .map((best, at) => ({ imageId: images[at]!.id, classId: best.classId, probability: best.probability }))
      .filter((pair) => pair.probability >= 0.9)
      .slice(0, 2);
    expect(planted).toHaveLength(2);
    await api.setLabels({
      changes: planted.map(({ imageId, classId }) => ({ imageId, classId, state: 'negative' as const })),
    });

    const counts = await api.reviewCounts({});
    const menu = page.locator('summary', { hasText: 'Review' });
    await expect
      .poll(() => menu.textContent(), slow)
      .toMatch(
        new RegExp(
          `Disputed\\s*${counts.disputed}\\s*·\\s*Uncertain\\s*${counts.uncertain}\\s*·\\s*Next\\s*${counts.next}`,
        ),
      );
    await menu.click();
    await page.screenshot({ path: join(screenshots, 'curator-review-menu.png') });
    await page.getByRole('menuitem', { name: /Disputed/ }).click();

    const queue = await api.listReviewQueue({ queue: 'disputed' });
    const [first, second, third] = queue.items;
    await showing(first!);
    await expect.poll(() => reviewBar().textContent(), slow).toMatch(`1 of ${queue.total}`);
    const bar = (await reviewBar().textContent())!;
    expect(bar).toContain(`given ${first!.given} (${first!.source})`);
    expect(bar).toContain(
      `model ${first!.probability.toFixed(2)} · threshold ${first!.threshold.toFixed(2)}`,
    );
    await page.screenshot({ path: join(screenshots, 'curator-review-item.png') });

    // F flips the label given, as a person's; the next item shows with its class.
    const flipped = first!.given === 'positive' ? 'negative' : 'positive';
    await pressLabel('f');
    expect(await labelOf(first!)).toBe(`${flipped}:human`);
    await showing(second!);
    // Ctrl+Z takes it back, and the item comes back on show.
    await pressLabel('Control+z');
    expect(await labelOf(first!)).toBe(`${first!.given}:${first!.source}`);
    await showing(first!);
    await expect.poll(() => reviewBar().textContent(), slow).toMatch(`1 of ${queue.total}`);

    // C keeps it, now a person's; → skips the next one, leaving it as it is.
    await pressLabel('c');
    expect(await labelOf(first!)).toBe(`${first!.given}:human`);
    await showing(second!);
    const before = await labelOf(second!);
    await page.keyboard.press('ArrowRight');
    if (third) await showing(third);
    expect(await labelOf(second!)).toBe(before);

    // The sheet lists the review's keys.
    await page.keyboard.press('?');
    const review = page.locator('.help section', { has: page.getByRole('heading', { name: 'Review' }) });
    await expect.poll(() => review.locator('kbd').allTextContents(), slow).toEqual(['C', 'F']);
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Stop review' }).click();
    await expect.poll(() => reviewBar().count(), slow).toBe(0);
    await page.keyboard.press('Escape');
  });

  it('walks the next queue’s photos in the workspace’s usual flow, its counter following each Enter', async () => {
    const next = await api.listReviewQueue({ queue: 'next' });
    expect(next.total).toBeGreaterThan(1);
    await page.locator('summary', { hasText: 'Review' }).click();
    await page.getByRole('menuitem', { name: /Next/ }).click();
    await expect.poll(() => stage().getAttribute('data-image-id'), slow).toBe(String(next.items[0]!.imageId));
    await expect.poll(() => reviewBar().textContent(), slow).toMatch(`${next.total} photos to label`);
    await page.screenshot({ path: join(screenshots, 'curator-review-next.png') });

    // Enter confirms the photo as shown and moves on: one photo fewer to label.
    await pressLabel('Enter');
    expect(await labelCount([next.items[0]!.imageId])).toBe(classes.length);
    await expect.poll(() => stage().getAttribute('data-image-id'), slow).toBe(String(next.items[1]!.imageId));
    await expect.poll(() => reviewBar().textContent(), slow).toMatch(`${next.total - 1} photo`);
    await pressLabel('Control+z');
    await page.keyboard.press('Escape');
    await expect.poll(() => reviewBar().count(), slow).toBe(0);
  });
});

describe('the app', () => {
  it('logged no console error and no Content Security Policy violation on the way', async () => {
    expect(await problems()).toEqual({ consoleErrors: [], cspViolations: [] });
  });
});
