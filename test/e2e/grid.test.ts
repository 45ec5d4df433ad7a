// End to end in Debian's Chromium: the library grid and the class panel on all 765 real VOC photos.
// Forty of them are imported first, from a folder of their own: labels.csv names the first twenty,
// and the model pre-labels all forty; then the VOC folder itself adds the other 725, unlabelled and
// unpredicted. (The name sort is path order: whether the forty come before or after the others
// depends on where the temp folder sorts against ../shared.) The grid is virtualized (a few dozen
// tiles in the DOM), filters and sorts as the API does, selects with clicks, Ctrl, Shift and
// "select all in filter", adds or removes a class over a selection as one undoable action, and
// filters by split and moves a selection to a split.
// Everything the UI does is checked through the API.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ImageFilter, ImageSort, ImageSummary } from '$shared/contract';
import { jobEnd } from '../fixtures/direct-api';
import { screenshots, slow, startE2eApp } from '../fixtures/e2e';
import { makePhotoFolder, type PhotoFolder } from '../fixtures/renderer-studio';
import { vocImages } from '../fixtures/paths';
import { vocPhotoNames } from '../fixtures/voc';

const firstCount = 40;
const labelledCount = 20;

const { dir, api, host, page, problems } = await startE2eApp('grid');
let first: PhotoFolder;
let total: number;

beforeAll(async () => {
  await api.createProject({ path: join(dir, 'grid.sqlite') });
  first = await makePhotoFolder(dir, { count: firstCount, withLabels: true, labelled: labelledCount });
  let job = await api.startImport({ folder: first.folder, labelsFile: first.labelsFile! });
  expect((await jobEnd(api, job.id)).status).toBe('done');
  job = await api.startPrelabel({ provider: 'cpu' });
  expect((await jobEnd(api, job.id)).status).toBe('done');
  // Then every VOC photo: the forty above are duplicates, the rest new (about 6 s).
  job = await api.startImport({ folder: vocImages });
  expect((await jobEnd(api, job.id)).status).toBe('done');
  total = (await vocPhotoNames()).length;
  expect((await api.listImages({ limit: 1 })).total).toBe(total);

  await page.goto(host.openUrl);
  await page.getByRole('heading', { level: 1, name: 'grid' }).waitFor(slow);
}, 300_000);

const tiles = () => page.locator('.grid .tile');
const tile = (index: number) => page.locator(`.grid .tile[data-index="${index}"]`);
const head = () => page.locator('.library .head');
const filters = () => page.getByRole('form', { name: 'Filters' });
const selectionBar = () => page.getByRole('toolbar', { name: 'Selection' });
const classPanel = () => page.getByRole('region', { name: 'Classes' });
/** How many options of the grid's class menu are named exactly `name`. */
const classOptions = (name: string) =>
  filters().getByLabel('Filter class').getByRole('option', { name, exact: true }).count();

/** The grid's scroll container. */
const viewportScript = `document.querySelector('.library .viewport')`;

/** Names of the tiles in the DOM, in index order (blank tiles left out). */
async function tileNames(): Promise<string[]> {
  return page.evaluate(`[...document.querySelectorAll('.grid .tile[data-image-id]')]
    .sort((a, b) => a.dataset.index - b.dataset.index)
    .map((tile) => tile.querySelector('.name').textContent.trim())`);
}

/** Ids of the photos whose tiles show as selected. */
async function selectedIds(): Promise<number[]> {
  const ids: string[] = await page.evaluate(
    `[...document.querySelectorAll('.grid .tile[aria-selected="true"]')].map((tile) => tile.dataset.imageId)`,
  );
  return ids.map(Number).sort((a, b) => a - b);
}

/** What the API lists for a filter and sort: the total and the first `count` names. */
async function listed(filter: ImageFilter | undefined, sort: ImageSort = 'name', count = 10) {
  const answer = await api.listImages({ limit: 500, sort, ...(filter ? { filter } : {}) });
  return {
    total: answer.total,
    images: answer.images,
    names: answer.images.slice(0, count).map((i) => i.name),
  };
}

/** Waits until the grid shows `expected` photos, its first tiles being the API's first ones. */
async function expectGridShows(expected: { total: number; names: string[] }): Promise<void> {
  await expect
    .poll(() => head().textContent(), slow)
    .toMatch(new RegExp(`^\\s*Library\\s*${expected.total} photos?`));
  await expect
    .poll(async () => (await tileNames()).slice(0, expected.names.length), slow)
    .toEqual(expected.names);
}

