// End to end in Debian's Chromium: pre-labeling as a person meets it. Photos imported with labels for
// some of them are pre-labelled without asking; the grid shows the model's pre-labels on the photos
// nobody labelled, and the viewer draws where the model sees each class over the photo.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ClassInfo, ClassMaps, ImageSummary } from '$shared/contract';
import {
  chipNameInPage,
  hexToRgb,
  loadAllThumbnails,
  reportFigure,
  screenshots,
  slow,
  startE2eApp,
} from '../fixtures/e2e';
import { makePhotoFolder, type PhotoFolder } from '../fixtures/renderer-studio';

/** Ten photos, labels.csv naming the first five: the other five are left to the model. */
const photoCount = 10;
const labelledCount = 5;

const { dir, api, host, page, problems } = await startE2eApp('prelabel');
let photos: PhotoFolder;

beforeAll(async () => {
  photos = await makePhotoFolder(dir, { count: photoCount, withLabels: true, labelled: labelledCount });
  // Every state the pre-label progress block showed (a run of ten photos is over in a few seconds:
  // polling could miss it).
  await page.addInitScript({
    content: `window.__prelabelProgress = [];
      new MutationObserver(() => {
        const bar = document.querySelector('progress[aria-label="Pre-label progress"]');
        const text = bar && bar.parentElement.textContent.replace(/\\s+/g, ' ').trim();
        if (text && window.__prelabelProgress.at(-1) !== text) window.__prelabelProgress.push(text);
      }).observe(document, { childList: true, subtree: true, characterData: true });`,
  });
});

