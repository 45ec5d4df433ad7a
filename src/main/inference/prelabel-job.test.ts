import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { importAndWait, jobEnd, newStudio } from '../../../test/fixtures/direct-api';
import { jobProgressed } from '../../../test/fixtures/wait';
import {
  copyVocPhotoFiles,
  copyVocPhotos,
  tempDir,
  vocBoxes,
  vocDogPhotos,
  vocTruth,
} from '../../../test/fixtures/workspace';
import { defaultPackDir } from '../models/default-pack';

async function prelabelled(count: number) {
  const context = await newStudio();
  const folder = join(context.dir, 'photos');
  const photos = await copyVocPhotos(folder, count);
  await importAndWait(context.api, folder, photos.labelsFile);
  return { ...context, folder, ...photos };
}

async function prelabelAndWait(api: Awaited<ReturnType<typeof newStudio>>['api']) {
  const job = await api.startPrelabel({ provider: 'cpu' });
  return { job: await jobEnd(api, job.id), report: await api.getPrelabelReport({ jobId: job.id }) };
}

afterEach(() => {
  delete process.env.CSRA_MODELS_DIR;
});

describe('pre-labeling a project', () => {
  it('predicts every photo once, on the CPU, and the VOC classes read their COCO twins', async () => {
    const { api, names } = await prelabelled(6);
    const model = await api.getModel({});
    expect(model?.pack).toMatch(/^coco80-centernet@/);
    const classes = await api.listClasses({});
    expect(model!.mapping).toHaveLength(classes.length);
    const byName = Object.fromEntries(classes.map((c) => [c.name, c.id]));
    const mapped = Object.fromEntries(model!.mapping.map((m) => [m.classId, m.modelClass]));
    if (byName.aeroplane) expect(mapped[byName.aeroplane]).toBe('airplane');
    if (byName.tvmonitor) expect(mapped[byName.tvmonitor]).toBe('tv');

    const { job, report } = await prelabelAndWait(api);
    expect(job).toMatchObject({ status: 'done', done: 6, total: 6 });
    expect(report).toMatchObject({ provider: 'cpu', predicted: 6, skipped: [] });
    expect((await api.getModel({}))?.predicted).toBe(6);

    // The photos' true classes are the model's likeliest for them.
    const truth = await vocTruth();
    const { images } = await api.listImages({});
    const className = new Map(classes.map((c) => [c.id, c.name]));
    for (const image of images) {
      expect(image.predictions).toHaveLength(classes.length);
      const best = [...image.predictions].sort((a, b) => b.probability - a.probability)[0]!;
      expect(truth.get(image.name)).toContain(className.get(best.classId));
    }
    expect(images.map((image) => image.name)).toEqual(names);

    const again = await prelabelAndWait(api);
    expect(again.report.predicted).toBe(0);
  });

  it('stores class maps that open at once for the photo’s strongest classes', async () => {
    const { api } = await prelabelled(2);
    await prelabelAndWait(api);
    const [image] = (await api.listImages({})).images;
    const maps = await api.getClassMaps({ imageId: image!.id });
    expect(maps.size).toBe(64);
    expect(maps.maps.length).toBeGreaterThan(0);
    for (const map of maps.maps) {
      const bytes = Buffer.from(map.values, 'base64');
      expect(bytes).toHaveLength(64 * 64);
      expect(Math.max(...bytes)).toBe(255);
      expect(map.peak).toBeGreaterThan(0);
    }
  });

  it('records a photo that no longer decodes and goes on with the others', async () => {
    const { api, folder, names } = await prelabelled(4);
    await writeFile(join(folder, names[1]!), (await readFile(join(folder, names[1]!))).subarray(0, 3000));
    const { job, report } = await prelabelAndWait(api);
    expect(job.status).toBe('done');
    expect(report.predicted).toBe(3);
    expect(report.skipped).toEqual([
      { path: join(folder, names[1]!), reason: expect.stringMatching(/^cannot decode/) },
    ]);
  });

  it('skips a photo that became a FIFO or a link to /dev/zero since import, without waiting on it', async () => {
    const { api, folder, names } = await prelabelled(4);
    const [fifo, zero] = [join(folder, names[1]!), join(folder, names[2]!)];
    await rm(fifo);
    execFileSync('mkfifo', [fifo]);
    await rm(zero);
    await symlink('/dev/zero', zero);
    const { job, report } = await prelabelAndWait(api);
    expect(job.status).toBe('done');
    expect(report.predicted).toBe(2);
    expect(report.skipped).toEqual([
      { path: fifo, reason: 'cannot read file: is a named pipe (FIFO), not a regular file' },
      { path: zero, reason: 'cannot read file: is a character device, not a regular file' },
    ]);
  });

  it('is cancelled at a batch boundary and resumed without predicting a photo twice', async () => {
    const { api } = await prelabelled(16);
    const job = await api.startPrelabel({ provider: 'cpu' });
    await jobProgressed(api, job.id, 4);
    await api.cancelJob({ jobId: job.id });
    expect((await jobEnd(api, job.id)).status).toBe('cancelled');
    const partial = (await api.getModel({}))!.predicted;
    expect(partial).toBeGreaterThanOrEqual(4);
    expect(partial).toBeLessThan(16);
    await api.resumeJob({ jobId: job.id });
    expect((await jobEnd(api, job.id)).status).toBe('done');
    expect((await api.getPrelabelReport({ jobId: job.id })).predicted).toBe(16);
    expect((await api.getModel({}))!.predicted).toBe(16);
  });

  it('runs again on every photo when asked, and a run again that is resumed carries on where it stopped', async () => {
    const { api } = await prelabelled(12);
    await prelabelAndWait(api);
    const before = (await api.listImages({})).images;

    const job = await api.startPrelabel({ provider: 'cpu', again: true });
    await jobProgressed(api, job.id, 4);
    await api.cancelJob({ jobId: job.id });
    expect((await jobEnd(api, job.id)).status).toBe('cancelled');
    const partial = (await api.getPrelabelReport({ jobId: job.id })).predicted;
    expect(partial).toBeGreaterThanOrEqual(4);
    expect(partial).toBeLessThan(12);
    await api.resumeJob({ jobId: job.id });
    expect((await jobEnd(api, job.id)).status).toBe('done');
    // Each photo predicted once more, none twice, to the same probabilities.
    expect((await api.getPrelabelReport({ jobId: job.id })).predicted).toBe(12);
    expect((await api.getModel({}))!.predicted).toBe(12);
    const after = (await api.listImages({})).images;
    for (const [index, image] of after.entries()) {
      for (const [at, prediction] of image.predictions.entries()) {
        expect(prediction.probability).toBeCloseTo(before[index]!.predictions[at]!.probability, 5);
      }
    }
  });
});

