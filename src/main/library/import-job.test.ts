import { execFileSync } from 'node:child_process';
import {
  chmod,
  copyFile,
  mkdir,
  readdir,
  readFile,
  stat,
  symlink,
  truncate,
  writeFile,
} from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { exchangeSamples, vocImages } from '../../../test/fixtures/paths';
import { importAndWait, jobEnd, newStudio } from '../../../test/fixtures/direct-api';
import { jobProgressed } from '../../../test/fixtures/wait';
import { copyVocPhotoFiles, copyVocPhotos, vocTruth } from '../../../test/fixtures/workspace';
import { openDatabase } from '../db/connection';
import { createJob } from '../db/jobs';
import { thumbnailPath } from './thumbnails';

describe('importing a folder', () => {
  it('adds every real photo once, with its size, hash and an upright thumbnail beside the project', async () => {
    const { api, projectPath, dir } = await newStudio();
    const folder = join(dir, 'photos');
    const { names } = await copyVocPhotos(join(folder, 'nested', 'deeper'), 6);
    const { job, report } = await importAndWait(api, folder);

    expect(job.status).toBe('done');
    expect(report).toMatchObject({ found: 6, added: 6, existing: 0, duplicates: [], skipped: [] });
    const page = await api.listImages({ offset: 0, limit: 50 });
    expect(page.total).toBe(6);
    expect(page.images.map((image) => image.name)).toEqual(names);
    for (const image of page.images) {
      const original = await sharp(join(vocImages, image.name)).metadata();
      expect([image.width, image.height]).toEqual([original.width, original.height]);
    }
    const sha = createHash('sha256')
      .update(await readFile(page.images[0]!.path))
      .digest('hex');
    const thumb = await sharp(thumbnailPath(projectPath, sha)).metadata();
    expect(thumb.format).toBe('webp');
    expect(Math.max(thumb.width, thumb.height)).toBe(256);
  });

  it('reads JPEG, PNG, WebP, TIFF, AVIF and the first frame of an animated GIF', async () => {
    const { api, dir } = await newStudio();
    const folder = join(dir, 'formats');
    await mkdir(folder);
    const source = sharp(join(vocImages, '000005.jpg')).resize(200, 150);
    await source.clone().png().toFile(join(folder, 'a.png'));
    await source.clone().webp().toFile(join(folder, 'b.webp'));
    await source.clone().tiff().toFile(join(folder, 'c.tiff'));
    await source.clone().avif({ effort: 0 }).toFile(join(folder, 'd.avif'));
    const frames = await Promise.all(
      ['000009.jpg', '000012.jpg'].map((name) =>
        sharp(join(vocImages, name)).resize(120, 90).png().toBuffer(),
      ),
    );
    await sharp(frames, { join: { animated: true } })
      .gif()
      .toFile(join(folder, 'e.gif'));
    await copyFile(join(vocImages, '000005.jpg'), join(folder, 'f.jpg'));

    const { report } = await importAndWait(api, folder);
    expect(report.skipped).toEqual([]);
    const { images } = await api.listImages({});
    expect(images.map((image) => [image.name, image.width, image.height])).toEqual([
      ['a.png', 200, 150],
      ['b.webp', 200, 150],
      ['c.tiff', 200, 150],
      ['d.avif', 200, 150],
      ['e.gif', 120, 90],
      ['f.jpg', 500, 375],
    ]);
  });

  it('stores the displayed size of a photo turned by its EXIF orientation', async () => {
    const { api, dir } = await newStudio();
    const folder = join(dir, 'rotated');
    await mkdir(folder);
    // 500×375 pixels stored, tagged "rotate 90° clockwise": shown 375 wide, 500 high.
    await sharp(join(vocImages, '000005.jpg'))
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toFile(join(folder, 'portrait.jpg'));
    await importAndWait(api, folder);
    const { images } = await api.listImages({});
    expect(images[0]).toMatchObject({ width: 375, height: 500 });
  });

  it('skips every file that is not a readable image, says why, and imports the rest', async () => {
    const { api, dir } = await newStudio();
    const folder = join(dir, 'mixed');
    await copyVocPhotos(folder, 4);
    const good = await readFile(join(vocImages, '000005.jpg'));
    await writeFile(join(folder, 'empty.png'), '');
    await writeFile(join(folder, 'truncated.jpg'), good.subarray(0, Math.floor(good.length / 2)));
    await writeFile(join(folder, 'notes.jpg'), 'these are my notes, not a photo\n');
    await symlink(join(dir, 'gone.jpg'), join(folder, 'broken-link.jpg'));
    await writeFile(join(folder, 'README.txt'), 'not a photo name: ignored');

    const { job, report } = await importAndWait(api, folder);
    expect(job.status).toBe('done');
    expect(report.added).toBe(4);
    const reasons = Object.fromEntries(
      report.skipped.map(({ path, reason }) => [path.slice(folder.length + 1), reason]),
    );
    expect(Object.keys(reasons).sort()).toEqual([
      'broken-link.jpg',
      'empty.png',
      'notes.jpg',
      'truncated.jpg',
    ]);
    expect(reasons['empty.png']).toBe('empty file (0 bytes)');
    expect(reasons['notes.jpg']).toMatch(/^not a readable image/);
    expect(reasons['truncated.jpg']).toMatch(/^damaged image data/);
    expect(reasons['broken-link.jpg']).toMatch(/^broken symbolic link/);
  });

  it('skips FIFOs, devices and files too large to read, linked or not, without waiting on any', async () => {
    const { api, dir } = await newStudio();
    const folder = join(dir, 'hostile');
    await copyVocPhotos(folder, 3);
    await mkdir(join(dir, 'pipes'));
    execFileSync('mkfifo', [join(dir, 'pipes', 'f1'), join(folder, 'pipe.jpg')]);
    await symlink(join(dir, 'pipes', 'f1'), join(folder, 'x1.jpg'));
    await symlink('/dev/zero', join(folder, 'zero.jpg'));
    await writeFile(join(folder, 'huge.jpg'), '');
    await truncate(join(folder, 'huge.jpg'), 1024 ** 3);

    const { job, report } = await importAndWait(api, folder);
    expect(job.status).toBe('done');
    expect(report.added).toBe(3);
    const reasons = Object.fromEntries(
      report.skipped.map(({ path, reason }) => [path.slice(folder.length + 1), reason]),
    );
    expect(reasons).toEqual({
      'pipe.jpg': 'a named pipe (FIFO), not a regular file',
      'x1.jpg': 'symbolic link to a named pipe (FIFO), not a regular file',
      'zero.jpg': 'symbolic link to a character device, not a regular file',
      'huge.jpg': 'cannot read file: is 1073741824 bytes, over the 512 MiB a file read whole may hold',
    });
  });

  it('leaves no partial thumbnail behind when writing one fails', async () => {
    const { api, projectPath, dir } = await newStudio();
    const folder = join(dir, 'photos');
    const { names } = await copyVocPhotos(folder, 1);
    const sha = createHash('sha256')
      .update(await readFile(join(folder, names[0]!)))
      .digest('hex');
    // A folder where the thumbnail goes: the write succeeds, the rename over it fails.
    await mkdir(join(thumbnailPath(projectPath, sha), 'in-the-way'), { recursive: true });

    const { job } = await importAndWait(api, folder);
    expect(job.status).toBe('failed');
    expect(await readdir(dirname(thumbnailPath(projectPath, sha)))).toEqual([`${sha}.webp`]);
  });

  it('reports a copy of a photo as a duplicate and imports its content once', async () => {
    const { api, dir } = await newStudio();
    const folder = join(dir, 'copies');
    const { names } = await copyVocPhotos(folder, 3);
    await copyFile(join(folder, names[0]!), join(folder, 'zz-copy.jpg'));
    const { job, report } = await importAndWait(api, folder);
    expect(job).toMatchObject({ status: 'done', error: null });
    expect(report.added).toBe(3);
    expect(report.duplicates).toEqual([
      { path: join(folder, 'zz-copy.jpg'), duplicateOf: join(folder, names[0]!) },
    ]);
  });

  it('adds nothing when run again, and only the new photos after more arrive', async () => {
    const { api, dir } = await newStudio();
    const folder = join(dir, 'growing');
    await copyVocPhotos(folder, 3);
    await importAndWait(api, folder);
    const again = await importAndWait(api, folder);
    expect(again.report).toMatchObject({ found: 3, added: 0, existing: 3 });
    await copyFile(join(vocImages, '000104.jpg'), join(folder, 'new.jpg'));
    const more = await importAndWait(api, folder);
    expect(more.report).toMatchObject({ found: 4, added: 1, existing: 3 });
  });

  it('never writes to the photos it imports', async () => {
    const { api, dir } = await newStudio();
    const folder = join(dir, 'untouched');
    const { names } = await copyVocPhotos(folder, 3);
    const before = await Promise.all(names.map((name) => stat(join(folder, name))));
    await chmod(folder, 0o555);
    try {
      await importAndWait(api, folder);
    } finally {
      await chmod(folder, 0o755);
    }
    const after = await Promise.all(names.map((name) => stat(join(folder, name))));
    expect(after.map((s) => s.mtimeMs)).toEqual(before.map((s) => s.mtimeMs));
  });
});

