import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importAndWait, newStudio } from '../../../test/fixtures/direct-api';
import { vocImages } from '../../../test/fixtures/paths';
import { tempDir, vocPhotoNames } from '../../../test/fixtures/workspace';
import { manifestName, writeExportFolder } from './export-folder';

/**
 * A project over two different real VOC photos with one name, `photos/a.jpg` and
 * `photos/train/a.jpg`, both in train: imagefolder would put the first where the second is.
 */
async function sameNames() {
  const { api, dir, projectPath } = await newStudio();
  const photos = join(dir, 'photos');
  const [first, second] = (await vocPhotoNames(2)).map((name) => join(vocImages, name)) as [string, string];
  await mkdir(join(photos, 'train'), { recursive: true });
  await copyFile(first, join(photos, 'a.jpg'));
  await copyFile(second, join(photos, 'train', 'a.jpg'));
  await importAndWait(api, photos);
  const { images } = await api.listImages({ sort: 'name' });
  await api.setSplit({ imageIds: images.map((image) => image.id), split: 'train' });
  return { api, dir, projectPath, photos, first, second };
}

/** Every file under `folder`, relative to it, sorted. */
async function listing(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => !entry.isDirectory())
    .map((entry) => join(entry.parentPath, entry.name).slice(folder.length + 1))
    .sort();
}

/** What an export writes beside its folder while at work: a new folder, an earlier one set aside. */
async function leftBeside(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => /\.(partial|replaced)$/.test(name));
}

