import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { scanFolder } from '../library/scan';
import { defaultPackDir } from '../models/default-pack';
import { loadPack } from '../models/manifest';
import { vocImages } from '../../../test/fixtures/paths';
import { tempDir } from '../../../test/fixtures/workspace';
import { classMapSize, decodeClassMaps } from './attention-maps';
import { InferencePool, poolShape } from './inference-pool';

describe('the pool shape', () => {
  it('gives a GPU one session, as a device runs one at a time, on whole batches', () => {
    const gpu = { workers: 1, intraOpThreads: null, photosPerRun: null };
    expect(poolShape('webgpu', 16)).toEqual(gpu);
    expect(poolShape('cuda', 16, { CSRA_INFERENCE_WORKERS: '4' })).toEqual(gpu);
  });

  it('gives the CPU two workers sharing the cores, one photo a run, or what is asked', () => {
    expect(poolShape('cpu', 2, {})).toEqual({ workers: 2, intraOpThreads: 1, photosPerRun: 1 });
    expect(poolShape('cpu', 16, {})).toEqual({ workers: 2, intraOpThreads: 8, photosPerRun: 1 });
    expect(poolShape('cpu', 1, {})).toEqual({ workers: 1, intraOpThreads: 1, photosPerRun: 1 });
    expect(poolShape('cpu', 16, { CSRA_INFERENCE_WORKERS: '4', CSRA_INFERENCE_RUN: '4' })).toEqual({
      workers: 4,
      intraOpThreads: 4,
      photosPerRun: 4,
    });
    expect(poolShape('cpu', 2, { CSRA_INFERENCE_WORKERS: '8' })).toEqual({
      workers: 2,
      intraOpThreads: 1,
      photosPerRun: 1,
    });
    expect(poolShape('cpu', 3, { CSRA_INFERENCE_WORKERS: 'many', CSRA_INFERENCE_RUN: '0' })).toEqual({
      workers: 2,
      intraOpThreads: 1,
      photosPerRun: 1,
    });
  });
});

describe('an inference pool on the default pack', () => {
  let pool: InferencePool | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
    vi.unstubAllEnvs();
  });

  async function openPool() {
    const { manifest, modelPath } = await loadPack(defaultPackDir());
    pool = await InferencePool.open(modelPath, manifest, 'cpu');
    return { pool, manifest };
  }

  async function photos(count: number) {
    const { photos } = await scanFolder(vocImages);
    return photos.slice(0, count).map((path, i) => ({ id: i + 1, path }));
  }

  it('reads, decodes and predicts a batch in a worker, in order, and says why a photo could not be read', async () => {
    const { pool, manifest } = await openPool();
    expect(pool.provider).toBe('cpu');
    const broken = join(await tempDir(), 'broken.jpg');
    await writeFile(broken, 'not a JPEG');
    const [first, second] = await photos(2);
    const batch = await pool.run([first!, { id: 9, path: broken }, second!], { features: false, maps: true });
    expect(batch.photos.map((photo) => [photo.id, photo.ok])).toEqual([
      [1, true],
      [9, false],
      [2, true],
    ]);
    expect(batch.photos[1]).toMatchObject({ ok: false, reason: expect.stringContaining('cannot decode') });
    // One row of probabilities per photo that decoded, each a probability of every class.
    expect(batch.outputs!.probabilities.length).toBe(2 * manifest.classes.length);
    expect(batch.outputs!.probabilities.every((p) => p >= 0 && p <= 1)).toBe(true);
    expect(batch.timings.read).toHaveLength(3);
    expect(batch.timings.infer).toBeGreaterThan(0);
    // The class maps come encoded for storage, one stretch of one buffer per photo that decoded.
    const { bytes, ends } = batch.outputs!.maps!;
    expect(ends).toHaveLength(2);
    expect(batch.timings.encode).toHaveLength(2);
    const maps = decodeClassMaps(Buffer.from(bytes.buffer, bytes.byteOffset + ends[0]!, ends[1]! - ends[0]!));
    const probabilities = batch.outputs!.probabilities.subarray(manifest.classes.length);
    const strongest = probabilities.indexOf(Math.max(...probabilities));
    expect(maps[0]).toMatchObject({ classIndex: strongest, size: classMapSize });
    expect(maps[0]!.peak).toBeGreaterThan(0);
  });

  it('closes while a worker still opens its session, and the process goes on', async () => {
    // The second worker (where there are two cores) opens its session after the pool opens: closed
    // at moments along the way, the process would abort if a worker stopped in the middle of it.
    for (const wait of [0, 500, 1000]) {
      const { pool: opening } = await openPool();
      pool = undefined;
      await new Promise((resolve) => setTimeout(resolve, wait));
      await opening.close();
      expect(opening.size).toBe(0);
    }
    const { pool: closed } = await openPool();
    await closed.close();
    await expect(closed.run(await photos(1))).rejects.toThrow('the inference pool is closed');
  });

  it('sends no class maps unless asked', async () => {
    const { pool } = await openPool();
    const batch = await pool.run(await photos(1));
    expect(batch.outputs!.maps).toBeUndefined();
    expect(batch.timings.encode).toEqual([]);
  });

  it('runs a batch one photo at a time on the CPU, with the same outputs as photo by photo', async () => {
    const { pool } = await openPool();
    expect(pool.size).toBe(Math.min(2, availableParallelism()));
    const [first, second] = await photos(2);
    const both = await pool.run([first!, second!], { features: true, maps: true });
    for (const [row, photo] of [first!, second!].entries()) {
      const alone = (await pool.run([photo], { features: true, maps: true })).outputs!;
      const { probabilities, features, maps } = both.outputs!;
      const classes = alone.probabilities.length;
      expect(probabilities.subarray(row * classes, (row + 1) * classes)).toEqual(alone.probabilities);
      const size = alone.features!.views[1]!.length;
      expect(features!.views[1]!.subarray(row * size, (row + 1) * size)).toEqual(alone.features!.views[1]);
      const start = row === 0 ? 0 : maps!.ends[0]!;
      expect(maps!.bytes.subarray(start, maps!.ends[row])).toEqual(alone.maps!.bytes);
    }
  });

  it('sends the batch of a worker that died to its replacement, and reports a batch that loses two', async () => {
    // One worker, so the batch's worker is known.
    vi.stubEnv('CSRA_INFERENCE_WORKERS', '1');
    const { pool } = await openPool();
    const [photo] = await photos(1);
    const alone = await pool.run([photo!]);

    const first = pool.workers[0]!;
    const retried = pool.run([photo!]);
    await first.terminate();
    const again = await retried;
    expect(again.outputs!.probabilities).toEqual(alone.outputs!.probabilities);
    expect(pool.workers[0]).not.toBe(first);
    expect(pool.size).toBe(1);

    const lost = pool.run([photo!]);
    const second = pool.workers[0]!;
    await second.terminate();
    await vi.waitFor(() => expect(pool.workers[0]).not.toBe(second), { timeout: 60_000 });
    await pool.workers[0]!.terminate();
    await expect(lost).rejects.toThrow('an inference worker stopped twice on the same batch');
  });
});