describe('importing labels.csv with the photos', () => {
  it('creates the classes and stores each photo as labelled for every class named in the file', async () => {
    const { api, dir } = await newStudio();
    const folder = join(dir, 'labelled');
    const { names, labelsFile } = await copyVocPhotos(folder, 10);
    const { report } = await importAndWait(api, folder, labelsFile);
    const truth = await vocTruth();
    const classNames = [...new Set(names.flatMap((name) => truth.get(name)!))];

    expect(report.labels).toMatchObject({
      classes: classNames.length,
      photosLabelled: 10,
      unmatchedRows: [],
    });
    expect(report.labels!.labelsWritten).toBe(10 * classNames.length);
    const classes = await api.listClasses({});
    expect(classes.map((c) => c.name)).toEqual(classNames);
    const byId = new Map(classes.map((c) => [c.id, c.name]));
    const { images } = await api.listImages({});
    for (const image of images) {
      const positive = image.labels.filter((l) => l.state === 'positive').map((l) => byId.get(l.classId));
      expect(positive.sort()).toEqual([...truth.get(image.name)!].sort());
      expect(image.labels).toHaveLength(classNames.length);
      expect(image.labels.every((l) => l.source === 'imported')).toBe(true);
    }
  });

  it('refuses a malformed CSV before importing anything, naming the line', async () => {
    const { api, dir } = await newStudio();
    const folder = join(dir, 'photos');
    await copyVocPhotos(folder, 2);
    const bad = join(dir, 'bad.csv');
    await writeFile(bad, 'filename,classes\n000005.jpg,chair\n000007.jpg,car,extra\n');
    await expect(api.startImport({ folder, labelsFile: bad })).rejects.toMatchObject({
      code: 'bad_input',
      message: expect.stringContaining('line 3: expected 2 columns'),
    });
    await writeFile(bad, 'name;labels\n000005.jpg;chair\n');
    await expect(api.startImport({ folder, labelsFile: bad })).rejects.toThrow(
      /bad\.csv: not a label file of any known format \(jsonl, labels-csv.*\); name the format/,
    );
    await expect(api.startImport({ folder, labelsFile: bad, labelsFormat: 'labels-csv' })).rejects.toThrow(
      /labels\.csv .*bad\.csv line 1: expected the header/,
    );
    expect((await api.listImages({})).total).toBe(0);
    expect(await api.listJobs({})).toEqual([]);
  });

  it('refuses class names the API would refuse, and more classes than a project holds, before importing anything', async () => {
    const { api, dir } = await newStudio();
    const folder = join(dir, 'photos');
    await copyVocPhotos(folder, 2);
    const csv = join(dir, 'classes.csv');
    const refused: [string[], string][] = [
      [
        ['000005.jpg,chair', `000007.jpg,car|${'x'.repeat(5000)}`],
        'line 3: class name of 5,000 characters; at most 100',
      ],
      [
        Array.from({ length: 1001 }, (_, i) => `photo-${i}.jpg,class ${i}`),
        // The file alone names more than a project holds: the reader refuses it at that class.
        'line 1002: class "class 1000" makes 1,001 classes in the file; a project holds at most 1,000',
      ],
    ];
    for (const [rows, message] of refused) {
      await writeFile(csv, ['filename,classes', ...rows, ''].join('\n'));
      await expect(api.startImport({ folder, labelsFile: csv })).rejects.toMatchObject({
        message: expect.stringContaining(message),
      });
    }
    await api.addClasses({ names: Array.from({ length: 995 }, (_, i) => `class ${i}`) });
    await writeFile(csv, 'filename,classes\n000005.jpg,class 0|chair|car|dog|cat|horse|sofa\n');
    await expect(api.startImport({ folder, labelsFile: csv })).rejects.toMatchObject({
      code: 'conflict',
      message: /6 new classes would make 1,001/,
    });
    expect((await api.listImages({})).total).toBe(0);
    expect(await api.listJobs({})).toEqual([]);
    expect(await api.listClasses({})).toHaveLength(995);
  });

  it('lists rows that name no imported photo', async () => {
    const { api, dir } = await newStudio();
    const folder = join(dir, 'photos');
    const { labelsFile } = await copyVocPhotos(folder, 2);
    await writeFile(labelsFile, (await readFile(labelsFile, 'utf8')) + 'missing.jpg,dog\n');
    const { report } = await importAndWait(api, folder, labelsFile);
    expect(report.labels?.unmatchedRows).toEqual(['missing.jpg']);
  });
});

