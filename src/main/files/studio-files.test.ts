// The studio's file-facing operations end to end on a real studio: typed paths, the folder listing
// and the recent projects, as the start screen and the import panel use them.
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTestStudio, importAndWait } from '../../../test/fixtures/direct-api';
import { copyVocPhotos, tempDir } from '../../../test/fixtures/workspace';
import { createClient } from '$shared/rpc';
import { createStudio } from '../api';

describe('paths a person types', () => {
  it('start at the home folder, never at the working folder', async () => {
    const { api, dir } = await createTestStudio();
    const { names } = await copyVocPhotos(join(dir, 'photos'), 3);
    const project = await api.createProject({ path: 'rel.sqlite' });
    expect(project.path).toBe(join(dir, 'rel.sqlite'));
    expect(existsSync(join(dir, 'rel.sqlite'))).toBe(true);
    expect(existsSync(join(process.cwd(), 'rel.sqlite'))).toBe(false);

    const { report } = await importAndWait(api, '~/photos', 'photos/labels.csv');
    expect(report).toMatchObject({ status: 'done', added: names.length });
    expect(report.labels?.photosLabelled).toBe(names.length);
    expect((await api.exportLabels({ format: 'labels-csv', out: 'out.csv' })).path).toBe(
      join(dir, 'out.csv'),
    );

    await api.closeProject({});
    expect((await api.openProject({ path: '~/rel.sqlite' })).path).toBe(join(dir, 'rel.sqlite'));
  });
});

describe('the folder listing', () => {
  it('opens at the home folder, and takes typed paths from there', async () => {
    const { api, dir } = await createTestStudio();
    await copyVocPhotos(join(dir, 'photos'), 2);
    const home = await api.listFolder({});
    expect(home.path).toBe(dir);
    expect(home.folders).toEqual([{ name: 'photos', path: join(dir, 'photos'), images: 2 }]);
    const photos = await api.listFolder({ path: 'photos' });
    expect(photos).toMatchObject({ path: join(dir, 'photos'), images: 2, home: dir });
    expect(photos.labelFiles.map((file) => file.name)).toEqual(['labels.csv']);
    await expect(api.listFolder({ path: 'nowhere' })).rejects.toMatchObject({
      code: 'bad_input',
      message: `cannot open folder ${join(dir, 'nowhere')}: it does not exist`,
    });
  });
});

describe('recent projects', () => {
  it('lists the projects created and opened, newest first, and marks one that is gone', async () => {
    const { api, dir } = await createTestStudio();
    const [a, b] = [join(dir, 'a.sqlite'), join(dir, 'b.sqlite')];
    expect(await api.listRecentProjects({})).toEqual([]);
    await api.createProject({ path: a });
    await api.createProject({ path: b });
    await api.openProject({ path: a });
    await api.closeProject({});
    await rm(b);
    expect(await api.listRecentProjects({})).toEqual([
      { path: a, name: 'a', openedAt: expect.any(String), missing: false },
      { path: b, name: 'b', openedAt: expect.any(String), missing: true },
    ]);
    // A failed open is not remembered.
    await expect(api.openProject({ path: b })).rejects.toMatchObject({ code: 'not_found' });
    expect((await api.forgetRecentProject({ path: b })).map((item) => item.path)).toEqual([a]);
    expect((await api.listRecentProjects({})).map((item) => item.path)).toEqual([a]);
  });

  it('are kept only by a studio given a settings file: a script run through the CLI leaves none', async () => {
    const dir = await tempDir();
    const studio = createStudio({ home: dir });
    try {
      const api = createClient(studio);
      await api.createProject({ path: 'p.sqlite' });
      expect(await api.listRecentProjects({})).toEqual([]);
    } finally {
      await studio.close();
    }
  });
});
