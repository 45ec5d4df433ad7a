import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyVocPhotoFiles, tempDir, vocPhotoNames } from '../../../test/fixtures/workspace';
import { listFolder } from './folder-listing';

describe('a folder listing', () => {
  it('shows subfolders with their photo counts, projects and label files, and counts the photos here', async () => {
    const home = await tempDir();
    const names = await vocPhotoNames(3);
    await copyVocPhotoFiles(join(home, 'voc'), names);
    await copyVocPhotoFiles(home, names.slice(0, 1));
    await mkdir(join(home, 'Empty'));
    await mkdir(join(home, 'folder 10'));
    await mkdir(join(home, 'folder 9'));
    await mkdir(join(home, '.cache'));
    await writeFile(join(home, 'birds.sqlite'), '');
    await writeFile(join(home, 'labels.csv'), 'filename,classes\n');
    await writeFile(join(home, 'tasks.json'), '[]');
    await writeFile(join(home, 'annotations.XML'), '<annotations/>');
    await writeFile(join(home, 'notes.txt'), '');
    await symlink(join(home, 'voc'), join(home, 'linked'));
    await symlink(join(home, 'nowhere'), join(home, 'broken'));

    const listing = await listFolder(home, home);
    expect(listing.path).toBe(home);
    expect(listing.home).toBe(home);
    expect(listing.images).toBe(1);
    expect(listing.folders).toEqual([
      { name: 'Empty', path: join(home, 'Empty'), images: 0 },
      { name: 'folder 9', path: join(home, 'folder 9'), images: 0 },
      { name: 'folder 10', path: join(home, 'folder 10'), images: 0 },
      { name: 'linked', path: join(home, 'linked'), images: 3 },
      { name: 'voc', path: join(home, 'voc'), images: 3 },
    ]);
    expect(listing.projects).toEqual([{ name: 'birds.sqlite', path: join(home, 'birds.sqlite') }]);
    expect(listing.labelFiles.map((file) => file.name)).toEqual([
      'annotations.XML',
      'labels.csv',
      'tasks.json',
    ]);
    expect(listing.crumbs[0]).toEqual({ name: '/', path: '/' });
    expect(listing.crumbs.slice(1).map((crumb) => crumb.name)).toEqual(home.split('/').filter(Boolean));
    expect(listing.crumbs.at(-1)!.path).toBe(home);
  });

  it('says why a folder cannot be listed', async () => {
    const home = await tempDir();
    await writeFile(join(home, 'file.txt'), '');
    await expect(listFolder(join(home, 'gone'), home)).rejects.toMatchObject({
      code: 'bad_input',
      message: `cannot open folder ${join(home, 'gone')}: it does not exist`,
    });
    await expect(listFolder(join(home, 'file.txt'), home)).rejects.toMatchObject({
      code: 'bad_input',
      message: `${join(home, 'file.txt')} is not a folder`,
    });
  });

  it('says a folder it may not read is not readable, and lists it without a count in its parent', async () => {
    const home = await tempDir();
    const locked = join(home, 'locked');
    await mkdir(locked, { mode: 0o000 });
    // Root reads through any mode bits; the kernel still refuses it another process's mapped files.
    const unreadable = process.getuid?.() === 0 ? '/proc/1/map_files' : locked;
    try {
      await expect(listFolder(unreadable, home)).rejects.toMatchObject({
        code: 'bad_input',
        message: `cannot read folder ${unreadable}: permission denied`,
      });
      const parent = dirname(unreadable);
      const entry = (await listFolder(parent, home)).folders.find((folder) => folder.path === unreadable);
      expect(entry).toEqual({ name: basename(unreadable), path: unreadable, images: null });
    } finally {
      await chmod(locked, 0o700);
    }
  });
});