describe('a folder export', () => {
  it("never writes in the folders of the project's photos, nor in one holding them, and they stay as they were", async () => {
    const { api, dir, photos, first, second } = await sameNames();
    const refused = {
      [photos]: `${photos} is`,
      [join(photos, 'train')]: `${join(photos, 'train')} is inside ${photos}`,
      [join(photos, 'export')]: `${join(photos, 'export')} is inside ${photos}`,
      [dir]: `${dir} holds ${photos}`,
    };
    for (const format of ['imagefolder', 'fiftyone'])
      for (const [out, said] of Object.entries(refused))
        await expect(api.exportLabels({ format, out }), `${format} ${out}`).rejects.toMatchObject({
          code: 'conflict',
          message: `${said}${said.endsWith(' is') ? '' : ','} a folder of the project's photos; export elsewhere`,
        });
    // A single file too: where it lands, the next import of the folder would look at it.
    const labels = join(photos, 'labels.csv');
    await expect(api.exportLabels({ format: 'labels-csv', out: labels })).rejects.toMatchObject({
      message: `${labels} is inside ${photos}, a folder of the project's photos; export elsewhere`,
    });
    expect(await listing(photos)).toEqual(['a.jpg', 'train/a.jpg']);
    expect(await readFile(join(photos, 'a.jpg'))).toEqual(await readFile(first));
    expect(await readFile(join(photos, 'train', 'a.jpg'))).toEqual(await readFile(second));

    const out = join(dir, 'dataset');
    expect(await api.exportLabels({ format: 'imagefolder', out })).toMatchObject({ rows: 2 });
    expect(await listing(out)).toEqual([
      manifestName,
      'README.md',
      'train/a.jpg',
      'train/metadata.jsonl',
      'train/train/a.jpg',
    ]);
    expect(await readFile(join(out, 'train', 'a.jpg'))).toEqual(await readFile(first));
    expect(await readFile(join(out, 'train', 'train', 'a.jpg'))).toEqual(await readFile(second));
  });

  it('takes a new or empty folder, and refuses one holding anything else, leaving it as it was', async () => {
    const { api, dir } = await sameNames();
    const empty = join(dir, 'empty');
    await mkdir(empty);
    await api.exportLabels({ format: 'fiftyone', out: empty });
    expect(await listing(empty)).toEqual([manifestName, 'data/a.jpg', 'data/train/a.jpg', 'labels.json']);

    const occupied = join(dir, 'occupied');
    await mkdir(join(occupied, 'data'), { recursive: true });
    await writeFile(join(occupied, 'data', 'a.jpg'), 'mine');
    await expect(api.exportLabels({ format: 'fiftyone', out: occupied })).rejects.toMatchObject({
      code: 'conflict',
      message: `${occupied} is not empty and is no export of this project; choose a new or empty folder`,
    });
    const file = join(dir, 'a-file');
    await writeFile(file, 'mine');
    await expect(api.exportLabels({ format: 'imagefolder', out: file })).rejects.toMatchObject({
      code: 'conflict',
      message: `${file} is a file; a folder export needs a new or empty folder`,
    });
    expect(await listing(occupied)).toEqual(['data/a.jpg']);
    expect(await readFile(join(occupied, 'data', 'a.jpg'), 'utf8')).toBe('mine');
    expect(await readFile(file, 'utf8')).toBe('mine');
    expect(await leftBeside(dir)).toEqual([]);
  });

  it("replaces an earlier export of this project whole, but not one with files added or another project's", async () => {
    const { api, dir, projectPath, photos } = await sameNames();
    const out = join(dir, 'dataset');
    await api.exportLabels({ format: 'imagefolder', out });
    expect(JSON.parse(await readFile(join(out, manifestName), 'utf8'))).toEqual({
      project: projectPath,
      format: 'imagefolder',
      files: ['README.md', 'train/a.jpg', 'train/metadata.jsonl', 'train/train/a.jpg'],
    });
    const [a] = (await api.listImages({ sort: 'name' })).images;
    await api.setSplit({ imageIds: [a!.id], split: 'val' });
    await api.exportLabels({ format: 'imagefolder', out });
    expect(await listing(out)).toEqual([
      manifestName,
      'README.md',
      'train/metadata.jsonl',
      'train/train/a.jpg',
      'validation/a.jpg',
      'validation/metadata.jsonl',
    ]);

    await writeFile(join(out, 'train', 'notes.txt'), 'mine');
    await expect(api.exportLabels({ format: 'imagefolder', out })).rejects.toMatchObject({
      code: 'conflict',
      message: `${out} holds 1 file its earlier export did not write (train/notes.txt); remove them or choose another folder`,
    });
    expect(await readFile(join(out, 'train', 'notes.txt'), 'utf8')).toBe('mine');
    await rm(join(out, 'train', 'notes.txt'));

    await api.createProject({ path: join(dir, 'other.sqlite') });
    await importAndWait(api, photos);
    await api.setSplit({
      imageIds: (await api.listImages({})).images.map((image) => image.id),
      split: 'test',
    });
    await expect(api.exportLabels({ format: 'imagefolder', out })).rejects.toMatchObject({
      code: 'conflict',
      message: `${out} holds an export of another project (${projectPath}); choose a new or empty folder`,
    });
    expect(await listing(out)).toContain('validation/a.jpg');
    expect(await leftBeside(dir)).toEqual([]);
  });

  it('that fails midway leaves nothing behind, and an earlier export as it was', async () => {
    const { api, dir, photos } = await sameNames();
    const earlier = join(dir, 'earlier');
    await api.exportLabels({ format: 'imagefolder', out: earlier });
    const before = await listing(earlier);
    // A photo gone from disk, and another turned into a FIFO, which a copy must not wait on.
    await rm(join(photos, 'train', 'a.jpg'));
    await rm(join(photos, 'a.jpg'));
    execFileSync('mkfifo', [join(photos, 'a.jpg')]);
    for (const out of [earlier, join(dir, 'new')])
      await expect(api.exportLabels({ format: 'imagefolder', out }), out).rejects.toMatchObject({
        code: 'io_error',
        message: `cannot copy ${join(photos, 'a.jpg')} to train/a.jpg: is a named pipe (FIFO), not a regular file`,
      });
    expect(await listing(earlier)).toEqual(before);
    expect(await leftBeside(dir)).toEqual([]);
    expect(existsSync(join(dir, 'new'))).toBe(false);
  });

  it('refuses two outputs at one path before writing anything', async () => {
    const dir = await tempDir();
    const out = join(dir, 'dataset');
    const photo = join(vocImages, (await vocPhotoNames(1))[0]!);
    await expect(
      writeExportFolder(
        out,
        { project: join(dir, 'p.sqlite'), format: 'imagefolder' },
        {
          files: new Map([['train/metadata.jsonl', '{}\n']]),
          copies: new Map([['train/metadata.jsonl', photo]]),
        },
      ),
    ).rejects.toMatchObject({
      code: 'bad_input',
      message: `imagefolder: its train/metadata.jsonl and the photo ${photo} would both be train/metadata.jsonl; rename one`,
    });
    expect(await readdir(dir)).toEqual([]);
  });
});
