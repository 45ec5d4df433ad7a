import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/fixtures/workspace';
import { recentLimit, UserSettings } from './settings';

describe('the user settings file', () => {
  it('keeps recent projects newest first, once each, and marks those no longer there', async () => {
    const dir = await tempDir();
    const file = join(dir, 'config', 'csra-studio', 'settings.json');
    const [a, b] = [join(dir, 'a.sqlite'), join(dir, 'b.sqlite')];
    await writeFile(a, '');
    const settings = new UserSettings(file);
    expect(await settings.recentProjects()).toEqual([]);
    await settings.rememberProject(a);
    await settings.rememberProject(b);
    await settings.rememberProject(a);
    expect(await settings.recentProjects()).toEqual([
      { path: a, name: 'a', openedAt: expect.any(String), missing: false },
      { path: b, name: 'b', openedAt: expect.any(String), missing: true },
    ]);
    // Another process (the desktop app beside the host) reads the same file.
    expect((await new UserSettings(file).recentProjects()).map((item) => item.path)).toEqual([a, b]);
    await settings.forgetProject(b);
    expect((await settings.recentProjects()).map((item) => item.path)).toEqual([a]);
  });

  it(`keeps the last ${recentLimit}, writes whole files only and leaves no temporary file`, async () => {
    const dir = await tempDir();
    const file = join(dir, 'settings.json');
    const settings = new UserSettings(file);
    const paths = Array.from({ length: recentLimit + 3 }, (_, i) => join(dir, `p${i}.sqlite`));
    // Not awaited one by one: the writes queue, and none loses another's entry.
    await Promise.all(paths.map((path) => settings.rememberProject(path)));
    expect((await settings.recentProjects()).map((item) => item.path)).toEqual(
      paths.slice(-recentLimit).reverse(),
    );
    expect(JSON.parse(await readFile(file, 'utf8')).recentProjects).toHaveLength(recentLimit);
    expect(await readdir(dir)).toEqual(['settings.json']);
  });

  it('starts afresh from a file that is not its JSON, and then writes a good one', async () => {
    const dir = await tempDir();
    const file = join(dir, 'settings.json');
    await writeFile(file, '{ half written');
    const settings = new UserSettings(file);
    expect(await settings.recentProjects()).toEqual([]);
    await settings.rememberProject(join(dir, 'p.sqlite'));
    expect(JSON.parse(await readFile(file, 'utf8')).recentProjects).toHaveLength(1);
  });

  it('fails a write it cannot make and leaves no temporary file behind', async () => {
    const dir = await tempDir();
    // A folder (with something in it) where the file should be: no rename can replace it.
    const file = join(dir, 'settings.json');
    await mkdir(file);
    await writeFile(join(file, 'keep'), '');
    const settings = new UserSettings(file);
    await expect(settings.rememberProject(join(dir, 'p.sqlite'))).rejects.toThrow();
    expect((await readdir(dir)).sort()).toEqual(['settings.json']);
    // The queue goes on after a failed write.
    expect(await settings.recentProjects()).toEqual([]);
  });
});