describe('importing labels in another tool’s format', () => {
  it('reads a Label Studio export written by Label Studio, detected by content, and reports its unmatched task and new class', async () => {
    const { api, dir } = await newStudio();
    const folder = join(dir, 'photos');
    await copyVocPhotos(folder, 2);
    const sample = join(exchangeSamples, 'label-studio', 'ls_repo_test_previous_export_image_choices.json');
    const { report } = await importAndWait(api, folder, sample);
    expect(report.labels).toMatchObject({
      format: 'label-studio',
      classes: 1,
      classesCreated: ['Cat'],
      photosLabelled: 0,
      unmatched: 1,
      labelsWritten: 0,
    });
    expect(report.labels!.unmatchedRows).toHaveLength(1);
  });

  it('matches a row naming a photo by its stem, and writes its labels, splits and sources in one go', async () => {
    const { api, dir } = await newStudio();
    const folder = join(dir, 'photos');
    await copyVocPhotos(join(folder, 'JPEGImages'), 2);
    const file = join(dir, 'labels.jsonl');
    const sha = createHash('sha256')
      .update(await readFile(join(vocImages, '000005.jpg')))
      .digest('hex');
    await writeFile(
      file,
      '{"csraStudioLabels":1,"classes":["chair","dog"]}\n' +
        `{"path":"000005","sha256":"${sha}","split":"val","labels":{"chair":{"state":"positive","source":"human"}}}\n`,
    );
    const { report } = await importAndWait(api, folder, file);
    expect(report.labels).toMatchObject({
      format: 'jsonl',
      photosLabelled: 1,
      unmatched: 0,
      labelsWritten: 1,
    });
    const [photo] = (await api.listImages({ filter: { split: 'val' } })).images;
    expect(photo).toMatchObject({ name: '000005.jpg', labels: [{ state: 'positive', source: 'human' }] });
    expect((await api.listClasses({})).map((c) => c.name)).toEqual(['chair', 'dog']);
  });

  it('reads a VOC class with only difficult objects as unknown, or as positive when asked', async () => {
    const personOf = async (vocDifficult?: 'unknown' | 'positive') => {
      const { api, dir } = await newStudio();
      const folder = join(dir, 'photos');
      // In the official person_trainval.txt: 000005 absent, 000009 present, 000131 difficult only.
      await copyVocPhotoFiles(folder, ['000005.jpg', '000009.jpg', '000131.jpg']);
      const main = join(dir, 'VOC2007', 'ImageSets', 'Main');
      await mkdir(main, { recursive: true });
      await copyFile(
        join(exchangeSamples, 'voc', 'voc2007_person_trainval.txt'),
        join(main, 'person_trainval.txt'),
      );
      const job = await api.startImport({
        folder,
        labelsFile: join(dir, 'VOC2007'),
        ...(vocDifficult && { vocDifficult }),
      });
      expect((await jobEnd(api, job.id)).status).toBe('done');
      const report = await api.getImportReport({ jobId: job.id });
      expect(report.labels).toMatchObject({ format: 'voc', photosLabelled: 3, unmatched: 5011 - 3 });
      const { images } = await api.listImages({ sort: 'name' });
      return images.map((image) => `${image.name} ${image.labels[0]?.state ?? 'unknown'}`);
    };
    expect(await personOf()).toEqual(['000005.jpg negative', '000009.jpg positive', '000131.jpg unknown']);
    expect(await personOf('positive')).toEqual([
      '000005.jpg negative',
      '000009.jpg positive',
      '000131.jpg positive',
    ]);
  });

  it('refuses a malformed file of a named format before a job exists, with the format, the JSON path and the reason', async () => {
    const { api, dir } = await newStudio();
    const folder = join(dir, 'photos');
    await copyVocPhotos(folder, 1);
    const file = join(dir, 'bad.jsonl');
    await writeFile(file, '{"csraStudioLabels":1,"classes":"dog"}\n');
    await expect(api.startImport({ folder, labelsFile: file })).rejects.toMatchObject({
      code: 'bad_input',
      message: expect.stringMatching(/^jsonl .*bad\.jsonl line 1: \$\.classes: /),
    });
    expect(await api.listJobs({})).toEqual([]);
  });
});

