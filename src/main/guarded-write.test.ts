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

  it('never writes over a file that is there, nor through a link there, even one leading nowhere', async () => {
    const { api, out } = await labelledProject();
    const file = join(out, 'labels.csv');
    await writeFile(file, 'previous\n');
    await symlink(file, join(out, 'latest.csv'));
    await symlink(join(out, 'nowhere.csv'), join(out, 'dangling.csv'));
    for (const path of [file, join(out, 'latest.csv'), join(out, 'dangling.csv')])
      await expect(api.exportLabels({ format: 'labels-csv', out: path }), path).rejects.toMatchObject({
        code: 'conflict',
        message: `${path} already exists; an export writes only new files: choose another name`,
      });
    expect(await readFile(file, 'utf8')).toBe('previous\n');
    expect((await lstat(join(out, 'latest.csv'))).isSymbolicLink()).toBe(true);
    expect(await readdir(out)).toEqual(['dangling.csv', 'labels.csv', 'latest.csv']);

    await api.exportLabels({ format: 'labels-csv', out: join(out, 'new.csv') });
    expect((await readFile(join(out, 'new.csv'), 'utf8')).split('\n').filter(Boolean)).toHaveLength(4);
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
    await expect(
      api.exportLabels({ format: 'labels-csv', out: join(out, 'missing', 'labels.csv') }),
    ).rejects.toMatchObject({ code: 'io_error', message: /labels\.csv: no such file/ });
    expect(await readdir(out)).toEqual([]);
  });
});
