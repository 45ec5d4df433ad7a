// The oracle is the reference every engine is tested against, so it is checked against what needs
// no trust: its gradient against central finite differences of its own loss, its step against the
// optimiser's formula written out, its logits against the CSRA head of src/shared/csra.ts.
import { describe, expect, it } from 'vitest';
import {
  randomBatch,
  randomParams,
  seededRandom,
  uniform,
  type Random,
} from '../../../../test/fixtures/head-engine';
import { csraHeadLogits, INFINITE_TEMPERATURE as INF } from '$shared/csra';
import { copyParams, type Batch, type EngineOptions, type HeadParams, type HeadShape } from './engine';
import { createOracleEngine, forward, lossAndGradient, maskedBce } from './oracle';

/**
 * A small head (3 classes, 5 channels, 6 locations) with parameters far from the init, and a batch
 * of 4 images with features in ±2 and a third of the labels unknown (y noise there, to be ignored).
 */
function problem(seed: number, temperatures: number[], lambda = 0.5) {
  const rand = seededRandom(seed);
  const shape: HeadShape = { classes: 3, dim: 5, locations: 6, temperatures, lambda };
  const params = randomParams(rand, shape, { weights: 1, classScale: [0.5, 2], classBias: [-0.5, 0.5] });
  const features = (r: Random, count: number) => uniform(r, count, -2, 2);
  const batch = randomBatch(rand, shape, 4, { positives: 0.4, features });
  return { shape, params, batch };
}

const loss = (shape: HeadShape, params: HeadParams, batch: Batch) =>
  maskedBce(forward({ shape, init: params }, params, batch).logits, batch.y, batch.mask);

/** Every parameter array of `params`, named, in a fixed order. */
const parts = (params: HeadParams) => [
  ...params.weights.map((w, h) => [`W${h}`, w] as const),
  ['classScale', params.classScale] as const,
  ['classBias', params.classBias] as const,
];

describe('the oracle gradient equals central finite differences of its loss', () => {
  // Small enough that the truncation error is ~1e-8 of the gradient here, large enough that the
  // loss's float64 rounding is far below that. The parameters are float32: the quotient divides by
  // the steps actually stored.
  const STEP = 1e-5;
  for (const temperatures of [[1], [1, INF], [1, 2, INF]])
    it(`heads [${temperatures.join(',')}], with masked-out labels`, () => {
      const { shape, params, batch } = problem(temperatures.length, temperatures);
      const { gradient } = lossAndGradient({ shape, init: params }, params, batch);
      const analytic = [...gradient.weights, gradient.classScale, gradient.classBias];
      let worst = 0;
      parts(params).forEach(([, values], part) => {
        for (let i = 0; i < values.length; i++) {
          const original = values[i]!;
          values[i] = original + STEP;
          const [up, lossUp] = [values[i]!, loss(shape, params, batch)];
          values[i] = original - STEP;
          const [down, lossDown] = [values[i]!, loss(shape, params, batch)];
          values[i] = original;
          const numeric = (lossUp - lossDown) / (up - down);
          const exact = analytic[part]![i]!;
          worst = Math.max(worst, Math.abs(numeric - exact) / Math.max(Math.abs(exact), 1e-3));
        }
      });
      expect(worst).toBeLessThan(1e-6);
    });

  it('labels where the mask is 0 change neither the loss nor the gradient', () => {
    const { shape, params, batch } = problem(5, [1, INF]);
    const flipped = { ...batch, y: batch.y.map((v, i) => (batch.mask[i] ? v : 1 - v)) };
    expect(batch.mask.includes(0)).toBe(true);
    expect(lossAndGradient({ shape, init: params }, params, flipped)).toEqual(
      lossAndGradient({ shape, init: params }, params, batch),
    );
  });
});

describe("the oracle's step is SGD with momentum in PyTorch's form, weight decay on the classifiers only", () => {
  const momentum = 0.9;
  const weightDecay = 0.01;

  it('two steps: v ← μv + g (+ wd·W for the classifiers), p ← p − lr·v', async () => {
    const { shape, params: init, batch } = problem(11, [1, INF]);
    const second = problem(12, [1, INF]).batch;
    const options: EngineOptions = { shape, init, optimiser: { momentum, weightDecay } };
    const engine = createOracleEngine(options);
    await engine.step(batch, 0.5);
    await engine.step(second, 0.25);

    const expected = copyParams(init);
    const velocity = parts(expected).map(([, values]) => new Float64Array(values.length));
    for (const [b, lr] of [
      [batch, 0.5],
      [second, 0.25],
    ] as const) {
      const { gradient } = lossAndGradient(options, expected, b);
      const g = [...gradient.weights, gradient.classScale, gradient.classBias];
      parts(expected).forEach(([name, p], part) => {
        const decay = name.startsWith('W') ? weightDecay : 0;
        const v = velocity[part]!;
        for (let i = 0; i < p.length; i++) {
          v[i] = momentum * v[i]! + g[part]![i]! + decay * p[i]!;
          p[i] = p[i]! - lr * v[i]!;
        }
      });
    }
    expect(await engine.params()).toEqual(expected);
  });

  it('with every label unknown the loss is 0 and a step only decays the classifiers', async () => {
    const { shape, params: init, batch } = problem(13, [1, 2, INF]);
    const unknown = { ...batch, mask: new Float32Array(batch.mask.length) };
    const engine = createOracleEngine({ shape, init, optimiser: { momentum, weightDecay } });
    expect(await engine.step(unknown, 0.5)).toBe(0);
    const after = await engine.params();
    after.weights.forEach((w, h) =>
      w.forEach((v, i) => expect(v).toBeCloseTo(init.weights[h]![i]! * (1 - 0.5 * weightDecay), 6)),
    );
    expect(after.classScale).toEqual(init.classScale);
    expect(after.classBias).toEqual(init.classBias);
  });
});

it("the oracle's logits are csraHeadLogits of each image with the class scale and bias", async () => {
  const { shape, params, batch } = problem(17, [1, 2, 4, INF], 0.3);
  const { classes: C, dim: d, locations: L, temperatures, lambda } = shape;
  const engine = createOracleEngine({ shape, init: params, optimiser: { momentum: 0, weightDecay: 0 } });
  const logits = forward({ shape, init: params }, params, batch).logits;
  for (let b = 0; b < batch.size; b++) {
    const reference = csraHeadLogits(
      { data: batch.x.subarray(b * d * L, (b + 1) * d * L), dim: d },
      params.weights.map((weights) => ({ weights })),
      temperatures,
      lambda,
      { classScale: params.classScale, classBias: params.classBias },
    );
    reference.forEach((v, c) => expect(logits[b * C + c]).toBeCloseTo(v, 12));
  }
  // What the engine hands out is the same, in float32.
  expect(await engine.logits(batch.x, batch.size)).toEqual(Float32Array.from(logits));
});
