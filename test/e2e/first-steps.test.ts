// End to end in Debian's Chromium: what a new user meets first around pre-labels and review. A
// folder imported without classes (the pre-label panel says why nothing shows and adds the model's
// classes in one click; Pre-label with every photo done says so and offers a run again), then a
// folder with its labels.csv (Enter confirms a photo the file labelled: its labels become the
// person's, undoable, and the grid filters reviewed / not reviewed), and adding every class the
// model offers, which asks first.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { Api } from '$shared/rpc';
import { copyVocPhotoFiles, vocPhotoNames } from '../fixtures/voc';
import { copyVocPhotos } from '../fixtures/workspace';
import { screenshots, slow, startE2eApp } from '../fixtures/e2e';

const { dir, api, host, page, problems } = await startE2eApp('first-steps');

beforeAll(async () => {
  await mkdir(screenshots, { recursive: true });
  await page.goto(host.openUrl);
}, 60_000);

const prelabelPanel = () => page.locator('section[aria-labelledby="prelabel-title"]');
const classPanel = () => page.getByRole('region', { name: 'Classes' });
const filters = () => page.getByRole('form', { name: 'Filters' });
const libraryHead = () => page.locator('.library .head');
const stage = () => page.locator('.photo-stage');

/** Opens a new project named `name` in the app and imports `folder` into it, waiting for the pre-label run it starts. */
async function projectWith(name: string, folder: string, labelsFile?: string): Promise<void> {
  await api.createProject({ path: join(dir, `${name}.sqlite`) });
  await page.getByRole('heading', { level: 1, name }).waitFor(slow);
  await api.startImport({ folder, ...(labelsFile ? { labelsFile } : {}) });
  await prelabelRuns(api, 1);
}

/** Waits until `count` pre-label runs are done, each over every photo of the project. */
async function prelabelRuns(client: Api, count: number): Promise<void> {
  await vi.waitFor(
    async () => {
      const photos = (await client.listImages({ limit: 1 })).total;
      const runs = (await client.listJobs({})).filter((job) => job.kind === 'prelabel');
      expect(runs.filter((job) => job.status === 'done' && job.done === photos)).toHaveLength(count);
    },
    { timeout: 180_000, interval: 250 },
  );
}