async function classId(name: string): Promise<number> {
  return (await api.listClasses({ includeArchived: true })).find((item) => item.name === name)!.id;
}

async function stateOf(imageId: number, name: string): Promise<string | null> {
  const image = await api.getImage({ imageId });
  const id = await classId(name);
  return image.labels.find((label) => label.classId === id)?.state ?? null;
}

async function chooseFilterClass(name: string) {
  await filters().getByLabel('Filter class').selectOption({ label: name });
}

async function clearFilters() {
  const clear = filters().getByRole('button', { name: 'Clear filters' });
  if (await clear.isVisible()) await clear.click();
}

/** Adds or removes class `name` on the selection from the selection bar; waits for what it says it did. */
async function bulkAction(action: 'Add class' | 'Remove class', name: string, done: RegExp) {
  await selectionBar().getByLabel('Class for the selection').selectOption({ label: name });
  await selectionBar().getByRole('button', { name: action }).click();
  await expect.poll(() => selectionBar().getByRole('status').textContent()).toMatch(done);
}

/** Waits until the tiles in the DOM all show their photos (no page on its way). */
async function settled(): Promise<void> {
  await expect
    .poll(
      () =>
        page.evaluate(
          `document.querySelectorAll('.grid .tile').length > 0 && document.querySelectorAll('.grid .tile:not([data-image-id])').length === 0`,
        ),
      slow,
    )
    .toBe(true);
}

/** Back to the whole library in name order, nothing selected, scrolled to the top: each test's start. */
async function resetGrid(): Promise<void> {
  if (await page.locator('dialog[open]').count()) await page.keyboard.press('Escape');
  await page.locator('dialog[open]').waitFor({ state: 'detached' });
  await clearFilters();
  if ((await filters().getByLabel('Sort by').inputValue()) !== 'name') {
    await filters().getByLabel('Sort by').selectOption('name');
  }
  const clear = selectionBar().getByRole('button', { name: 'Clear', exact: true });
  if (await clear.isVisible()) await clear.click();
  await page.evaluate(`${viewportScript}.scrollTop = 0`);
  await expect
    .poll(() => head().textContent(), slow)
    .toMatch(new RegExp(`^\\s*Library\\s*${total} photos\\s*$`));
  await settled();
}

