// End to end in Chromium: a first session without typing a path. The studio's home folder is this
// file's temp folder; the start screen's recent projects, the folder browser for a new project, the
// import folder and its label file, and a typed relative path landing in the home folder.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { reportFigure, screenshots, slow, startE2eApp } from '../fixtures/e2e';
import { copyVocPhotos } from '../fixtures/workspace';

const { dir, api, host, page, problems } = await startE2eApp('files');
let photoNames: string[];

beforeAll(async () => {
  photoNames = (await copyVocPhotos(join(dir, 'photos'), 6)).names;
  await mkdir(join(dir, 'Documents'));
  // Two projects opened before: one still there, one since deleted.
  await api.createProject({ path: join(dir, 'gone.sqlite') });
  await api.createProject({ path: join(dir, 'older.sqlite') });
  await api.closeProject({});
  await rm(join(dir, 'gone.sqlite'));
});

const browserDialog = () => page.getByRole('dialog');
const entry = (within: Locator, name: string) =>
  within
    .getByRole('list', { name: 'Folder contents' })
    .getByRole('button', { name: new RegExp(`^${name}\\b`) });

describe('the start screen', () => {
  it('lists the recent projects, the one deleted marked missing', async () => {
    await page.goto(host.openUrl);
    const recent = page.getByRole('list', { name: 'Recent projects' });
    await expect
      .poll(() => recent.getByRole('listitem').allInnerTexts())
      .toEqual([
        expect.stringMatching(new RegExp(`^older\\s+${join(dir, 'older.sqlite')}\\s+Forget$`)),
        expect.stringMatching(new RegExp(`^gone\\s+${join(dir, 'gone.sqlite')}\\s+missing\\s+Forget$`)),
      ]);
    expect(await recent.getByRole('button', { name: /^gone/ }).isDisabled()).toBe(true);
    await page.screenshot({ path: join(screenshots, 'files-start.png') });

    await recent.getByRole('button', { name: 'Forget gone' }).click();
    await expect.poll(() => recent.getByRole('listitem').count()).toBe(1);
  });

  it('creates a project in a folder browsed to, from the home folder', async () => {
    await page.getByRole('button', { name: 'New project…' }).click();
    const dialog = browserDialog();
    await dialog.getByRole('heading', { name: 'Create a project' }).waitFor();
    const contents = dialog.getByRole('list', { name: 'Folder contents' });
    await expect
      .poll(() => contents.getByRole('listitem').allInnerTexts())
      .toEqual([
        expect.stringMatching(/Documents$/),
        expect.stringMatching(/photos\s+6 photos$/),
        expect.stringMatching(/older\.sqlite$/),
      ]);
    await page.screenshot({ path: join(screenshots, 'files-browser-home.png') });
    // The existing project is shown, not pickable: a new project needs a new name.
    expect(await entry(dialog, 'older\\.sqlite').isDisabled()).toBe(true);
    const crumbs = dialog.getByRole('navigation', { name: 'Folder path' });
    expect(await crumbs.locator('[aria-current="location"]').textContent()).toBe(dir.split('/').at(-1));

    await entry(dialog, 'Documents').click();
    await expect.poll(() => crumbs.locator('[aria-current="location"]').textContent()).toBe('Documents');
    await dialog.getByLabel('New project name').fill('birds');
    await page.screenshot({ path: join(screenshots, 'files-new-project.png') });
    await dialog.getByRole('button', { name: 'Create here' }).click();
    await page.getByRole('heading', { level: 1, name: 'birds' }).waitFor();
    expect((await api.getProject({}))?.path).toBe(join(dir, 'Documents', 'birds.sqlite'));
  });

  it('imports a folder and its label file chosen in the browser', async () => {
    await page.getByRole('button', { name: 'Browse for photos' }).click();
    const dialog = browserDialog();
    await dialog.getByRole('heading', { name: 'Choose the folder of photos' }).waitFor();
    // It opens at home (the field is empty); a breadcrumb goes back up.
    const crumbs = dialog.getByRole('navigation', { name: 'Folder path' });
    await expect
      .poll(() => crumbs.locator('[aria-current="location"]').textContent())
      .toBe(dir.split('/').at(-1));
    await entry(dialog, 'photos').click();
    await expect.poll(() => dialog.locator('footer').textContent()).toMatch(/6 photos right in this folder/);
    await page.screenshot({ path: join(screenshots, 'files-import-folder.png') });
    await dialog.getByRole('button', { name: 'Use this folder' }).click();
    expect(await page.getByLabel('Folder', { exact: true }).inputValue()).toBe(join(dir, 'photos'));

    // The label file browser opens in the photo folder, where labels.csv is.
    await page.getByRole('button', { name: 'Browse for a labels file' }).click();
    await dialog.getByRole('heading', { name: 'Choose a label file or a VOC folder' }).waitFor();
    await entry(dialog, 'labels\\.csv').click();
    expect(await page.getByLabel(/^Labels file/).inputValue()).toBe(join(dir, 'photos', 'labels.csv'));

    await page.getByRole('button', { name: 'Start import' }).click();
    await page.getByRole('heading', { name: 'Import finished' }).waitFor(slow);
    expect(await reportFigure(page, 'New')).toBe(String(photoNames.length));
    expect(await page.getByText(/Labels: 6 photos labelled/).isVisible()).toBe(true);
  });

  it('says why a folder cannot be opened, and keeps the one shown', async () => {
    await mkdir(join(dir, 'soon-gone'));
    await page.getByRole('button', { name: 'Browse for photos' }).click();
    const dialog = browserDialog();
    // It opens at the folder the field holds.
    await expect.poll(() => dialog.locator('footer').textContent()).toMatch(/6 photos right in this folder/);
    await dialog
      .getByRole('navigation', { name: 'Folder path' })
      .getByRole('button', { name: 'Home' })
      .click();
    await entry(dialog, 'soon-gone').waitFor();
    await rm(join(dir, 'soon-gone'), { recursive: true });
    await entry(dialog, 'soon-gone').click();
    await expect
      .poll(() => dialog.getByRole('alert').textContent())
      .toBe(`cannot open folder ${join(dir, 'soon-gone')}: it does not exist`);
    expect(await entry(dialog, 'photos').isVisible()).toBe(true);
    await page.screenshot({ path: join(screenshots, 'files-folder-error.png') });
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);
    expect(await page.getByLabel('Folder', { exact: true }).inputValue()).toBe(join(dir, 'photos'));
  });

  it('opens a recent project in one click, and takes a typed relative path from the home folder', async () => {
    await page.getByRole('button', { name: 'Close project' }).click();
    const recent = page.getByRole('list', { name: 'Recent projects' });
    await expect
      .poll(() => recent.getByRole('listitem').allInnerTexts())
      .toEqual([expect.stringMatching(/^birds\s/), expect.stringMatching(/^older\s/)]);
    await recent.getByRole('button', { name: /^older/ }).click();
    // Its text, not its visibility: the review menu's stale error after a close (not this test's
    // subject) can squeeze the heading to no width.
    await expect.poll(() => page.locator('h1.project-name').textContent()).toBe('older');
    await page.getByRole('button', { name: 'Close project' }).click();

    await page.getByLabel('Project file').fill('typed.sqlite');
    await page.getByRole('button', { name: 'Create new' }).click();
    await expect.poll(() => page.locator('h1.project-name').textContent()).toBe('typed');
    expect((await api.getProject({}))?.path).toBe(join(dir, 'typed.sqlite'));
    expect(await problems()).toEqual({ consoleErrors: [], cspViolations: [] });
  });
});