describe('a model that cannot run', () => {
  async function brokenPack(damage: (dir: string) => Promise<void>) {
    const dir = join(await tempDir(), 'coco80-centernet');
    await mkdir(dir);
    for (const file of ['manifest.json', 'model.onnx'])
      await copyFile(join(defaultPackDir(), file), join(dir, file));
    await damage(dir);
    return join(dir, '..');
  }

  it('fails the request with the reason and keeps what was stored', async () => {
    const { api } = await prelabelled(2);
    await prelabelAndWait(api);
    const stored = await api.listImages({});

    process.env.CSRA_MODELS_DIR = await brokenPack(async (dir) => {
      const model = await readFile(join(dir, 'model.onnx'));
      await writeFile(join(dir, 'model.onnx'), model.subarray(0, model.length / 2));
    });
    const fresh = await newStudio();
    await importAndWait(
      fresh.api,
      (await copyVocPhotos(join(fresh.dir, 'p'), 1)).labelsFile.replace('/labels.csv', ''),
    );
    await expect(fresh.api.startPrelabel({})).rejects.toThrow(/does not match its model/);

    process.env.CSRA_MODELS_DIR = await brokenPack((dir) =>
      writeFile(join(dir, 'manifest.json'), '{"name": '),
    );
    await expect(fresh.api.getModel({})).rejects.toMatchObject({ code: 'bad_input' });
    expect(await api.listImages({})).toEqual(stored);
  });

  it('names an execution provider that is not available here', async () => {
    const { api } = await prelabelled(1);
    await expect(api.startPrelabel({ provider: 'cuda' })).rejects.toThrow(
      /the cuda execution provider is not available here/,
    );
  });
});

describe('a stored class map', () => {
  it('peaks inside the object’s box from the VOC annotation, letterbox border cut away', async () => {
    const context = await newStudio();
    const folder = join(context.dir, 'dogs');
    await copyVocPhotoFiles(folder, vocDogPhotos);
    await importAndWait(context.api, folder);
    const dog = await context.api.createClass({ name: 'dog' });
    await prelabelAndWait(context.api);
    for (const image of (await context.api.listImages({})).images) {
      const map = (await context.api.getClassMaps({ imageId: image.id })).maps.find(
        (m) => m.classId === dog.id,
      );
      expect(map, image.name).toBeDefined();
      const values = Buffer.from(map!.values, 'base64');
      const peak = values.indexOf(Math.max(...values));
      const { width, height, boxes } = await vocBoxes(image.name, 'dog');
      // The centre of the peak cell, in the photo's pixels.
      const x = ((peak % 64) + 0.5) * (width / 64);
      const y = (Math.floor(peak / 64) + 0.5) * (height / 64);
      const inside = boxes.some((b) => x >= b.xmin && x <= b.xmax && y >= b.ymin && y <= b.ymax);
      expect(inside, `${image.name}: peak at (${x.toFixed(0)}, ${y.toFixed(0)})`).toBe(true);
    }
  });
});
