// End to end in Debian's Chromium: pre-labeling as a person meets it. Photos imported with labels for
// some of them are pre-labelled without asking; the grid shows the model's pre-labels on the photos
// nobody labelled, and the viewer draws where the model sees each class over the photo.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClassInfo, ClassMaps, ImageSummary } from '../../src/shared/contract';
import { createStudio, type Studio } from '../../src/main/api';
import { startHost, type Host } from '../../src/main/host/server';
import { createClient, type Api } from '../../src/shared/rpc';
import { makePhotoFolder, type PhotoFolder } from '../fixtures/renderer-studio';
import { rendererDir, repoRoot } from '../fixtures/paths';

const screenshots = join(repoRoot, 'test-results', 'e2e');
const slow = { timeout: 60_000 };
/** Ten photos, labels.csv naming the first five: the other five are left to the model. */
const photoCount = 10;
const labelledCount = 5;

let dir: string;
let photos: PhotoFolder;
let studio: Studio;
let api: Api;
let host: Host;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(join(rendererDir, 'index.html'))) {
    throw new Error(`no renderer build in ${rendererDir}: run "npx electron-vite build" (npm test does)`);
  }
  dir = await mkdtemp(join(tmpdir(), 'csra-e2e-prelabel-'));
  photos = await makePhotoFolder(dir, { count: photoCount, withLabels: true, labelled: labelledCount });
  studio = createStudio();
  api = createClient(studio);
  host = await startHost({ studio, rendererDir });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
  page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`));
  // CSP violations, and every state the pre-label progress block showed (a run of ten photos is
  // over in a few seconds: polling could miss it).
  await page.addInitScript({
    content: `window.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (event) => {
        window.__cspViolations.push(event.violatedDirective + ' ' + (event.blockedURI || 'inline'));
      });
      window.__prelabelProgress = [];
      new MutationObserver(() => {
        const bar = document.querySelector('progress[aria-label="Pre-label progress"]');
        const text = bar && bar.parentElement.textContent.replace(/\\s+/g, ' ').trim();
        if (text && window.__prelabelProgress.at(-1) !== text) window.__prelabelProgress.push(text);
      }).observe(document, { childList: true, subtree: true, characterData: true });`,
  });
});

afterAll(async () => {
  await browser?.close();
  await host?.close();
  await studio?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
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
    await page.getByLabel(/Labels CSV/).fill(photos.labelsCsv!);
    await page.getByRole('button', { name: 'Start import' }).click();
    await page.getByRole('heading', { name: 'Import finished' }).waitFor(slow);
    await panel.getByRole('heading', { name: 'Pre-labeling finished' }).waitFor(slow);

    const progress: string[] = await page.evaluate('window.__prelabelProgress');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.some((text) => /(Loading the model|Pre-labeling photos)…/.test(text))).toBe(true);
    expect(progress.every((text) => /\d+ \/ \d+/.test(text) && /Cancel/.test(text))).toBe(true);

    expect(await figure(panel, 'Predicted')).toBe(String(photoCount));
    expect(await figure(panel, 'Photos/s')).toMatch(/^\d+(\.\d)?$/);
    expect(await figure(panel, 'Not read')).toBe('0');
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

    for (const tile of await tiles.all()) await tile.scrollIntoViewIfNeeded();
    await expect
      .poll(
        () =>
          page.evaluate(`[...document.querySelectorAll('.grid img')].every((img) => img.naturalWidth > 0)`),
        slow,
      )
      .toBe(true);

    const shown: {
      name: string;
      solid: { text: string; background: string }[];
      outlined: { text: string; border: string; background: string }[];
    }[] = await page.evaluate(
      `[...document.querySelectorAll('.grid .tile')].map((tile) => ({
        name: tile.querySelector('.name').textContent.trim(),
        solid: [...tile.querySelectorAll('.chip:not(.outline)')].map((chip) => ({
          text: chip.textContent.trim(),
          background: getComputedStyle(chip).backgroundColor,
        })),
        outlined: [...tile.querySelectorAll('.chip.outline')].map((chip) => ({
          text: chip.textContent.trim(),
          border: getComputedStyle(chip).borderTopColor,
          background: getComputedStyle(chip).backgroundColor,
        })),
      }))`,
    );
    expect(shown.map((tile) => tile.name)).toEqual(photos.photos);
    const colourOf = new Map(classes.map((item) => [item.name, hexToRgb(item.color)]));
    let outlinedCount = 0;
    for (const tile of shown) {
      const image = images.find((candidate) => candidate.name === tile.name)!;
      const labelled = photos.photos.indexOf(tile.name) < labelledCount;
      // Labels stay solid chips in their class colour: labels.csv's, on the photos it names.
      expect(tile.solid.map((chip) => chip.text).sort(), tile.name).toEqual(
        labelled ? [...photos.labels[tile.name]!].sort() : [],
      );
      for (const chip of tile.solid) expect(chip.background).toBe(colourOf.get(chip.text));
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
        expect(chip.border, chip.text).toBe(colourOf.get(name));
        expect(chip.background, chip.text).not.toBe(colourOf.get(name));
      }
      outlinedCount += tile.outlined.length;
    }
    expect(outlinedCount).toBeGreaterThan(0);

    await page.evaluate('window.scrollTo(0, 0)');
    await mkdir(screenshots, { recursive: true });
    await page.screenshot({ path: join(screenshots, 'prelabel-grid.png'), fullPage: true });
  });

  it("draws the selected class's map over the photo, brightest where the map peaks", async () => {
    const classes = await api.listClasses({});
    const images = (await api.listImages({})).images;
    // A photo nobody labelled whose maps cover two project classes, to switch between them.
    const candidates: { image: ImageSummary; maps: ClassMaps }[] = [];
    for (const image of images.slice(labelledCount)) {
      candidates.push({ image, maps: await api.getClassMaps({ imageId: image.id }) });
    }
    const { image, maps } =
      candidates.find((candidate) => candidate.maps.maps.length >= 2) ??
      candidates.find((candidate) => candidate.maps.maps.length >= 1)!;
    const nameOf = (classId: number) => classes.find((item) => item.id === classId)!.name;

    await page.locator('.grid .tile', { hasText: image.name }).click();
    const viewer = page.getByRole('dialog');
    await viewer.waitFor();
    expect(await viewer.getByRole('heading').textContent()).toBe(image.name);
    await expect
      .poll(() => page.evaluate(`document.querySelector('dialog img').naturalWidth`), slow)
      .toBe(image.width);

    // Every project class the model predicts, with its probability, most probable first.
    const list = viewer.getByRole('complementary', { name: 'Model probabilities' });
    const rows = await list.locator('.class-row').all();
    const ranked = [...image.predictions].sort((a, b) => b.probability - a.probability);
    expect(rows).toHaveLength(ranked.length);
    for (const [index, row] of rows.entries()) {
      expect(await row.locator('.class-name').textContent()).toBe(nameOf(ranked[index]!.classId));
      expect(await row.locator('.value').textContent()).toBe(ranked[index]!.probability.toFixed(2));
    }

    // The strongest class's map first.
    const first = maps.maps[0]!;
    await expect.poll(() => pressed(list), slow).toBe(nameOf(first.classId));
    await expectOverlayOf(first, maps.size);
    await page.screenshot({ path: join(screenshots, 'class-map-overlay.png') });

    if (maps.maps.length >= 2) {
      // A key switches to the next class's map, a click back to the first.
      const second = maps.maps[1]!;
      await page.keyboard.press('c');
      await expect.poll(() => pressed(list)).toBe(nameOf(second.classId));
      await expectOverlayOf(second, maps.size);
      await list.getByRole('button', { name: nameOf(first.classId) }).click();
      await expect.poll(() => pressed(list)).toBe(nameOf(first.classId));
      await expectOverlayOf(first, maps.size);
    }

    // M hides the map and shows it again.
    await page.keyboard.press('m');
    await expect.poll(() => viewer.locator('canvas.overlay').count()).toBe(0);
    await page.keyboard.press('m');
    await expect.poll(() => viewer.locator('canvas.overlay').count()).toBe(1);

    await page.keyboard.press('Escape');
    await viewer.waitFor({ state: 'hidden' });
  });

  it('logged no console error and no Content Security Policy violation on the way', async () => {
    expect(consoleErrors).toEqual([]);
    expect(await page.evaluate('window.__cspViolations')).toEqual([]);
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

/** The name of the class whose map is shown. */
async function pressed(list: ReturnType<Page['getByRole']>): Promise<string | null> {
  const row = list.locator('.class-row[aria-pressed="true"] .class-name');
  return (await row.count()) === 1 ? row.textContent() : null;
}

interface OverlayPixels {
  width: number;
  height: number;
  opaque: number;
  /** The brightest pixel, in fractions of the canvas (0..1 from the top left). */
  brightest: { x: number; y: number };
  /** The brightness (luma) of the brightest pixel, and of the pixel at each map cell's centre. */
  maxLuma: number;
  cellLuma: number[];
  /** The canvas and the photo on screen. */
  canvasBox: { x: number; y: number; width: number; height: number };
  imageBox: { x: number; y: number; width: number; height: number };
  /** Width over height of the canvas and of the photo: equal, so both fit the box the same way. */
  aspects: [number, number];
  opacity: string;
}

/**
 * Waits for the overlay to show `map`: drawn over the whole photo and lined up with it, its
 * brightness following the map's values, and brightest where the map is at its peak.
 */
async function expectOverlayOf(map: ClassMaps['maps'][number], size: number): Promise<void> {
  const values = [...Buffer.from(map.values, 'base64')];
  expect(values).toHaveLength(size * size);
  const strongest = Math.max(...values);
  const peakCell = values.indexOf(strongest);
  /** The map's highest value around a point of the photo (its cell and the cells next to it). */
  const mapNear = (point: { x: number; y: number }) => {
    const [cx, cy] = [Math.floor(point.x * size), Math.floor(point.y * size)];
    let best = 0;
    for (let y = Math.max(0, cy - 1); y <= Math.min(size - 1, cy + 1); y += 1)
      for (let x = Math.max(0, cx - 1); x <= Math.min(size - 1, cx + 1); x += 1)
        best = Math.max(best, values[y * size + x]!);
    return best;
  };
  const shows = (pixels: OverlayPixels | null): pixels is OverlayPixels =>
    pixels !== null &&
    pixels.opaque > 0 &&
    pixels.cellLuma.length === values.length &&
    correlation(pixels.cellLuma, values) > 0.9;

  await expect.poll(async () => shows(await overlayPixels(size)), slow).toBe(true);
  const pixels = (await overlayPixels(size))!;
  // The brightest part of the overlay is where the map is near its peak, and the map's peak is
  // (nearly) as bright as the overlay gets.
  expect(mapNear(pixels.brightest)).toBeGreaterThanOrEqual(0.9 * strongest);
  expect(pixels.cellLuma[peakCell]).toBeGreaterThanOrEqual(0.95 * pixels.maxLuma);
  // Every pixel drawn (the map covers the whole photo), at about half opacity over it.
  expect(pixels.opaque).toBe(pixels.width * pixels.height);
  expect(Number(pixels.opacity)).toBeCloseTo(0.5, 2);
  expect(pixels.canvasBox).toEqual(pixels.imageBox);
  expect(pixels.aspects[0]).toBeCloseTo(pixels.aspects[1], 2);
}

function overlayPixels(size: number): Promise<OverlayPixels | null> {
  return page.evaluate(`(() => {
    const size = ${size};
    const canvas = document.querySelector('dialog canvas.overlay');
    const img = document.querySelector('dialog img');
    if (!canvas || !img) return null;
    const { width, height } = canvas;
    const data = canvas.getContext('2d').getImageData(0, 0, width, height).data;
    const luma = (i) => 0.2126 * data[i * 4] + 0.7152 * data[i * 4 + 1] + 0.0722 * data[i * 4 + 2];
    let opaque = 0, maxLuma = -1, at = 0;
    for (let i = 0; i < width * height; i += 1) {
      if (data[i * 4 + 3] > 0) opaque += 1;
      const value = luma(i);
      if (value > maxLuma) { maxLuma = value; at = i; }
    }
    const cellLuma = [];
    for (let y = 0; y < size; y += 1)
      for (let x = 0; x < size; x += 1)
        cellLuma.push(luma(Math.floor(((y + 0.5) / size) * height) * width + Math.floor(((x + 0.5) / size) * width)));
    const box = (element) => {
      const r = element.getBoundingClientRect();
      return { x: Math.round(r.x), y: Math.round(r.y), width: Math.round(r.width), height: Math.round(r.height) };
    };
    return {
      width, height, opaque, maxLuma, cellLuma,
      brightest: { x: ((at % width) + 0.5) / width, y: (Math.floor(at / width) + 0.5) / height },
      canvasBox: box(canvas), imageBox: box(img),
      aspects: [width / height, img.naturalWidth / img.naturalHeight],
      opacity: getComputedStyle(canvas).opacity,
    };
  })()`);
}

/** Pearson's correlation of two equally long series. */
function correlation(a: number[], b: number[]): number {
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const [ma, mb] = [mean(a), mean(b)];
  let [ab, aa, bb] = [0, 0, 0];
  for (let i = 0; i < a.length; i += 1) {
    ab += (a[i]! - ma) * (b[i]! - mb);
    aa += (a[i]! - ma) ** 2;
    bb += (b[i]! - mb) ** 2;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

/** The number shown under one heading of a report's figures. */
async function figure(panel: ReturnType<Page['getByRole']>, name: string): Promise<string | undefined> {
  const item = panel.locator('.figure', { has: page.getByText(name, { exact: true }) });
  return (await item.locator('dd').textContent())?.trim();
}

function hexToRgb(hex: string): string {
  const [r, g, b] = [1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16));
  return `rgb(${r}, ${g}, ${b})`;
}
