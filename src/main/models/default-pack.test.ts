import { mkdtemp, readFile, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cocoClasses } from './coco';
import { vocImages } from '../../../test/fixtures/paths';
import { photoPixels } from '../inference/preprocess';
import {
  buildDefaultModel,
  defaultPackName,
  defaultPackOptions,
  defaultReadout,
  ensureDefaultPack,
} from './default-pack';
import { checkSession, loadPack } from './manifest';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'default-pack-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('the default pack', () => {
  it('is built once, kept while up to date, and rebuilt when stale or broken', async () => {
    const dir = join(root, defaultPackName);
    const first = await ensureDefaultPack(dir);
    expect(first.built).toBe(true);
    const { manifest, modelPath } = await loadPack(dir);
    expect(manifest).toEqual(first.manifest);
    expect(manifest).toMatchObject({
      name: 'coco80-centernet',
      source: { package: '@vladmandic/human', version: '3.3.6', license: 'MIT' },
      input: { name: 'image', layout: 'NHWC', size: [512, 512], channels: 3, range: [0, 255] },
      classes: [...cocoClasses],
      outputs: {
        logits: { name: 'logits', shape: ['N', 80] },
        classMap: { name: 'class_map', shape: ['N', 80, 128, 128] },
        features: { name: 'features', shape: ['N', 480, 16, 16] },
      },
      readout: defaultReadout,
    });

    const session = await ort.InferenceSession.create(modelPath);
    try {
      checkSession(session, manifest);
      const out = await session.run({
        image: new ort.Tensor('float32', new Float32Array(2 * 512 * 512 * 3), [2, 512, 512, 3]),
      });
      expect(out.logits!.dims).toEqual([2, 80]);
      expect(out.class_map!.dims).toEqual([2, 80, 128, 128]);
      expect(out.features!.dims).toEqual([2, 480, 16, 16]);
    } finally {
      await session.release();
    }

    expect((await ensureDefaultPack(dir)).built).toBe(false);

    await truncate(modelPath, 1000);
    expect((await ensureDefaultPack(dir)).built).toBe(true);
    await loadPack(dir);

    const tuned = { ...defaultReadout, lambda: 0.3 };
    const rebuilt = await ensureDefaultPack(dir, { ...defaultPackOptions, readout: tuned });
    expect(rebuilt.built).toBe(true);
    expect(rebuilt.manifest.readout).toEqual(tuned);
    expect(rebuilt.manifest.version).not.toBe(manifest.version);
    expect(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')).readout.lambda).toBe(0.3);
  });
});

describe('the default model with mirror-image averaging', () => {
  it('gives a photo and its mirror image the same probabilities and mirrored class maps', async () => {
    const { pixels } = await photoPixels(join(vocImages, '000009.jpg'), {
      side: 512,
      resize: 'fill',
      padValue: 0,
    });
    const mirrored = new Float32Array(pixels.length);
    for (let y = 0; y < 512; y++) {
      for (let x = 0; x < 512; x++) {
        for (let c = 0; c < 3; c++) mirrored[(y * 512 + x) * 3 + c] = pixels[(y * 512 + (511 - x)) * 3 + c]!;
      }
    }
    const session = await ort.InferenceSession.create(await buildDefaultModel());
    try {
      const out = await session.run({
        image: new ort.Tensor('float32', Float32Array.from([...pixels, ...mirrored]), [2, 512, 512, 3]),
      });
      const logits = out.logits!.data as Float32Array;
      for (let c = 0; c < 80; c++) expect(logits[c]).toBeCloseTo(logits[80 + c]!, 4);
      // What fine-tuning caches: the mirror image's features are those the mirror photo gets.
      const features = out.features!.data as Float32Array;
      const mirror = out.features_mirror!.data as Float32Array;
      const size = 480 * 16 * 16;
      for (const i of [0, 1234, size - 1]) expect(mirror[i]).toBeCloseTo(features[size + i]!, 3);
      expect(out.class_map_16!.dims).toEqual([2, 80, 16, 16]);
      const maps = out.class_map!.data as Float32Array;
      const plane = 128 * 128;
      const person = cocoClasses.indexOf('person');
      for (const [y, x] of [
        [10, 20],
        [64, 64],
        [100, 3],
      ] as const) {
        expect(maps[person * plane + y * 128 + x]).toBeCloseTo(
          maps[(80 + person) * plane + y * 128 + (127 - x)]!,
          5,
        );
      }
    } finally {
      await session.release();
    }
  });
});