describe('pre-labeling in the app', () => {
  it('pre-labels imported photos without being asked, on the CPU, and reports the run', async () => {
    await page.goto(host.openUrl);
    await page.getByLabel('Project file').fill(join(dir, 'prelabel.sqlite'));
    await page.getByRole('button', { name: 'Create new' }).click();
    await page.getByRole('heading', { level: 1, name: 'prelabel' }).waitFor();

    const panel = page.getByRole('region', { name: 'Pre-labels', exact: true });
    await expect.poll(() => panel.locator('.model-name').textContent(), slow).toBe('coco80-centernet');
    expect(await panel.locator('.runs-on').textContent()).toBe('not run yet');
    expect(await panel.getByLabel('Execution provider').inputValue()).toBe('auto');

    await page.getByLabel('Folder').fill(photos.folder);
    await page.getByLabel(/^Labels file/).fill(photos.labelsFile!);
    await page.getByRole('button', { name: 'Start import' }).click();
    await page.getByRole('heading', { name: 'Import finished' }).waitFor(slow);
    await panel.getByRole('heading', { name: 'Pre-labeling finished' }).waitFor(slow);

    const progress: string[] = await page.evaluate('window.__prelabelProgress');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.some((text) => /(Loading the model|Pre-labeling photos)…/.test(text))).toBe(true);
    expect(progress.every((text) => /\d+ \/ \d+/.test(text) && /Cancel/.test(text))).toBe(true);

    expect(await reportFigure(panel, 'Predicted')).toBe(String(photoCount));
    expect(await reportFigure(panel, 'Photos/s')).toMatch(/^\d+(\.\d)?$/);
    expect(await reportFigure(panel, 'Not read')).toBe('0');
    // No GPU here: "auto" runs the model on the CPU, and the panel says so.
    await expect.poll(() => panel.locator('.runs-on').textContent(), slow).toBe('CPU');
    expect(await panel.locator('.title-row .provider').textContent()).toBe('CPU');
    expect(await panel.locator('.report-head').textContent()).toMatch(/on CPU/);
    await expect
      .poll(
        () =>
          panel
            .getByRole('definition')
            .filter({ hasText: /of \d+ photos?$/ })
            .textContent(),
        slow,
      )
      .toBe(`${photoCount} of ${photoCount} photos`);
    expect(await panel.getByRole('progressbar').count()).toBe(0);
  });

  it('shows pre-labels as outlined chips on the photos nobody labelled, labels as solid ones', async () => {
    const classes = await api.listClasses({});
    const images = (await api.listImages({})).images;
    // Every class at the default threshold: a pre-label shows from a probability of 0.5.
    expect(classes.map((item) => item.threshold)).toEqual(classes.map(() => 0.5));
    const tiles = page.locator('.grid .tile');
    await expect.poll(() => tiles.count(), slow).toBe(photoCount);
    // The grid reloads as pre-labeling goes on: wait for the last of it.
    await expect
      .poll(() => page.locator('.grid .chip.outline').count(), slow)
      .toBe(images.reduce((sum, image) => sum + expectedPreLabels(image, classes).length, 0));

    await loadAllThumbnails(page);

    const shown: {
      name: string;
      solid: { text: string; background: string }[];
      outlined: { text: string; border: string; background: string }[];
    }[] = await page.evaluate(
      `[...document.querySelectorAll('.grid .tile')].map((tile) => ({
        name: tile.querySelector('.name').textContent.trim(),
        solid: [...tile.querySelectorAll('.chip:not(.outline)')].map((chip) => ({
          text: (${chipNameInPage})(chip),
          background: getComputedStyle(chip).backgroundColor,
        })),
        outlined: [...tile.querySelectorAll('.chip.outline:not(.disputed)')].map((chip) => ({
          text: chip.textContent.trim(),
          border: getComputedStyle(chip).borderTopColor,
          background: getComputedStyle(chip).backgroundColor,
        })),
      }))`,
    );
    expect(shown.map((tile) => tile.name)).toEqual(photos.photos);
    const colorOf = new Map(classes.map((item) => [item.name, hexToRgb(item.color)]));
    let outlinedCount = 0;
    for (const tile of shown) {
      const image = images.find((candidate) => candidate.name === tile.name)!;
      const labelled = photos.photos.indexOf(tile.name) < labelledCount;
      // Labels stay solid chips in their class color: labels.csv's, on the photos it names.
      expect(tile.solid.map((chip) => chip.text).sort(), tile.name).toEqual(
        labelled ? [...photos.labels[tile.name]!].sort() : [],
      );
      for (const chip of tile.solid) expect(chip.background).toBe(colorOf.get(chip.text));
      // labels.csv labels a photo it names for every class it names: pre-labels only on the others.
      const expected = expectedPreLabels(image, classes).map(
        ({ item, probability }) => `${item.name} ${probability.toFixed(2)}`,
      );
      expect(
        tile.outlined.map((chip) => chip.text),
        tile.name,
      ).toEqual(expected);
      if (labelled) expect(tile.outlined).toEqual([]);
      for (const chip of tile.outlined) {
        const name = chip.text.split(' ')[0]!;
        expect(chip.border, chip.text).toBe(colorOf.get(name));
        expect(chip.background, chip.text).not.toBe(colorOf.get(name));
      }
      outlinedCount += tile.outlined.length;
    }
    expect(outlinedCount).toBeGreaterThan(0);

    await page.evaluate('window.scrollTo(0, 0)');
    await mkdir(screenshots, { recursive: true });
    await page.screenshot({ path: join(screenshots, 'prelabel-grid.png'), fullPage: true });
  });

  it("opens a pre-labelled photo in the workspace on a double-click, its strongest class's map on the stage", async () => {
    const images = (await api.listImages({})).images;
    // A photo nobody labelled, with class maps (the workspace's own tests check the overlay itself).
    let chosen: { image: ImageSummary; maps: ClassMaps } | undefined;
    for (const image of images.slice(labelledCount)) {
      const maps = await api.getClassMaps({ imageId: image.id });
      if (maps.maps.length > 0) {
        chosen = { image, maps };
        break;
      }
    }
    const { image, maps } = chosen!;

    await page.locator('.grid .tile', { hasText: image.name }).dblclick();
    const workspace = page.getByRole('dialog');
    await workspace.waitFor();
    await expect.poll(() => workspace.locator('#workspace-title').textContent(), slow).toBe(image.name);
    const stage = workspace.locator('.photo-stage');
    await expect.poll(() => stage.getAttribute('data-image-id'), slow).toBe(String(image.id));
    await expect
      .poll(() => stage.getAttribute('data-overlay-class'), slow)
      .toBe(String(maps.maps[0]!.classId));
    await page.screenshot({ path: join(screenshots, 'class-map-overlay.png') });

    await page.keyboard.press('Escape');
    await workspace.waitFor({ state: 'hidden' });
  });

  it('logged no console error and no Content Security Policy violation on the way', async () => {
    expect(await problems()).toEqual({ consoleErrors: [], cspViolations: [] });
  });
});

/** What a tile should show as pre-labels: unlabelled classes at their threshold or more, in class order. */
function expectedPreLabels(image: ImageSummary, classes: ClassInfo[]) {
  const labelled = new Set(image.labels.map((label) => label.classId));
  return classes.flatMap((item) => {
    const probability = image.predictions.find((p) => p.classId === item.id)?.probability;
    return probability !== undefined && probability >= item.threshold && !labelled.has(item.id)
      ? [{ item, probability }]
      : [];
  });
}
