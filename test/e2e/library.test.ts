// End to end in Debian's Chromium: the browser host on a real studio (test/fixtures/e2e.ts), the built
// renderer (out/renderer), real VOC photos. A person's path through the app: create a project,
// import a folder with labels and some bad files, read the report, browse the grid.
import { copyFile, mkdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
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
import { vocClasses } from '../fixtures/voc';

const { dir, api, host, page, problems } = await startE2eApp('library');
let photos: PhotoFolder;
let knownClasses: Set<string>;

beforeAll(async () => {
  photos = await makePhotoFolder(dir, {
    count: 24,
    withLabels: true,
    withBadFiles: true,
    withDuplicate: true,
  });
  knownClasses = new Set(await vocClasses());
});

describe('a first session in the app', () => {
  it('opens at the printed address, which the app takes out of the address bar', async () => {
    const response = await page.goto(host.openUrl);
    expect(response?.status()).toBe(200);
    expect(page.url()).toBe(`${host.url}/`);
    await page.getByRole('heading', { name: 'Open a project' }).waitFor();
  });

  it('creates a project from the picker, and shows a failed open as a message', async () => {
    const projectPath = join(dir, 'birds.sqlite');
    await page.getByLabel('Project file').fill(join(dir, 'missing.sqlite'));
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toBe(`no project at ${dir}/missing.sqlite`);

    await page.getByLabel('Project file').fill(projectPath);
    await page.getByRole('button', { name: 'Create new' }).click();
    await page.getByRole('heading', { level: 1, name: 'birds' }).waitFor();
    expect(await page.getByLabel('Project counts').textContent()).toMatch(/0 photos\s*0 classes/);
    // The grid reads its first (empty) page after the heading shows: wait for it, on a busy machine.
    await page.getByText('No photos yet.').waitFor(slow);
  });

  it('imports a folder with labels and reports every file it did not import, and why', async () => {
    await page.getByLabel('Folder').fill(photos.folder);
    await page.getByLabel(/^Labels file/).fill(photos.labelsFile!);
    await page.getByRole('button', { name: 'Start import' }).click();
    await page.getByRole('heading', { name: 'Import finished' }).waitFor(slow);

    expect(await reportFigure(page, 'New')).toBe('24');
    expect(await reportFigure(page, 'Already there')).toBe('0');
    expect(await reportFigure(page, 'Duplicates')).toBe('1');
    expect(await reportFigure(page, 'Skipped')).toBe('2');

    const skipped = await tableRows(page, 'Skipped files');
    expect(skipped.map(([file]) => file).sort()).toEqual(photos.badFiles.map((bad) => bad.name).sort());
    for (const bad of photos.badFiles) {
      expect(skipped.find(([file]) => file === bad.name)?.[1]).toMatch(bad.reason);
    }
    const duplicates = await tableRows(page, /^Duplicates/);
    expect(duplicates).toEqual([[photos.duplicate!.name, photos.duplicate!.of]]);
    expect(await page.getByText(/Labels: 24 photos labelled/).isVisible()).toBe(true);
    await expect.poll(() => page.getByLabel('Project counts').textContent()).toMatch(/24 photos/);
  });

  it('shows every photo as a loaded thumbnail with its labels as chips in class colors', async () => {
    const tiles = page.locator('.grid .tile');
    await expect.poll(() => tiles.count(), slow).toBe(24);
    expect(await page.locator('.library .head').textContent()).toMatch(/24 photos/);

    await loadAllThumbnails(page);
    const images: { src: string; lazy: string; width: number; height: number }[] = await page.evaluate(
      `[...document.querySelectorAll('.grid img')].map((img) => ({
        src: img.getAttribute('src'), lazy: img.loading, width: img.naturalWidth, height: img.naturalHeight,
      }))`,
    );
    expect(images).toHaveLength(24);
    for (const image of images) {
      expect(image.src).toMatch(/^\/media\/thumb\/\d+\?p=\w+&token=[\w-]+$/);
      expect(image.lazy).toBe('lazy');
      // Thumbnails, not the photos: at most 256 px on their longer side.
      expect(Math.max(image.width, image.height)).toBeGreaterThan(0);
      expect(Math.max(image.width, image.height)).toBeLessThanOrEqual(256);
    }

    const classes = await api.listClasses({});
    const colorOf = new Map(classes.map((item) => [item.name, hexToRgb(item.color)]));
    const tilesShown: { name: string; chips: { text: string; background: string }[] }[] = await page.evaluate(
      `[...document.querySelectorAll('.grid .tile')].map((tile) => ({
        name: tile.querySelector('.name').textContent.trim(),
        chips: [...tile.querySelectorAll('.chip:not(.outline)')].map((chip) => ({
          text: (${chipNameInPage})(chip),
          background: getComputedStyle(chip).backgroundColor,
        })),
      }))`,
    );
    expect(tilesShown.map((tile) => tile.name)).toEqual(photos.photos);
    for (const { name, chips } of tilesShown) {
      for (const chip of chips) {
        expect(knownClasses.has(chip.text), chip.text).toBe(true);
        // Solid in the class color, set through CSSOM under the strict CSP.
        expect(chip.background, chip.text).toBe(colorOf.get(chip.text));
      }
      // Positive labels only: exactly the classes labels.csv gave this photo, never its negatives.
      expect(chips.map((chip) => chip.text).sort(), name).toEqual([...photos.labels[name]!].sort());
    }

    await page.evaluate(`window.scrollTo(0, 0); document.querySelector('.library .viewport').scrollTop = 0`);
    await mkdir(screenshots, { recursive: true });
    await page.screenshot({ path: join(screenshots, 'library-grid.png'), fullPage: true });
  });

  it('opens a photo in the labeling workspace from the keyboard, steps to the next one, and closes with Escape', async () => {
    const first = page.locator('.grid .tile').first();
    await first.focus();
    await page.keyboard.press('Enter');
    const workspace = page.getByRole('dialog');
    await workspace.waitFor();
    const title = workspace.locator('#workspace-title');
    await expect.poll(() => title.textContent(), slow).toBe(photos.photos[0]);
    await page.screenshot({ path: join(screenshots, 'library-viewer.png') });

    await page.keyboard.press('ArrowRight');
    await expect.poll(() => title.textContent()).toBe(photos.photos[1]);
    await page.keyboard.press('Escape');
    await workspace.waitFor({ state: 'hidden' });
  });

  it('marks a photo whose file changed on disk since import, until the file is put back', async () => {
    const name = photos.photos[2]!;
    const path = join(photos.folder, name);
    const original = await readFile(path);
    const { mtime } = await stat(path);
    const image = (await api.listImages({ limit: 100 })).images.find((candidate) => candidate.name === name)!;
    const badge = page.locator(`.grid .tile[data-image-id="${image.id}"] .changed`);
    // Asked for as the stage asks (the browser would log the 404, so this test asks from here).
    const askForPhoto = () =>
      fetch(`${host.url}/media/photo/${image.id}?token=${new URL(host.openUrl).searchParams.get('token')}`);

    await copyFile(join(photos.folder, photos.photos[3]!), path);
    const refused = await askForPhoto();
    expect(refused.status).toBe(404);
    expect(await refused.text()).toBe('the photo changed on disk since import');
    await badge.waitFor(slow);
    expect(await badge.textContent()).toBe('changed on disk');
    await page.screenshot({ path: join(screenshots, 'library-changed-on-disk.png') });

    await writeFile(path, original);
    await utimes(path, mtime, mtime);
    expect((await askForPhoto()).status).toBe(200);
    await badge.waitFor({ state: 'detached', ...slow });
  });

  it('shows a larger library through a window of tiles, reading pages as it scrolls to the end', async () => {
    const more = await makePhotoFolder(dir, { count: 150, name: 'more' });
    await page.evaluate('window.scrollTo(0, 0)');
    await page.getByLabel('Folder').fill(more.folder);
    await page.getByLabel(/^Labels file/).fill('');
    await page.getByRole('button', { name: 'Start import' }).click();
    // Its first 24 photos are byte-for-byte the ones imported above: duplicates, not new photos.
    await expect.poll(() => reportFigure(page, 'New'), slow).toBe('126');
    expect(await reportFigure(page, 'Duplicates')).toBe('24');
    await expect
      .poll(() => page.locator('.library .head').textContent(), slow)
      .toMatch(/^\s*Library\s*150 photos\s*$/);
    // Only the rows in view, and a few around them, are in the DOM.
    const tiles = page.locator('.grid .tile');
    await expect.poll(() => tiles.count(), slow).toBeGreaterThan(0);
    expect(await tiles.count()).toBeLessThan(150);

    const { images } = await api.listImages({ limit: 500 });
    await page.evaluate(`document.querySelector('.library .viewport').scrollTop = 1e6`);
    await expect.poll(() => tiles.last().locator('.name').textContent(), slow).toBe(images.at(-1)!.name);
    expect(await tiles.count()).toBeLessThan(150);
  });

  it('logged no console error and no Content Security Policy violation on the way', async () => {
    expect(await problems()).toEqual({ consoleErrors: [], cspViolations: [] });
  });
});

async function tableRows(target: Page, caption: string | RegExp): Promise<string[][]> {
  const rows = target.getByRole('table', { name: caption }).locator('tbody tr');
  return Promise.all(
    (await rows.all()).map(async (row) =>
      (await row.locator('td').allTextContents()).map((text) => text.trim()),
    ),
  );
}
