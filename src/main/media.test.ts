import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { importAndWait, newStudio } from '../../test/fixtures/direct-api';
import { vocImages } from '../../test/fixtures/paths';
import { copyVocPhotoFiles, copyVocPhotos, vocPhotoNames } from '../../test/fixtures/workspace';
import type { ApiEvent } from '$shared/rpc';
import { thumbnailPath } from './library/thumbnails';

/** A project with three imported photos; `photo(name)` is one of them, by file name. */
async function studioWithPhotos() {
  const { api, studio, dir } = await newStudio();
  const folder = join(dir, 'photos');
  const { names } = await copyVocPhotos(folder, 3);
  await importAndWait(api, folder);
  const { images } = await api.listImages({ limit: 10 });
  const photo = (name: string) => {
    const image = images.find((candidate) => candidate.name === name)!;
    return { id: image.id, path: image.path };
  };
  const changedOnDisk = async () =>
    (await api.listImages({ limit: 10 })).images
      .filter((image) => image.changedOnDisk)
      .map((image) => image.name);
  return { api, studio, dir, names, photo, changedOnDisk };
}

const changed = { code: 'not_found', message: 'the photo changed on disk since import' };

/** Where the project in `dir` keeps the thumbnail of the photo at `path` (named by its content). */
async function thumbnailOf(dir: string, path: string): Promise<string> {
  const sha = createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
  return thumbnailPath(join(dir, 'project.sqlite'), sha);
}

describe('a photo served by id', () => {
  it('is the file the import read, byte for byte', async () => {
    const { studio, names, photo, changedOnDisk } = await studioWithPhotos();
    const { id, path } = photo(names[0]!);
    const media = await studio.readMedia('photo', id);
    expect(media).toEqual({ bytes: await readFile(path), type: 'image/jpeg' });
    expect(await changedOnDisk()).toEqual([]);
  });

  it('is refused, and marked in the grid, once its file is no longer the one imported', async () => {
    const { api, studio, dir, names, photo, changedOnDisk } = await studioWithPhotos();
    const secret = join(dir, 'secret.txt');
    await writeFile(secret, 'not for the browser\n');
    const [linked, rewritten, touched] = names.map(photo);
    // A link swapped in for the photo, to a file the import never read.
    await rm(linked!.path);
    await symlink(secret, linked!.path);
    // The same file, rewritten with another photo's bytes.
    const other = (await vocPhotoNames(4))[3]!;
    await copyFile(join(vocImages, other), rewritten!.path);
    // The same bytes, edited at another time.
    await utimes(touched!.path, new Date('2001-02-03'), new Date('2001-02-03'));

    const events: ApiEvent[] = [];
    api.onEvent((event) => events.push(event));
    for (const { id } of [linked!, rewritten!, touched!]) {
      await expect(studio.readMedia('photo', id)).rejects.toMatchObject(changed);
      expect(await api.getImage({ imageId: id })).toMatchObject({ changedOnDisk: true });
    }
    // Views showing the photos hear of it (once: asking again changes nothing).
    await expect(studio.readMedia('photo', linked!.id)).rejects.toMatchObject(changed);
    expect(events).toEqual(
      [linked!, rewritten!, touched!].map(({ id }) => ({ type: 'photos', imageIds: [id] })),
    );
    expect(await changedOnDisk()).toEqual(names);
    // The thumbnail is the project's own, made at import: still shown.
    expect(await studio.readMedia('thumb', linked!.id)).toMatchObject({ type: 'image/webp' });
  });

  it('is refused, without waiting for a writer, when a FIFO takes its place', async () => {
    const { studio, names, photo, changedOnDisk } = await studioWithPhotos();
    const { id, path } = photo(names[1]!);
    await rm(path);
    execFileSync('mkfifo', [path]);
    await expect(studio.readMedia('photo', id)).rejects.toMatchObject(changed);
    expect(await changedOnDisk()).toEqual([names[1]]);
  });

  it('has its thumbnail refused, without waiting for a writer, when a FIFO takes the thumbnail’s place', async () => {
    const { studio, dir, names, photo } = await studioWithPhotos();
    const { id, path } = photo(names[0]!);
    const thumbnail = await thumbnailOf(dir, path);
    await rm(thumbnail);
    execFileSync('mkfifo', [thumbnail]);
    await expect(studio.readMedia('thumb', id)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('has its thumbnail made again from the photo when the thumbnail is gone, and kept', async () => {
    const { studio, dir, names, photo } = await studioWithPhotos();
    const { id, path } = photo(names[0]!);
    const thumbnail = await thumbnailOf(dir, path);
    const made = await readFile(thumbnail);
    await rm(join(dir, 'project.thumbs'), { recursive: true });
    const media = await studio.readMedia('thumb', id);
    expect(media.type).toBe('image/webp');
    expect(await sharp(media.bytes).metadata()).toMatchObject(await sharp(made).metadata());
    expect(await readFile(thumbnail)).toEqual(media.bytes);
  });

  it('has no thumbnail made again when its photo changed on disk since import', async () => {
    const { studio, dir, names, photo } = await studioWithPhotos();
    const { id, path } = photo(names[1]!);
    await rm(join(dir, 'project.thumbs'), { recursive: true });
    await writeFile(path, 'another file now');
    await expect(studio.readMedia('thumb', id)).rejects.toMatchObject(changed);
  });

  it('is served again, and no longer marked, once its file is put back as it was', async () => {
    const { studio, names, photo, changedOnDisk } = await studioWithPhotos();
    const { id, path } = photo(names[2]!);
    const { atime, mtime } = await stat(path);
    await utimes(path, atime, new Date('2001-02-03'));
    await expect(studio.readMedia('photo', id)).rejects.toMatchObject(changed);
    await utimes(path, atime, mtime);
    expect(await studio.readMedia('photo', id)).toEqual({
      bytes: await readFile(path),
      type: 'image/jpeg',
    });
    expect(await changedOnDisk()).toEqual([]);
  });

  it('is served through a link that was there at import, which the import followed too', async () => {
    const { api, studio, dir } = await newStudio();
    const [name] = await vocPhotoNames(1);
    await copyVocPhotoFiles(join(dir, 'elsewhere'), [name!]);
    const folder = join(dir, 'photos');
    await mkdir(folder);
    await symlink(join(dir, 'elsewhere', name!), join(folder, name!));
    await importAndWait(api, folder);
    const [image] = (await api.listImages({ limit: 1 })).images;
    expect(image).toMatchObject({ path: join(folder, name!), changedOnDisk: false });
    expect(await studio.readMedia('photo', image!.id)).toEqual({
      bytes: await readFile(join(dir, 'elsewhere', name!)),
      type: 'image/jpeg',
    });
  });

  it('is checked by its size alone when it was imported before dates were recorded', async () => {
    const { studio, names, photo } = await studioWithPhotos();
    studio.project!.db.prepare('UPDATE images SET modified_at = NULL').run();
    const [touched, rewritten] = names.map(photo);
    await utimes(touched!.path, new Date('2001-02-03'), new Date('2001-02-03'));
    expect(await studio.readMedia('photo', touched!.id)).toMatchObject({ type: 'image/jpeg' });
    await writeFile(rewritten!.path, Buffer.concat([await readFile(rewritten!.path), Buffer.from('more')]));
    await expect(studio.readMedia('photo', rewritten!.id)).rejects.toMatchObject(changed);
  });
});