describe('an import that is cancelled', () => {
  it('stops at a safe point and, resumed, finishes without duplicates', async () => {
    const { api, dir } = await newStudio();
    const folder = join(dir, 'many');
    await copyVocPhotos(folder, 80);
    const job = await api.startImport({ folder });
    await jobProgressed(api, job.id, 32);
    await api.cancelJob({ jobId: job.id });
    expect((await jobEnd(api, job.id)).status).toBe('cancelled');
    const partial = (await api.listImages({})).total;
    expect(partial).toBeGreaterThanOrEqual(32);
    expect(partial).toBeLessThan(80);

    await api.resumeJob({ jobId: job.id });
    expect(await jobEnd(api, job.id)).toMatchObject({ status: 'done', error: null });
    const report = await api.getImportReport({ jobId: job.id });
    expect(report).toMatchObject({ found: 80, added: 80, existing: 0, duplicates: [], skipped: [] });
    expect((await api.listImages({})).total).toBe(80);
  });
});

describe('an import stored by an earlier version', () => {
  it('resumes with its labels file, which that version stored as labelsCsv', async () => {
    const { api, projectPath, dir } = await newStudio();
    const folder = join(dir, 'labelled');
    const { labelsFile } = await copyVocPhotos(folder, 6);
    await api.closeProject({});
    const db = openDatabase(projectPath, { create: false });
    const job = createJob(db, 'import', { folder, labelsCsv: labelsFile });
    db.prepare("UPDATE jobs SET status = 'interrupted' WHERE id = ?").run(job.id);
    db.close();

    await api.openProject({ path: projectPath });
    await api.resumeJob({ jobId: job.id });
    expect(await jobEnd(api, job.id)).toMatchObject({ status: 'done', error: null });
    expect((await api.getImportReport({ jobId: job.id })).labels).toMatchObject({ photosLabelled: 6 });
  });
});

describe('a folder that cannot be imported', () => {
  it('fails the request with the reason', async () => {
    const { api, dir } = await newStudio();
    await expect(api.startImport({ folder: join(dir, 'nowhere') })).rejects.toMatchObject({
      code: 'bad_input',
      message: expect.stringContaining('no such file'),
    });
    const file = join(dir, 'file.jpg');
    await writeFile(file, 'x');
    await expect(api.startImport({ folder: file })).rejects.toThrow(/is not a folder/);
    await truncate(file, 0);
  });
});
