import { existsSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importAndWait, newStudio } from '../../test/fixtures/direct-api';
import { copyVocPhotos } from '../../test/fixtures/workspace';
import { thumbnailFolder } from './library/thumbnails';

/** A project with three labelled VOC photos, and a folder beside it to export to. */
async function labelledProject() {
  const context = await newStudio();
  const { labelsFile } = await copyVocPhotos(join(context.dir, 'photos'), 3);
  await importAndWait(context.api, join(context.dir, 'photos'), labelsFile);
  const out = join(context.dir, 'out');
  await mkdir(out);
  return { ...context, out };
}

describe('writing to a path a request names', () => {
  it("refuses the project's own files, however the path leads there, and the project stays whole", async () => {
    const { api, dir, projectPath, out } = await labelledProject();
    await symlink(projectPath, join(out, 'link-to-project.sqlite'));
    await symlink(dir, join(out, 'link-to-project-folder'));
    const refused = [
      projectPath,
      `${projectPath}-wal`,
      `${projectPath}-shm`,
      join(out, 'link-to-project.sqlite'),
      join(out, 'link-to-project-folder', 'project.sqlite'),
      join(out, '..', 'project.sqlite'),
      thumbnailFolder(projectPath),
      join(thumbnailFolder(projectPath), 'labels.csv'),
      join(thumbnailFolder(projectPath), 'not-yet', 'labels.csv'),
      join(out, 'link-to-project-folder', 'project.thumbs', 'labels.csv'),
      join(dir, 'project.features', 'labels.csv'),
      join(dir, 'project.models', 'v1', 'model.onnx'),
    ];
    for (const path of refused)
      await expect(api.exportLabels({ format: 'labels-csv', out: path }), path).rejects.toMatchObject({
        code: 'conflict',
        message: `${path} is the project's own file; choose another output path`,
      });

    await api.closeProject({});
    expect((await api.openProject({ path: projectPath })).imageCount).toBe(3);
    expect(await api.exportLabels({ format: 'labels-csv', out: join(out, 'labels.csv') })).toMatchObject({
      rows: 3,
    });
  });

  it('writes beside the project under another name, which is no file of the project', async () => {
    const { api, dir } = await labelledProject();
    const out = join(dir, 'project.csv');
    expect(await api.exportLabels({ format: 'labels-csv', out })).toEqual({
      path: out,
      format: 'labels-csv',
      rows: 3,
      losses: [],
    });
    expect((await readFile(out, 'utf8')).split('\n')[0]).toBe('filename,classes');
  });

  it('replaces an existing file whole, and writes through a link to where it points', async () => {
    const { api, out } = await labelledProject();
    const file = join(out, 'labels.csv');
    await writeFile(file, 'an older and much longer file\n'.repeat(1000));
    await api.exportLabels({ format: 'labels-csv', out: file });
    const written = await readFile(file, 'utf8');
    expect(written.split('\n').filter(Boolean)).toHaveLength(4);
    expect(written).not.toContain('older');

    const link = join(out, 'latest.csv');
    await symlink(file, link);
    await writeFile(file, 'previous\n');
    await api.exportLabels({ format: 'labels-csv', out: link });
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readFile(file, 'utf8')).toBe(written);
    expect(await readdir(out)).toEqual(['labels.csv', 'latest.csv']);
  });

  it("creates no new project among the open project's own files", async () => {
    const { api, projectPath } = await labelledProject();
    const inside = join(thumbnailFolder(projectPath), 'new.sqlite');
    await expect(api.createProject({ path: inside })).rejects.toMatchObject({
      code: 'conflict',
      message: `${inside} is the project's own file; choose another output path`,
    });
    expect(existsSync(inside)).toBe(false);
    expect(await api.getProject({})).toMatchObject({ path: projectPath, imageCount: 3 });
  });

  it('fails with the reason and leaves no temporary file when the write cannot finish', async () => {
    const { api, out } = await labelledProject();
    const folder = join(out, 'a-folder');
    await mkdir(folder);
    await expect(api.exportLabels({ format: 'labels-csv', out: folder })).rejects.toMatchObject({
      code: 'io_error',
      message: `cannot write ${folder}: is a folder`,
    });
    await expect(
      api.exportLabels({ format: 'labels-csv', out: join(out, 'missing', 'labels.csv') }),
    ).rejects.toMatchObject({ code: 'io_error', message: /labels\.csv: no such file/ });
    expect(await readdir(out)).toEqual(['a-folder']);
  });
});
