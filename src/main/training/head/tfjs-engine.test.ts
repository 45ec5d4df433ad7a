// The TensorFlow.js engine against the float64 oracle: the same seeded start and batches through
// both for a few SGD steps, at the real feature size (480 channels × 16×16 locations), on the wasm
// backend (the one every machine has). Losses, the parameters after the last step and the logits
// must agree to 1e-4 (engine.ts); tfjs computes in float32, so the differences are float32
// rounding carried through five momentum steps.
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  compareWithOracle,
  randomBatch,
  randomParams,
  realHeadShape,
  seededRandom,
  tinyHeadShape,
  tinyOptions,
  unitRowParams,
  withEngine,
  type OracleCase,
} from '../../../../test/fixtures/head-engine';
import { describeOracleAgreement } from '../../../../test/fixtures/oracle-agreement';
import { INFINITE_TEMPERATURE as INF } from '$shared/csra';
import type { EngineOptions, HeadShape } from './engine';
import { createTfjsEngine, tfjsBackendReport } from './tfjs-engine';

const TOLERANCE = 1e-4;

const onWasm = (options: EngineOptions) => createTfjsEngine(options, 'wasm');

const measured: string[] = [];
afterAll(() => console.log(`tfjs engine (wasm) vs oracle, largest differences:\n${measured.join('\n')}`));

const cases: OracleCase[] = [
  { temperatures: [1], lambda: 0.1, weightDecay: 1e-4 },
  { temperatures: [1, INF], lambda: 0.5, weightDecay: 1e-4 },
  { temperatures: [1, 2, 4, INF], lambda: 0.5, weightDecay: 0 },
  { temperatures: [INF], lambda: 1, weightDecay: 1e-4 },
];

describeOracleAgreement('the tfjs step engine reproduces the oracle', onWasm, {
  backend: 'tfjs-wasm',
  cases,
  tolerance: TOLERANCE,
  measured,
});

it('ties of the ∞ head: the max gradient goes to the first maximal location, as in the oracle', async () => {
  // Features zero but at two locations holding the same vector: every class's maximum is tied,
  // between those two where its score is positive, among all the zero locations where negative.
  const shape = realHeadShape([INF], 1);
  const rand = seededRandom(7);
  const options: EngineOptions = {
    shape,
    init: randomParams(rand, shape),
    optimiser: { momentum: 0.9, weightDecay: 0 },
  };
  const b = randomBatch(rand, shape, 2);
  const x = new Float32Array(b.x.length);
  for (let i = 0; i < 2 * 480; i++) x[i * 256 + 3] = x[i * 256 + 100] = b.x[i * 256]!;
  const tied = { ...b, x };
  const { weights } = await compareWithOracle(onWasm, options, [{ batch: tied, lr: 1 }], tied);
  expect(weights).toBeLessThan(TOLERANCE);
});

it('steps leave no tensors behind, and dispose frees all the engine holds', async () => {
  const shape: HeadShape = { classes: 4, dim: 8, locations: 6, temperatures: [1, 2, INF], lambda: 0.3 };
  const rand = seededRandom(3);
  const before = tf.memory().numTensors;
  const engine = await onWasm({
    shape,
    init: randomParams(rand, shape),
    optimiser: { momentum: 0.9, weightDecay: 1e-4 },
  });
  const held = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) {
    await engine.step(randomBatch(rand, shape, 5), 0.1);
    await engine.logits(randomBatch(rand, shape, 2).x, 2);
    await engine.params();
    expect(tf.memory().numTensors).toBe(held);
  }
  engine.dispose();
  expect(tf.memory().numTensors).toBe(before);
});

it("'auto' takes the first backend that loads, each one before it with the reason it did not", async () => {
  const init = randomParams(seededRandom(1), tinyHeadShape());
  const engine = await createTfjsEngine(tinyOptions({ init }));
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
  it('a classifier row of zeros (it has no direction to normalise)', async () => {
    const init = unitRowParams();
    init.weights[0]!.fill(0, 3);
    await expect(onWasm(tinyOptions({ init }))).rejects.toThrow(/class 1.*zeros/);
  });

  it('features that are not B × d × L values', () =>
    withEngine(onWasm(tinyOptions()), (engine) =>
      expect(engine.logits(new Float32Array(2 * 3 * 4 - 1), 2)).rejects.toThrow(/need 24 values/),
    ));
});