describe('the library grid at 765 photos', () => {
  beforeEach(resetGrid);

  it('puts only the tiles in view in the DOM, and scrolls to the last photo', async () => {
    await expect.poll(() => head().textContent(), slow).toMatch(new RegExp(`${total} photos`));
    await expect.poll(() => tiles().count(), slow).toBeGreaterThan(10);
    const inDom = await tiles().count();
    expect(inDom).toBeLessThan(100);
    expect(inDom).toBeLessThan(total / 5);
    const { names } = await listed(undefined, 'name', inDom);
    await expect.poll(tileNames, slow).toEqual(names);
    // The content is as tall as every row together: the scrollbar stands for all 765.
    const heights: { scroll: number; client: number } = await page.evaluate(
      `({ scroll: ${viewportScript}.scrollHeight, client: ${viewportScript}.clientHeight })`,
    );
    expect(heights.scroll).toBeGreaterThan(heights.client * 10);

    // Thumbnails of the tiles in view load.
    await expect
      .poll(
        () =>
          page.evaluate(
            `[...document.querySelectorAll('.grid .tile img')].filter((img) => img.getBoundingClientRect().top < innerHeight).every((img) => img.naturalWidth > 0)`,
          ),
        slow,
      )
      .toBe(true);

    // To the end: the last photo (in name order) is there, and still only a few dozen tiles.
    const last = (await api.listImages({ offset: total - 1, limit: 1 })).images[0]!;
    await page.evaluate(`${viewportScript}.scrollTop = ${viewportScript}.scrollHeight`);
    await expect.poll(async () => (await tileNames()).at(-1), slow).toBe(last.name);
    expect(await tiles().count()).toBeLessThan(100);
    expect(await tile(total - 1).isVisible()).toBe(true);
    expect(await tile(0).count()).toBe(0);
  });

  it('keeps its scroll position when it reloads (a label changes on a photo in view)', async () => {
    await page.evaluate(`${viewportScript}.scrollTop = 20000`);
    await expect
      .poll(() => page.evaluate(`document.querySelector('.grid .tile').dataset.index > 0`), slow)
      .toBe(true);
    await settled();
    // A tile in the middle of the view (the DOM also holds tiles out of view, which a reload may
    // drop). Its photo may still be on its way after the scroll: its id comes with it, taken from the
    // very read that found it (a second read could meet the tile blank again).
    let shown = '';
    await expect
      .poll(
        async () =>
          (shown = await page.evaluate(`(() => {
            const view = ${viewportScript}.getBoundingClientRect();
            const inView = [...document.querySelectorAll('.grid .tile')].filter((tile) => {
              const { top, bottom } = tile.getBoundingClientRect();
              return top >= view.top && bottom <= view.bottom;
            });
            return inView[Math.floor(inView.length / 2)]?.dataset.imageId ?? '';
          })()`)),
        slow,
      )
      .toMatch(/^\d+$/);
    const before = await tileNames();
    const scrollTop = await page.evaluate(`${viewportScript}.scrollTop`);
    const cat = await classId('cat');
    const action = await api.setLabels({
      changes: [{ imageId: Number(shown), classId: cat, state: 'positive' }],
    });
    await expect
      .poll(
        () => page.locator(`.grid .tile[data-image-id="${shown}"] .chip`, { hasText: 'cat' }).count(),
        slow,
      )
      .toBe(1);
    expect(await page.evaluate(`${viewportScript}.scrollTop`)).toBe(scrollTop);
    expect(await tileNames()).toEqual(before);
    expect(action.changed).toBe(1);
    await api.undo({});
    await expect
      .poll(
        () => page.locator(`.grid .tile[data-image-id="${shown}"] .chip`, { hasText: 'cat' }).count(),
        slow,
      )
      .toBe(0);
    await page.evaluate(`${viewportScript}.scrollTop = 0`);
  });

  it('filters by class state, probability range, unlabelled and disagreement, and sorts', async () => {
    const person = await classId('person');

    await chooseFilterClass('person');
    // Choosing a class leaves the state as it was (any: the photos person is on, grid-views.test.ts).
    expect(await filters().getByLabel('Label state').inputValue()).toBe('any');
    await filters().getByLabel('Label state').selectOption('positive');
    const positives = await listed({ classId: person, state: 'positive' });
    expect(positives.total).toBeGreaterThan(0);
    await expectGridShows(positives);
    for (const name of await tileNames()) {
      const chips = await page
        .locator('.grid .tile', { hasText: name })
        .locator('.chip:not(.outline)')
        .allTextContents();
      expect(
        chips.map((chip) => chip.trim()),
        name,
      ).toContain('person');
    }

    await filters().getByLabel('Label state').selectOption('negative');
    await expectGridShows(await listed({ classId: person, state: 'negative' }));

    // Unknown for person, and the model gives it 0.5 or more: the outlined pre-label chips.
    await filters().getByLabel('Label state').selectOption('unknown');
    await expectGridShows(await listed({ classId: person, state: 'unknown' }));
    await filters().getByLabel('Minimum probability').fill('0.5');
    await filters().getByLabel('Minimum probability').press('Enter');
    const likely = await listed({ classId: person, state: 'unknown', minProbability: 0.5 });
    expect(likely.total).toBeGreaterThan(0);
    expect(likely.total).toBeLessThan(firstCount);
    await expectGridShows(likely);
    const outlined: string[] = await page.evaluate(
      `[...document.querySelectorAll('.grid .tile .chip.outline')].map((chip) => chip.textContent.trim())`,
    );
    const personChips = outlined.filter((text) => text.startsWith('person '));
    expect(personChips).toHaveLength(likely.total);
    for (const chip of personChips) expect(Number(chip.split(' ')[1])).toBeGreaterThanOrEqual(0.5);
    await mkdir(screenshots, { recursive: true });
    await page.screenshot({ path: join(screenshots, 'grid-filters.png') });

    await filters().getByLabel('Maximum probability').fill('0.3');
    await filters().getByLabel('Maximum probability').press('Enter');
    await expectGridShows(
      await listed({ classId: person, state: 'unknown', minProbability: 0.5, maxProbability: 0.3 }),
    );
    await expect.poll(() => page.getByText('No photos match these filters.').isVisible()).toBe(true);

    await clearFilters();
    await expectGridShows(await listed(undefined));

    await filters().getByLabel('Unlabelled').check();
    const unlabelled = await listed({ unlabelled: true });
    expect(unlabelled.total).toBe(total - labelledCount);
    await expectGridShows(unlabelled);
    await filters().getByLabel('Unlabelled').uncheck();

    await filters().getByLabel('Disagreement').check();
    const disagreement = await listed({ disagreement: true });
    await expectGridShows(disagreement);
    await filters().getByLabel('Disagreement').uncheck();

    // Sorts: the photos the model is least sure of first; by file date; by name.
    await filters().getByLabel('Sort by').selectOption('uncertainty');
    const uncertain = await listed(undefined, 'uncertainty');
    expect(uncertain.names).not.toEqual((await listed(undefined)).names);
    await expectGridShows(uncertain);
    await filters().getByLabel('Sort by').selectOption('date');
    await expectGridShows(await listed(undefined, 'date'));
    await filters().getByLabel('Sort by').selectOption('name');
    await expectGridShows(await listed(undefined));
  });

  it('selects with a click, Ctrl+click and Shift+click; Escape clears', async () => {
    const { images } = await listed(undefined);
    const ids = (from: number, to: number) => images.slice(from, to + 1).map((image) => image.id);
    const sorted = (list: number[]) => [...list].sort((a, b) => a - b);

    await tile(1).click();
    expect(await selectedIds()).toEqual(ids(1, 1));
    await tile(3).click({ modifiers: ['ControlOrMeta'] });
    expect(await selectedIds()).toEqual(sorted([...ids(1, 1), ...ids(3, 3)]));
    await tile(1).click({ modifiers: ['ControlOrMeta'] });
    expect(await selectedIds()).toEqual(ids(3, 3));
    // A run from the last photo clicked (1, by Ctrl+click) to 9.
    await tile(9).click({ modifiers: ['Shift'] });
    expect(await selectedIds()).toEqual(sorted(ids(1, 9)));
    expect(await selectionBar().textContent()).toMatch(new RegExp(`9 of ${total} photos selected`));
    // Shift+arrow extends from the anchor; an arrow alone picks the next photo.
    await page.keyboard.press('Shift+ArrowRight');
    expect(await selectedIds()).toEqual(sorted(ids(1, 10)));

    await page.keyboard.press('Escape');
    await expect.poll(selectedIds).toEqual([]);
    expect(await selectionBar().textContent()).toMatch(/No photos selected/);
  });

  it('selects every photo in the filter, and adds and removes a class over it as one undoable action', async () => {
    await filters().getByLabel('Unlabelled').check();
    await expectGridShows(await listed({ unlabelled: true }));
    await selectionBar()
      .getByRole('button', { name: /Select all in filter/ })
      .click();
    await expect.poll(() => selectionBar().textContent()).toMatch(new RegExp(`${total - labelledCount} of`));
    await tile(0).focus();
    await page.keyboard.press('Escape');
    await expect.poll(() => selectionBar().textContent()).toMatch(/No photos selected/);
    await tile(0).click();
    await expect
      .poll(() => selectionBar().textContent())
      .toMatch(new RegExp(`1 of ${total - labelledCount}`));
    await filters().getByLabel('Unlabelled').uncheck();
    // A new filter starts a new selection.
    await expect.poll(() => selectionBar().textContent()).toMatch(/No photos selected/);

    // Five photos nobody labelled, by Shift+click, get "dog".
    await filters().getByLabel('Unlabelled').check();
    const { images } = await listed({ unlabelled: true });
    const chosen = images.slice(2, 7).map((image) => image.id);
    await tile(2).click();
    await tile(6).click({ modifiers: ['Shift'] });
    expect(await selectedIds()).toEqual([...chosen].sort((a, b) => a - b));
    await bulkAction('Add class', 'dog', /Added dog to 5 photos/);
    for (const id of chosen) expect(await stateOf(id, 'dog')).toBe('positive');
    // They have a label now: the unlabelled filter lets them go.
    await expect
      .poll(() => head().textContent(), slow)
      .toMatch(new RegExp(`${total - labelledCount - 5} photos`));

    // One undo takes back all five.
    await selectionBar().getByRole('button', { name: 'Undo' }).click();
    await expect
      .poll(() => head().textContent(), slow)
      .toMatch(new RegExp(`${total - labelledCount} photos`));
    for (const id of chosen) expect(await stateOf(id, 'dog')).toBeNull();

    // Solid chips on the selected tiles, for the screenshot.
    await filters().getByLabel('Unlabelled').uncheck();
    await expectGridShows(await listed(undefined));
    const all = (await listed(undefined)).images;
    await tile(21).click();
    await tile(25).click({ modifiers: ['Shift'] });
    await tile(28).click({ modifiers: ['ControlOrMeta'] });
    const picked = [...all.slice(21, 26), all[28]!].map((image) => image.id);
    await bulkAction('Add class', 'dog', /Added dog to 6 photos/);
    for (const id of picked) expect(await stateOf(id, 'dog')).toBe('positive');
    await expect
      .poll(
        () =>
          page.locator('.grid .tile[aria-selected="true"] .chip:not(.outline)', { hasText: 'dog' }).count(),
        slow,
      )
      .toBe(6);
    await tile(21).scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(screenshots, 'grid-selection.png') });

    // "Remove class" makes it unknown again, on all of them at once, and is one action too.
    await bulkAction('Remove class', 'dog', /Removed dog from 6 photos/);
    for (const id of picked) expect(await stateOf(id, 'dog')).toBeNull();
    const undone = await api.undo({});
    expect(undone!.imageIds.sort((a, b) => a - b)).toEqual([...picked].sort((a, b) => a - b));
    for (const id of picked) expect(await stateOf(id, 'dog')).toBe('positive');
    await api.undo({});
    for (const id of picked) expect(await stateOf(id, 'dog')).toBeNull();
    await page.keyboard.press('Escape');
  });

  it('filters by split, shows each photo’s split on its tile, and moves the selection to a split', async () => {
    // The labelled photos get a split, 80/20; the others have none. (The Train panel's preflight
    // may have given photos that earlier tests labelled for a while one already: start afresh.)
    const all = await api.listImageIds({ sort: 'name' });
    await api.setSplit({ imageIds: all.ids, split: 'none' });
    const labelled = total - (await listed({ unlabelled: true })).total;
    const counts = await api.assignSplits({});
    expect(counts).toMatchObject({ train: labelled - counts.val, test: 0, none: total - labelled });
    expect(Math.abs(counts.val - 0.2 * labelled)).toBeLessThan(1);
    await filters().getByLabel('Filter split').selectOption('val');
    await expectGridShows(await listed({ split: 'val' }));
    await expect
      .poll(() => page.locator('.grid .tile .split', { hasText: 'val' }).count(), slow)
      .toBe(counts.val);
    await filters().getByLabel('Filter split').selectOption('');
    await expectGridShows(await listed(undefined));

    const { images } = await listed(undefined);
    await tile(0).click();
    await tile(2).click({ modifiers: ['Shift'] });
    await selectionBar().getByLabel('Move the selection to a split').selectOption('test');
    await expect
      .poll(() => selectionBar().getByRole('status').textContent())
      .toMatch(/Moved 3 photos to test/);
    // Not a label action: nothing to undo from the bar.
    expect(await selectionBar().getByRole('button', { name: 'Undo' }).count()).toBe(0);
    const moved = images.slice(0, 3).map((image) => image.id);
    for (const id of moved) expect((await api.getImage({ imageId: id })).split).toBe('test');
    await expect.poll(() => page.locator('.grid .tile .split', { hasText: 'test' }).count(), slow).toBe(3);
    await filters().getByLabel('Filter split').selectOption('test');
    await expectGridShows(await listed({ split: 'test' }));
    expect((await listed({ split: 'test' })).total).toBe(3);
    await page.screenshot({ path: join(screenshots, 'grid-splits.png') });

    await api.setSplit({ imageIds: all.ids, split: 'none' });
    await expect.poll(() => head().textContent(), slow).toMatch(/Library\s*0 photos/);
  });

  it('opens a photo in the labeling workspace on a double-click or Enter', async () => {
    const { images } = await listed(undefined);
    await page.evaluate(`${viewportScript}.scrollTop = 0`);
    await tile(4).dblclick();
    const workspace = page.getByRole('dialog');
    await workspace.waitFor(slow);
    await expect.poll(() => workspace.locator('#workspace-title').textContent(), slow).toBe(images[4]!.name);
    await page.keyboard.press('Escape');
    await workspace.waitFor({ state: 'hidden' });
    // Back in the grid, on the photo it opened.
    await expect.poll(() => page.evaluate(`document.activeElement.dataset.index`)).toBe('4');

    await tile(6).focus();
    await page.keyboard.press('Enter');
    await workspace.waitFor(slow);
    await expect.poll(() => workspace.locator('#workspace-title').textContent(), slow).toBe(images[6]!.name);
    await page.keyboard.press('Escape');
    await workspace.waitFor({ state: 'hidden' });
  });
});

