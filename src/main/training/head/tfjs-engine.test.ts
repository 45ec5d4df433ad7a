// The TensorFlow.js engine against the float64 oracle: the same seeded start and batches through
// both for a few SGD steps, at the real feature size (480 channels × 16×16 locations), on the wasm
// backend (the one every machine has). Losses, the parameters after the last step and the logits
// must agree to 1e-4 (engine.ts); tfjs computes in float32, so the differences are float32
// rounding carried through five momentum steps.
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { INFINITE_TEMPERATURE as INF } from '../../../shared/csra';
import type { Batch, EngineOptions, HeadParams, HeadShape } from './engine';
import { createOracleEngine } from './oracle';
import { createTfjsEngine, tfjsBackendReport } from './tfjs-engine';

const TOLERANCE = 1e-4;

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples (Box–Muller): standardised features. */
function normals(rand: () => number, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++)
    out[i] = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  return out;
}

const uniform = (rand: () => number, count: number, low: number, high: number) =>
  Float32Array.from({ length: count }, () => low + (high - low) * rand());

/** PyTorch's default 1×1 convolution init, U(±1/√d), and a class scale and bias near 1 and 0. */
function initialParams(rand: () => number, shape: HeadShape): HeadParams {
  const { classes: C, dim: d } = shape;
  return {
    weights: shape.temperatures.map(() => uniform(rand, C * d, -1 / Math.sqrt(d), 1 / Math.sqrt(d))),
    classScale: uniform(rand, C, 0.8, 1.2),
    classBias: uniform(rand, C, -0.2, 0.2),
  };
}

/** A batch with about a third of the labels unknown; where unknown, y holds noise the loss must ignore. */
function batch(rand: () => number, shape: HeadShape, size: number): Batch {
  const { classes: C, dim: d, locations: L } = shape;
  const mask = Float32Array.from({ length: size * C }, () => (rand() < 0.35 ? 0 : 1));
  const y = Float32Array.from(mask, (m) => (m ? (rand() < 0.3 ? 1 : 0) : rand()));
  return { x: normals(rand, size * d * L), y, mask, size };
}

const maxDifference = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
};

const realShape = (temperatures: number[], lambda: number): HeadShape => ({
  classes: 20,
  dim: 480,
  locations: 256,
  temperatures,
  lambda,
});

const measured: string[] = [];
afterAll(() => console.log(`tfjs engine (wasm) vs oracle, largest differences:\n${measured.join('\n')}`));

const cases: { temperatures: number[]; lambda: number; weightDecay: number }[] = [
  { temperatures: [1], lambda: 0.1, weightDecay: 1e-4 },
  { temperatures: [1, INF], lambda: 0.5, weightDecay: 1e-4 },
  { temperatures: [1, 2, 4, INF], lambda: 0.5, weightDecay: 0 },
  { temperatures: [INF], lambda: 1, weightDecay: 1e-4 },
];

describe('the tfjs step engine reproduces the oracle', () => {
  for (const { temperatures, lambda, weightDecay } of cases)
    it(`heads [${temperatures}], λ ${lambda}, weight decay ${weightDecay}: 5 steps, the last a smaller batch`, async () => {
      const shape = realShape(temperatures, lambda);
      const rand = prng(temperatures.length * 1000 + lambda * 10);
      const options: EngineOptions = {
        shape,
        init: initialParams(rand, shape),
        optimiser: { momentum: 0.9, weightDecay },
      };
      const oracle = createOracleEngine(options);
      const engine = await createTfjsEngine(options, 'wasm');
      expect(engine.backend).toBe('tfjs-wasm');
      try {
        let loss = 0;
        for (const [i, size] of [6, 6, 6, 6, 3].entries()) {
          const b = batch(rand, shape, size);
          const lr = 0.2 * (i + 1); // a warm-up: the rate may change every step
          const [expected, actual] = [await oracle.step(b, lr), await engine.step(b, lr)];
          loss = Math.max(loss, Math.abs(actual - expected));
        }
        const [expected, actual] = [await oracle.params(), await engine.params()];
        const weights = Math.max(...expected.weights.map((w, h) => maxDifference(actual.weights[h]!, w)));
        const scaleBias = Math.max(
          maxDifference(actual.classScale, expected.classScale),
          maxDifference(actual.classBias, expected.classBias),
        );
        const moved = Math.max(...expected.weights.map((w, h) => maxDifference(w, options.init.weights[h]!)));
        const x = batch(rand, shape, 4).x;
        const logits = maxDifference(await engine.logits(x, 4), await oracle.logits(x, 4));
        measured.push(
          `  [${temperatures}] λ ${lambda}: loss ${loss.toExponential(1)}, weights ${weights.toExponential(1)} ` +
            `(moved ${moved.toFixed(3)}), scale/bias ${scaleBias.toExponential(1)}, logits ${logits.toExponential(1)}`,
        );
        expect(moved).toBeGreaterThan(100 * TOLERANCE); // the comparison is not of untouched parameters
        expect(loss).toBeLessThan(TOLERANCE);
        expect(weights).toBeLessThan(TOLERANCE);
        expect(scaleBias).toBeLessThan(TOLERANCE);
        expect(logits).toBeLessThan(TOLERANCE);
      } finally {
        engine.dispose();
      }
    });
});

