// End to end in Debian's Chromium, on forty real VOC photos (labels.csv names the first twenty, the
// model pre-labels all forty): what the grid and the header say stays true. The counts follow the
// class list without a reload; a class in any state shows the photos it is on and disagreement with
// a class is about that class, the heading saying so; tiles show the probability of the class the
// view is about and mark the labels the model contradicts; after the workspace, the selection is the
// photo last viewed there. Everything the UI shows is checked against the API.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ImageFilter, ImageSort, ImageSummary } from '$shared/contract';
import { shownState } from '$shared/labels';
import { jobEnd } from '../fixtures/direct-api';
import { screenshots, slow, startE2eApp } from '../fixtures/e2e';
import { makePhotoFolder } from '../fixtures/renderer-studio';

const count = 40;

const { dir, api, host, page, problems } = await startE2eApp('grid-views');

beforeAll(async () => {
  await api.createProject({ path: join(dir, 'views.sqlite') });
  const photos = await makePhotoFolder(dir, { count, withLabels: true, labelled: 20 });
  let job = await api.startImport({ folder: photos.folder, labelsFile: photos.labelsFile! });
  expect((await jobEnd(api, job.id)).status).toBe('done');
  job = await api.startPrelabel({ provider: 'cpu' });
  expect((await jobEnd(api, job.id)).status).toBe('done');
  await mkdir(screenshots, { recursive: true });
  await page.goto(host.openUrl);
  await page.getByRole('heading', { level: 1, name: 'views' }).waitFor(slow);
}, 300_000);

const head = () => page.locator('.library .head');
const filters = () => page.getByRole('form', { name: 'Filters' });
const selectionBar = () => page.getByRole('toolbar', { name: 'Selection' });
const tile = (index: number) => page.locator(`.grid .tile[data-index="${index}"]`);

async function classId(name: string): Promise<number> {
  return (await api.listClasses({})).find((item) => item.name === name)!.id;
}

/** Every photo as the API lists it for a filter and sort. */
async function listed(filter: ImageFilter | undefined, sort: ImageSort = 'name'): Promise<ImageSummary[]> {
  return (await api.listImages({ limit: 500, sort, ...(filter ? { filter } : {}) })).images;
}

/**
 * Waits until the grid's heading counts `images` and its tiles in the DOM (those in view: the grid
 * is virtualized) are the first of them, in order.
 */
async function expectGridShows(images: ImageSummary[]): Promise<void> {
  await expect
    .poll(() => head().textContent(), slow)
    .toMatch(new RegExp(`^\\s*Library\\s*${images.length} photos?`));
  const expected = images.map((image) => image.id);
  await expect
    .poll(async () => {
      const shown: number[] =
        await page.evaluate(`[...document.querySelectorAll('.grid .tile[data-image-id]')]
        .sort((a, b) => a.dataset.index - b.dataset.index).map((tile) => Number(tile.dataset.imageId))`);
      return expected.length === 0
        ? shown.length === 0
        : shown.length > 0 && shown.every((id, at) => id === expected[at]);
    }, slow)
    .toBe(true);
}

/** What tile `imageId` shows: its score badge and its chips, as text. */
async function tileText(
  imageId: number,
): Promise<{ score: string | null; chips: string[]; disputed: string[] }> {
  const at = page.locator(`.grid .tile[data-image-id="${imageId}"]`);
  const score = at.locator('.score');
  return {
    score: (await score.count()) ? (await score.textContent())!.replace(/\s+/g, ' ').trim() : null,
    chips: (await at.locator('.chip').allTextContents()).map((text) => text.replace(/\s+/g, ' ').trim()),
    disputed: (await at.locator('.chip.disputed').allTextContents()).map((t) =>
      t.replace(/\s+/g, ' ').trim(),
    ),
  };
}

/** Those of `images` whose tiles are in the DOM (the grid holds those in view), at least one. */
async function inDom(images: ImageSummary[]): Promise<ImageSummary[]> {
  const present: ImageSummary[] = [];
  for (const image of images) {
    if (await page.locator(`.grid .tile[data-image-id="${image.id}"]`).count()) present.push(image);
  }
  expect(present.length).toBeGreaterThan(0);
  return present;
}

const probabilityOf = (image: ImageSummary, classId: number) =>
  image.predictions.find((p) => p.classId === classId)!.probability;