describe('first steps', () => {
  it("pre-labeling without classes says why nothing shows, and adds the model's classes in one click", async () => {
    const folder = join(dir, 'bare');
    await copyVocPhotoFiles(folder, await vocPhotoNames(4));
    await projectWith('bare', folder);

    const note = prelabelPanel().getByRole('note', { name: 'No classes' });
    await note.waitFor(slow);
    expect(await note.textContent()).toMatch(/no classes yet, so pre-labels have nothing to show/);
    await prelabelPanel().screenshot({ path: join(screenshots, 'first-steps-no-classes.png') });

    await note.getByRole('button', { name: "Add the model's 80 classes" }).click();
    await expect.poll(async () => (await api.listClasses({})).length, slow).toBe(80);
    await note.waitFor({ state: 'detached', ...slow });
    // The run's predictions reach the new classes at once: no second run is needed.
    expect((await api.getModel({}))!.mapping).toHaveLength(80);
  }, 240_000);

  it('Pre-label with every photo done says so instead of running for none, and runs again on request', async () => {
    await prelabelPanel().getByRole('button', { name: 'Pre-label', exact: true }).click();
    const done = prelabelPanel().getByRole('status').filter({ hasText: 'pre-labelled by this version' });
    await done.waitFor(slow);
    expect((await done.textContent())!.replace(/\s+/g, ' ')).toContain(
      'All 4 photos are pre-labelled by this version',
    );
    expect((await api.listJobs({})).filter((job) => job.kind === 'prelabel')).toHaveLength(1);
    await prelabelPanel().screenshot({ path: join(screenshots, 'first-steps-all-predicted.png') });

    await done.getByRole('button', { name: 'Pre-label all again' }).click();
    await prelabelRuns(api, 2);
    await done.waitFor({ state: 'detached', ...slow });
  }, 240_000);

  it('Enter on a photo labelled by labels.csv makes its labels the person’s, undoably; the grid filters reviewed', async () => {
    const folder = join(dir, 'voc');
    const { labelsFile } = await copyVocPhotos(folder, 4);
    await projectWith('voc', folder, labelsFile);
    const images = (await api.listImages({})).images;
    expect(images.every((image) => image.labels.every((label) => label.source === 'imported'))).toBe(true);

    await page.getByRole('button', { name: 'Label photos' }).click();
    const dialog = page.getByRole('dialog', { name: /\.jpg$/ });
    await dialog.waitFor(slow);
    await expect.poll(() => stage().getAttribute('data-image-id'), slow).not.toBe('');
    const photoId = Number(await stage().getAttribute('data-image-id'));
    const imported = images.find((image) => image.id === photoId)!.labels;
    const sources = async () =>
      [...new Set((await api.getImage({ imageId: photoId })).labels.map((label) => label.source))].sort();
    const press = async (key: string) => {
      const before = Number(await stage().getAttribute('data-label-committed'));
      await page.keyboard.press(key);
      await expect
        .poll(async () => Number(await stage().getAttribute('data-label-committed')), slow)
        .toBe(before + 1);
    };

    await press('Enter');
    expect(await sources()).toEqual(['human']);
    await press('Control+z');
    expect((await api.getImage({ imageId: photoId })).labels).toEqual(imported);
    await press('Control+Shift+z');
    expect(await sources()).toEqual(['human']);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached', ...slow });

    await filters().getByLabel('Filter reviewed').selectOption('Reviewed');
    await expect.poll(() => libraryHead().textContent(), slow).toMatch(/1 photo\s*· reviewed/);
    await expect.poll(() => page.locator('.grid .tile[data-image-id]').count(), slow).toBe(1);
    expect(await page.locator('.grid .tile[data-image-id]').getAttribute('data-image-id')).toBe(
      String(photoId),
    );
    await page.screenshot({ path: join(screenshots, 'first-steps-reviewed-filter.png') });
    await filters().getByLabel('Filter reviewed').selectOption('Not reviewed');
    await expect.poll(() => libraryHead().textContent(), slow).toMatch(/3 photos\s*· not reviewed/);
    await filters().getByLabel('Filter reviewed').selectOption('Any');
    await expect.poll(() => libraryHead().textContent(), slow).toMatch(/^\s*Library\s*4 photos\s*$/);
  }, 240_000);

  it("'Add all shown' of the model's classes asks first, and Cancel adds nothing", async () => {
    const picker = classPanel().locator('details.picker');
    await picker.locator('summary', { hasText: "Add the model's classes" }).click();
    const addAll = picker.getByRole('button', { name: /^Add all \d+ shown$/ });
    const shown = Number((await addAll.textContent())!.match(/\d+/)![0]);
    expect(shown).toBeGreaterThan(1);
    const before = (await api.listClasses({})).length;

    await addAll.click();
    const ask = picker.getByRole('alertdialog', { name: `Add ${shown} classes to the project?` });
    await ask.waitFor(slow);
    await page.screenshot({ path: join(screenshots, 'first-steps-add-all-asks.png') });
    expect((await api.listClasses({})).length).toBe(before);
    await ask.getByRole('button', { name: 'Cancel' }).click();
    await ask.waitFor({ state: 'detached' });
    expect((await api.listClasses({})).length).toBe(before);

    await addAll.click();
    await ask.getByRole('button', { name: `Add ${shown} classes` }).click();
    await expect.poll(async () => (await api.listClasses({})).length, slow).toBe(before + shown);
    await ask.waitFor({ state: 'detached', ...slow });
  });

  it('logged no console error and no Content Security Policy violation on the way', async () => {
    expect(await problems()).toEqual({ consoleErrors: [], cspViolations: [] });
  });
});
