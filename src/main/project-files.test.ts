// A project is its file and the folders beside it: Save As carries them, nothing is written over,
// and a project that arrives without them opens and says what it lacks. Real projects of real VOC
// photos; the trained versions' side of it runs through the CLI (test/cli.test.ts).
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importAndWait, newStudio } from '../../test/fixtures/direct-api';
import { copyVocPhotos } from '../../test/fixtures/workspace';
import { createClient } from '$shared/rpc';
import { createStudio } from './api';
import { thumbnailFolder } from './library/thumbnails';
import { moveProject } from './project-files';

/** A project of three real photos, with their thumbnails, open in a studio. */
async function threePhotoProject() {
  const context = await newStudio();
  const folder = join(context.dir, 'photos');
  await copyVocPhotos(folder, 3);
  await importAndWait(context.api, folder);
  return context;
}

const filesUnder = async (folder: string) => (await readdir(folder, { recursive: true })).sort();

describe('Save As', () => {
  it('copies the open project with its thumbnails to a new file and goes on in the copy', async () => {
    const { api, studio, projectPath, dir } = await threePhotoProject();
    const copy = join(dir, 'saved.sqlite');
    const saved = await api.saveProjectAs({ path: copy });
    expect(saved).toMatchObject({ path: copy, name: 'saved', imageCount: 3, missingFolders: [] });
    expect((await api.getProject({}))!.path).toBe(copy);
    expect(await filesUnder(thumbnailFolder(copy))).toEqual(await filesUnder(thumbnailFolder(projectPath)));
    const [photo] = (await api.listImages({})).images;
    expect((await studio.readMedia('thumb', photo!.id)).bytes.length).toBeGreaterThan(0);

    // The original is still whole.
    const other = createStudio();
    try {
      expect(await createClient(other).openProject({ path: projectPath })).toMatchObject({ imageCount: 3 });
    } finally {
      await other.close();
    }
  });

  it('refuses a path where a part of a project already is, or inside the project, and writes nothing', async () => {
    const { api, projectPath, dir } = await threePhotoProject();
    await mkdir(join(dir, 'taken.thumbs'));
    await expect(api.saveProjectAs({ path: join(dir, 'taken.sqlite') })).rejects.toThrow(
      `${join(dir, 'taken.thumbs')} already exists; a project is never copied over anything`,
    );
    expect(existsSync(join(dir, 'taken.sqlite'))).toBe(false);
    await expect(api.saveProjectAs({ path: projectPath })).rejects.toThrow(/project's own file/);
    const inside = join(thumbnailFolder(projectPath), 'inside.sqlite');
    await expect(api.saveProjectAs({ path: inside })).rejects.toThrow(/project's own file/);
    expect(existsSync(inside)).toBe(false);
    const nowhere = join(dir, 'nowhere', 'saved.sqlite');
    await expect(api.saveProjectAs({ path: nowhere })).rejects.toThrow(
      `no folder ${join(dir, 'nowhere')} to copy the project into`,
    );
    expect((await readdir(dir)).filter((name) => name.includes('.partial') || name === 'nowhere')).toEqual(
      [],
    );
    expect((await api.getProject({}))!.path).toBe(projectPath);
  });
});

describe('a project renamed without its folders', () => {
  it('opens, and says which folder it expected and what is lost without it', async () => {
    const { api, projectPath, dir } = await threePhotoProject();
    await api.closeProject({});
    const renamed = join(dir, 'renamed.sqlite');
    await rename(projectPath, renamed);
    expect((await api.openProject({ path: renamed })).missingFolders).toEqual([
      {
        path: join(dir, 'renamed.thumbs'),
        loss: 'each thumbnail is made again from its photo when first shown',
      },
    ]);
  });
});

describe('moving a project', () => {
  it('refuses while the project is open, and moves it with its folders once it is closed', async () => {
    const { api, projectPath, dir } = await threePhotoProject();
    const target = join(dir, 'moved.sqlite');
    await expect(moveProject(projectPath, target)).rejects.toThrow(
      `${projectPath} is open in another process (the app, a host or a command); close it there first`,
    );
    expect(existsSync(target)).toBe(false);
    const thumbnails = await filesUnder(thumbnailFolder(projectPath));

    await api.closeProject({});
    expect(await moveProject(projectPath, target)).toBe(target);
    expect(await filesUnder(thumbnailFolder(target))).toEqual(thumbnails);
    expect((await readdir(dir)).filter((name) => name.startsWith('project.'))).toEqual([]);
    expect(await api.openProject({ path: target })).toMatchObject({ imageCount: 3, missingFolders: [] });
  });
});