async function resetGrid(): Promise<void> {
  const clear = filters().getByRole('button', { name: 'Clear filters' });
  if (await clear.isVisible()) await clear.click();
  if ((await filters().getByLabel('Sort by').inputValue()) !== 'name') {
    await filters().getByLabel('Sort by').selectOption('name');
  }
  await expectGridShows(await listed(undefined));
}

describe('the counts', () => {
  it('follow the class list as it changes, without a reload', async () => {
    const counts = page.getByLabel('Project counts');
    const predicts = page.getByLabel('Model').locator('div', { hasText: 'Predicts' }).locator('dd');
    const classes = (await api.listClasses({})).length;
    const model = (await api.getModel({}))!;
    await expect.poll(() => counts.textContent(), slow).toMatch(new RegExp(`${classes} classes`));
    await expect
      .poll(() => predicts.textContent(), slow)
      .toMatch(new RegExp(`${model.mapping.length} of ${classes} project classes`));

    // A class the model does not know, added in the class panel: one more, predicted by none.
    await page.getByLabel('New class name').fill('lamppost');
    await page.getByRole('form', { name: 'New class' }).getByRole('button', { name: 'Add' }).click();
    await expect.poll(() => counts.textContent(), slow).toMatch(new RegExp(`${classes + 1} classes`));
    await expect
      .poll(() => predicts.textContent(), slow)
      .toMatch(new RegExp(`${model.mapping.length} of ${classes + 1} project classes`));
    await page.screenshot({ path: join(screenshots, 'grid-views-counts.png') });

    // Archived by another client: one fewer.
    await api.updateClass({ classId: await classId('lamppost'), archived: true });
    await expect.poll(() => counts.textContent(), slow).toMatch(new RegExp(`${classes} classes`));
    await expect
      .poll(() => predicts.textContent(), slow)
      .toMatch(new RegExp(`${model.mapping.length} of ${classes} project classes`));
  });
});

describe('the class filter and the tiles', () => {
  beforeEach(resetGrid);

  it('shows the photos a class is on in any state, and disagreement about that class only', async () => {
    const person = await classId('person');
    const dog = await classId('dog');
    // Among the first twenty photos: their tiles are in view.
    const everything = (await listed(undefined)).slice(0, 20);
    // A person label the model contradicts, and a dog label it contradicts on another photo.
    const byPerson = [...everything].sort((a, b) => probabilityOf(a, person) - probabilityOf(b, person));
    const byDog = [...everything].sort((a, b) => probabilityOf(a, dog) - probabilityOf(b, dog));
    const doubtedPerson = byPerson[0]!;
    const doubtedDog = byDog.find((image) => image.id !== doubtedPerson.id)!;
    const made = await api.setLabels({
      changes: [
        { imageId: doubtedPerson.id, classId: person, state: 'positive' },
        { imageId: doubtedDog.id, classId: dog, state: 'positive' },
      ],
    });
    expect(made.changed).toBeGreaterThan(0);
    await expect
      .poll(async () => (await tileText(doubtedPerson.id)).disputed, slow)
      .toContainEqual(expect.stringMatching(/^≠ ?person \d\.\d\d$/));

    await filters().getByLabel('Filter class').selectOption({ label: 'person' });
    // Nothing else changes: the state the person did not touch stays "Any state".
    expect(await filters().getByLabel('Label state').inputValue()).toBe('any');
    const all = await listed(undefined);
    const classes = await api.listClasses({});
    const onIt = all.filter((image) => shownState(image, classes, person) === 'positive');
    expect(onIt.length).toBeGreaterThan(1);
    expect(onIt.length).toBeLessThan(count);
    expect((await listed({ classId: person })).map((image) => image.id)).toEqual(onIt.map((i) => i.id));
    await expectGridShows(onIt);
    expect(await head().textContent()).toContain('person (label or pre-label)');
    for (const image of await inDom(onIt)) {
      const { chips, score } = await tileText(image.id);
      expect(
        chips.some((chip) => /^(≠ ?)?person\b/.test(chip)),
        image.name,
      ).toBe(true);
      // The tile's score is the filtered class's.
      expect(score).toBe(`person ${probabilityOf(image, person).toFixed(2)}`);
    }
    await page.screenshot({ path: join(screenshots, 'grid-views-class.png') });

    await filters().getByLabel('Disagreement').check();
    const disputed = await listed({ classId: person, disagreement: true });
    expect(disputed.map((image) => image.id)).toContain(doubtedPerson.id);
    expect(disputed.map((image) => image.id)).not.toContain(doubtedDog.id);
    await expectGridShows(disputed);
    await expect.poll(() => head().textContent()).toContain('disagreement about person');
    expect(await head().textContent()).not.toContain('label or pre-label');
    // Each tile says why it is there: its person label, marked.
    for (const image of await inDom(disputed)) {
      const { disputed: marked } = await tileText(image.id);
      expect(
        marked.some((chip) => chip.includes('person')),
        image.name,
      ).toBe(true);
    }
    await page.screenshot({ path: join(screenshots, 'grid-views-disagreement.png') });

    // Any class: the dog photo is there too.
    await filters().getByLabel('Filter class').selectOption({ label: 'Any class' });
    const anyDisputed = await listed({ disagreement: true });
    expect(anyDisputed.map((image) => image.id)).toEqual(
      expect.arrayContaining([doubtedPerson.id, doubtedDog.id]),
    );
    await expectGridShows(anyDisputed);
    expect(await filters().getByLabel('Disagreement').isChecked()).toBe(true);
    await api.undo({});
  }, 180_000);

  it('shows on each tile, sorted by uncertainty, the least certain class and its probability', async () => {
    await filters().getByLabel('Sort by').selectOption('uncertainty');
    const images = await listed(undefined, 'uncertainty');
    await expectGridShows(images);
    const classes = await api.listClasses({});
    for (const image of images.slice(0, 12)) {
      let least = image.predictions[0]!;
      for (const p of image.predictions) {
        if (Math.abs(2 * p.probability - 1) < Math.abs(2 * least.probability - 1)) least = p;
      }
      const name = classes.find((item) => item.id === least.classId)!.name;
      expect((await tileText(image.id)).score, image.name).toBe(`${name} ${least.probability.toFixed(2)}`);
    }
    await page.screenshot({ path: join(screenshots, 'grid-views-uncertainty.png') });

    // By name, no class: no score to show.
    await filters().getByLabel('Sort by').selectOption('name');
    await expectGridShows(await listed(undefined));
    expect(await page.locator('.grid .tile .score').count()).toBe(0);
  });
});