describe('the class panel', () => {
  const row = (name: string) => classPanel().locator(`li[data-class="${name}"]`);

  beforeEach(async () => {
    if (await page.locator('dialog[open]').count()) await page.keyboard.press('Escape');
    await page.locator('dialog[open]').waitFor({ state: 'detached' });
  });

  it('creates a class with a color and a key, refusing a key a command uses', async () => {
    await classPanel().getByLabel('New class name').fill('heron');
    await classPanel().getByLabel('New class key').fill('a');
    await expect.poll(() => classPanel().textContent()).toMatch(/"a" cannot be a class key/);
    expect(await classPanel().getByRole('button', { name: 'Add' }).isDisabled()).toBe(true);
    // Taken by an imported class (they get 1 to 9, 0, q): refused too.
    await classPanel().getByLabel('New class key').fill('1');
    await expect.poll(() => classPanel().textContent()).toMatch(/the key "1" already toggles/);
    await classPanel().getByLabel('New class key').fill('k');
    await classPanel().getByLabel('New class color').fill('#123456');
    await classPanel().getByRole('button', { name: 'Add' }).click();
    await row('heron').waitFor();
    const heron = (await api.listClasses({})).find((item) => item.name === 'heron')!;
    expect(heron).toMatchObject({ color: '#123456', hotkey: 'k' });
    // The grid's menus have it too.
    await expect.poll(() => classOptions('heron')).toBe(1);
  });

  it('renames, recolors, sets a key and a threshold; shows what the API refuses', async () => {
    await row('heron').getByLabel('Name of heron').fill('grey heron');
    await row('heron').getByLabel('Name of heron').press('Enter');
    await row('grey heron').waitFor();
    await row('grey heron').getByLabel('Color of grey heron').fill('#abcdef');
    await row('grey heron').getByLabel('Key of grey heron').fill('j');
    await row('grey heron').getByLabel('Key of grey heron').press('Tab');
    await row('grey heron').getByRole('button', { name: 'More for grey heron' }).click();
    await row('grey heron').getByLabel('Threshold of grey heron').fill('0.8');
    await row('grey heron').getByLabel('Threshold of grey heron').press('Tab');
    await expect
      .poll(async () => (await api.listClasses({})).find((item) => item.name === 'grey heron'))
      .toMatchObject({ color: '#abcdef', hotkey: 'j', threshold: 0.8 });

    // A name another class has: refused, said, and the field shows the stored name again.
    await row('grey heron').getByLabel('Name of grey heron').fill('dog');
    await row('grey heron').getByLabel('Name of grey heron').press('Enter');
    await expect
      .poll(() => classPanel().getByRole('alert').textContent())
      .toBe('a class named "dog" already exists');
    // The field is put back once the list is read again, a round trip after the alert shows.
    await expect
      .poll(() => row('grey heron').getByLabel('Name of grey heron').inputValue())
      .toBe('grey heron');
    // A key a command uses: refused before it is sent.
    await row('grey heron').getByLabel('Key of grey heron').fill('x');
    await row('grey heron').getByLabel('Key of grey heron').press('Tab');
    await expect
      .poll(() => classPanel().getByRole('alert').textContent())
      .toMatch(/"x" cannot be a class key/);
    expect((await api.listClasses({})).find((item) => item.name === 'grey heron')!.hotkey).toBe('j');
  });

  it('moves classes up and down', async () => {
    const order = async () => (await api.listClasses({})).map((item) => item.name);
    const before = await order();
    expect(before.at(-1)).toBe('grey heron');
    await row('grey heron').getByRole('button', { name: 'Move grey heron up' }).click();
    await expect.poll(order).toEqual([...before.slice(0, -2), 'grey heron', before.at(-2)!]);
    await row('grey heron').getByRole('button', { name: 'Move grey heron down' }).click();
    await expect.poll(order).toEqual(before);
  });

  it('merges a class into another after a confirmation', async () => {
    // Give the heron class labels of its own: three photos.
    const heron = await classId('grey heron');
    const dog = await classId('dog');
    const { images } = await listed({ unlabelled: true });
    const three = images.slice(0, 3).map((image: ImageSummary) => image.id);
    await api.setLabels({
      changes: three.map((imageId) => ({ imageId, classId: heron, state: 'positive' as const })),
    });

    await row('grey heron').getByRole('button', { name: 'Merge…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Merge “grey heron”' });
    await dialog.waitFor();
    await dialog.getByLabel('Merge into').selectOption({ label: 'dog' });
    expect(await dialog.textContent()).toMatch(/Ctrl\+Z does not undo a merge/);
    // Cancel leaves everything as it was.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect((await api.listClasses({})).map((item) => item.name)).toContain('grey heron');

    await row('grey heron').getByRole('button', { name: 'Merge…' }).click();
    await dialog.getByLabel('Merge into').selectOption({ label: 'dog' });
    await page.screenshot({ path: join(screenshots, 'grid-merge.png') });
    await dialog.getByRole('button', { name: 'Merge', exact: true }).click();
    await row('grey heron').waitFor({ state: 'detached' });
    expect((await api.listClasses({ includeArchived: true })).map((item) => item.name)).not.toContain(
      'grey heron',
    );
    for (const imageId of three) {
      const image = await api.getImage({ imageId });
      expect(image.labels.find((label) => label.classId === dog)?.state).toBe('positive');
    }
    // Leave the photos as they were.
    await api.setLabels({ changes: three.map((imageId) => ({ imageId, classId: dog, state: null })) });
  });

  it('archives a class and brings it back', async () => {
    await row('train').getByRole('button', { name: 'More for train' }).click();
    await row('train').getByRole('button', { name: 'Archive' }).click();
    await expect
      .poll(
        async () =>
          (await api.listClasses({ includeArchived: true })).find((c) => c.name === 'train')?.archived,
      )
      .toBe(true);
    // Out of the grid's menus.
    await expect.poll(() => classOptions('train')).toBe(0);
    await classPanel()
      .getByRole('button', { name: /Show archived \(1\)/ })
      .click();
    await classPanel()
      .getByRole('list', { name: 'Archived classes' })
      .getByRole('button', { name: 'Unarchive' })
      .click();
    await expect.poll(async () => (await api.listClasses({})).map((c) => c.name)).toContain('train');
    await expect.poll(() => classOptions('train')).toBe(1);
  });

  it("adds classes from the model's list, and the model's answers reach them at once", async () => {
    const picker = classPanel().locator('details.picker');
    await picker.locator('summary', { hasText: "Add the model's classes" }).click();
    // Model classes a project class reads already (by name, or as 'tvmonitor' reads 'tv') are left out.
    const read = (await api.getModel({}))!.mapping.map((entry) => entry.modelClass);
    expect(read).toContain('person');
    for (const name of read) {
      expect(await picker.getByRole('checkbox', { name, exact: true }).count()).toBe(0);
    }
    await picker.getByLabel("Filter the model's classes").fill('ben');
    await picker.getByRole('checkbox', { name: 'bench' }).check();
    await page.screenshot({ path: join(screenshots, 'grid-model-classes.png') });
    await picker.getByRole('button', { name: 'Add 1 class' }).click();
    await row('bench').waitFor();
    const bench = (await api.listClasses({})).find((item) => item.name === 'bench')!;
    // Every photo the model has seen (the first forty, wherever their folder sorts) has a bench score.
    const predicted = await api.listImages({ filter: { classId: bench.id, minProbability: 0 } });
    expect(predicted.total).toBe(firstCount);
    for (const image of predicted.images) {
      expect(image.predictions.map((p) => p.classId)).toContain(bench.id);
    }
    expect(await picker.getByRole('checkbox', { name: 'bench' }).count()).toBe(0);
  });

  it('logged no console error and no Content Security Policy violation on the way', async () => {
    expect(await problems()).toEqual({ consoleErrors: [], cspViolations: [] });
  });
});
