import * as ort from 'onnxruntime-node';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { vocImages } from '../../../test/fixtures/paths';
import { classifierScores, csraHeadLogits, csraTemperatures, standardiseFeatures } from '$shared/csra';
import { photoPixels } from '../inference/preprocess';
import { seededRandom } from '../training/splits';
import { defaultPackDir } from './default-pack';
import { readManifest } from './manifest';
import { buildVersionModel, type TrainedHead } from './versions';

const dim = 480;
const grid = 16;

function head(inputs: TrainedHead['inputs']): TrainedHead {
  const random = seededRandom(7);
  const d = inputs === 'features+maps' ? dim + 80 : dim;
  const classes = ['person', 'animal', 'dog'];
  const temperatures = csraTemperatures(2);
  return {
    classes,
    temperatures,
    lambda: 0.3,
    weights: temperatures.map(() => Float32Array.from({ length: classes.length * d }, () => random() - 0.5)),
    classScale: Float32Array.from([0.8, 1.2, 1]),
    classBias: Float32Array.from([-1, 0.5, 0]),
    standardise: {
      mean: Float32Array.from({ length: d }, () => random() * 0.1),
      std: Float32Array.from({ length: d }, () => 0.5 + random()),
    },
    inputs,
    zeroShotIndex: [0, -1, 16], // person, none, dog
    headWeight: [0.6, 1, 0.3],
  };
}

/** [channels, locations] of image `index` of an [N, channels, 16, 16] output. */
const plane = (tensor: ort.Tensor, index: number, channels: number) =>
  (tensor.data as Float32Array).subarray(
    index * channels * grid * grid,
    (index + 1) * channels * grid * grid,
  );

/** The same maps mirrored left to right. */
function mirrored(maps: Float32Array, channels: number): Float32Array {
  const out = new Float32Array(maps.length);
  for (let k = 0; k < channels; k++)
    for (let y = 0; y < grid; y++)
      for (let x = 0; x < grid; x++)
        out[(k * grid + y) * grid + x] = maps[(k * grid + y) * grid + (grid - 1 - x)]!;
  return out;
}

describe('a trained version', () => {
  for (const inputs of ['features', 'features+maps'] as const)
    it(`computes in one graph the head on the photo and its mirror image and its overlay, each blended with the zero-shot readout (${inputs})`, async () => {
      const trained = head(inputs);
      const manifest = await readManifest(defaultPackDir());
      const { bytes, outputs } = await buildVersionModel(trained, manifest);
      const session = await ort.InferenceSession.create(bytes);
      try {
        const { pixels } = await photoPixels(join(vocImages, '000009.jpg'), {
          side: 512,
          resize: manifest.input.resize,
          padValue: manifest.input.padValue,
        });
        const out = await session.run({
          image: new ort.Tensor('float32', Float32Array.from(pixels), [1, 512, 512, 3]),
        });
        expect(out[outputs.classMap.name]!.dims).toEqual([1, 3, grid, grid]);
        const maps = plane(out.class_map_16!, 0, 80);
        const input = (features: Float32Array, classMaps: Float32Array) =>
          inputs === 'features' ? features : Float32Array.from([...features, ...classMaps]);
        const logitsOf = (data: Float32Array) =>
          csraHeadLogits(
            { data, dim: trained.standardise.mean.length },
            trained.weights.map((weights) => ({ weights })),
            trained.temperatures,
            trained.lambda,
            {
              standardise: trained.standardise,
              classScale: trained.classScale,
              classBias: trained.classBias,
            },
          );
        const direct = logitsOf(input(plane(out.features!, 0, dim), maps));
        const mirror = logitsOf(input(plane(out.features_mirror!, 0, dim), mirrored(maps, 80)));
        const zeroShot = out.zero_shot_logits!.data as Float32Array;
        const logits = out.logits!.data as Float32Array;
        // The overlay: the head's map over the photo blended with the zero-shot class map alike.
        const x = standardiseFeatures(
          input(plane(out.features!, 0, dim), maps),
          trained.standardise.mean.length,
          trained.standardise.mean,
          trained.standardise.std,
        );
        const scores = trained.weights.map((w) => classifierScores(w, x, trained.standardise.mean.length));
        const overlay = plane(out[outputs.classMap.name]!, 0, trained.classes.length);
        const L = grid * grid;
        trained.classes.forEach((_, c) => {
          const head = (direct[c]! + mirror[c]!) / 2;
          const index = trained.zeroShotIndex[c]!;
          const w = index < 0 ? 1 : trained.headWeight[c]!;
          expect(logits[c]).toBeCloseTo(w * head + (1 - w) * (index < 0 ? 0 : zeroShot[index]!), 3);
          for (const j of [0, 77, L - 1]) {
            const summed = scores.reduce((sum, s) => sum + s[c * L + j]!, 0);
            const map =
              1 /
              (1 +
                Math.exp(-(trained.classScale[c]! * (1 + trained.lambda) * summed + trained.classBias[c]!)));
            const zeroShotMap = index < 0 ? 0 : maps[index * L + j]!;
            expect(overlay[c * L + j]).toBeCloseTo(w * map + (1 - w) * zeroShotMap, 4);
          }
        });
      } finally {
        await session.release();
      }
    });
});