describe('the selection after the workspace', () => {
  beforeEach(resetGrid);

  it('is the photo last viewed there, and the bar acts on it', async () => {
    // Photos without labels (labels.csv names the first twenty): confirming them writes labels.
    const images = await listed(undefined);
    const [clicked, viewed] = [21, 23];
    expect(images[clicked]!.labels).toEqual([]);
    expect(images[viewed]!.labels).toEqual([]);
    await tile(clicked).click();
    await page.keyboard.press('Enter');
    const workspace = page.getByRole('dialog');
    await workspace.waitFor(slow);
    await expect
      .poll(() => workspace.locator('#workspace-title').textContent(), slow)
      .toBe(images[clicked]!.name);
    await page.keyboard.press('ArrowRight');
    await expect
      .poll(() => workspace.locator('#workspace-title').textContent(), slow)
      .toBe(images[clicked + 1]!.name);
    await page.keyboard.press('ArrowRight');
    await expect
      .poll(() => workspace.locator('#workspace-title').textContent(), slow)
      .toBe(images[viewed]!.name);
    await page.keyboard.press('Escape');
    await workspace.waitFor({ state: 'hidden' });

    await expect.poll(() => page.evaluate(`document.activeElement.dataset.index`), slow).toBe(String(viewed));
    await expect
      .poll(() =>
        page.evaluate(
          `[...document.querySelectorAll('.grid .tile[aria-selected="true"]')].map((tile) => Number(tile.dataset.imageId))`,
        ),
      )
      .toEqual([images[viewed]!.id]);
    await page.screenshot({ path: join(screenshots, 'grid-views-after-workspace.png') });

    // The toolbar's Confirm confirms the photo in view, not the one clicked before opening.
    await selectionBar().getByRole('button', { name: 'Confirm 1 photo' }).click();
    await expect
      .poll(() => selectionBar().getByRole('status').textContent(), slow)
      .toMatch(/^Confirmed 1 photo/);
    const confirmed = await api.getImage({ imageId: images[viewed]!.id });
    const classes = await api.listClasses({});
    expect(confirmed.labels.map((label) => label.classId).sort()).toEqual(
      classes.map((item) => item.id).sort(),
    );
    expect((await api.getImage({ imageId: images[clicked]!.id })).labels).toEqual([]);
    await api.undo({});
  });
});

it('logged no console error and no Content Security Policy violation on the way', async () => {
  expect(await problems()).toEqual({ consoleErrors: [], cspViolations: [] });
});