it('ties of the ∞ head: the max gradient goes to the first maximal location, as in the oracle', async () => {
  // Features zero but at two locations holding the same vector: every class's maximum is tied,
  // between those two where its score is positive, among all the zero locations where negative.
  const shape = realShape([INF], 1);
  const rand = prng(7);
  const options: EngineOptions = {
    shape,
    init: initialParams(rand, shape),
    optimiser: { momentum: 0.9, weightDecay: 0 },
  };
  const b = batch(rand, shape, 2);
  const x = new Float32Array(b.x.length);
  for (let i = 0; i < 2 * 480; i++) x[i * 256 + 3] = x[i * 256 + 100] = b.x[i * 256]!;
  const tied = { ...b, x };
  const oracle = createOracleEngine(options);
  const engine = await createTfjsEngine(options, 'wasm');
  try {
    await oracle.step(tied, 1);
    await engine.step(tied, 1);
    const [expected, actual] = [await oracle.params(), await engine.params()];
    expect(maxDifference(actual.weights[0]!, expected.weights[0]!)).toBeLessThan(TOLERANCE);
  } finally {
    engine.dispose();
  }
});

it('steps leave no tensors behind, and dispose frees all the engine holds', async () => {
  const shape: HeadShape = { classes: 4, dim: 8, locations: 6, temperatures: [1, 2, INF], lambda: 0.3 };
  const rand = prng(3);
  const before = tf.memory().numTensors;
  const engine = await createTfjsEngine(
    { shape, init: initialParams(rand, shape), optimiser: { momentum: 0.9, weightDecay: 1e-4 } },
    'wasm',
  );
  const held = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) {
    await engine.step(batch(rand, shape, 5), 0.1);
    await engine.logits(batch(rand, shape, 2).x, 2);
    await engine.params();
    expect(tf.memory().numTensors).toBe(held);
  }
  engine.dispose();
  expect(tf.memory().numTensors).toBe(before);
});

it("'auto' takes the first backend that loads, each one before it with the reason it did not", async () => {
  const shape: HeadShape = { classes: 2, dim: 3, locations: 4, temperatures: [1], lambda: 0.1 };
  const engine = await createTfjsEngine({
    shape,
    init: initialParams(prng(1), shape),
    optimiser: { momentum: 0.9, weightDecay: 0 },
  });
  engine.dispose();
  const report = tfjsBackendReport();
  const chosen = report.findIndex((attempt) => attempt.ok);
  expect(engine.backend).toBe(`tfjs-${report[chosen]!.backend}`);
  expect(report.slice(0, chosen).map((a) => a.backend)).toEqual(
    ['node-gpu', 'node', 'webgpu', 'wasm'].slice(0, chosen),
  );
  for (const failed of report.slice(0, chosen)) expect(failed.reason).toMatch(/\w/);
});

describe('createTfjsEngine refuses what it cannot run', () => {
  const shape: HeadShape = { classes: 2, dim: 3, locations: 4, temperatures: [1], lambda: 0.1 };
  const optimiser = { momentum: 0.9, weightDecay: 0 };
  const init = (): HeadParams => ({
    weights: [Float32Array.of(1, 0, 0, 0, 1, 0)],
    classScale: Float32Array.of(1, 1),
    classBias: Float32Array.of(0, 0),
  });

  it('a classifier row of zeros (it has no direction to normalise)', async () => {
    const params = init();
    params.weights[0]!.fill(0, 3);
    await expect(createTfjsEngine({ shape, init: params, optimiser }, 'wasm')).rejects.toThrow(
      /class 1.*zeros/,
    );
  });

  it('features that are not B × d × L values', async () => {
    const engine = await createTfjsEngine({ shape, init: init(), optimiser }, 'wasm');
    try {
      await expect(engine.logits(new Float32Array(2 * 3 * 4 - 1), 2)).rejects.toThrow(/need 24 values/);
    } finally {
      engine.dispose();
    }
  });
});
