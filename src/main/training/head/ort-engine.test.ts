// The onnxruntime step graph against the float64 oracle: the same seeded start and batches through
// both for a few SGD steps, at the real feature size (480 channels × 16×16 locations). Losses, the
// parameters after the last step and the logits must agree to 1e-4 (engine.ts); the graph computes
// in float32, so this is float32 rounding carried through five momentum steps, not a looser math.
import { afterAll, describe, expect, it } from 'vitest';
import {
  compareWithOracle,
  tinyHeadShape,
  tinyOptions,
  unitRowParams,
  withEngine,
  type OracleCase,
} from '../../../../test/fixtures/head-engine';
import { describeOracleAgreement } from '../../../../test/fixtures/oracle-agreement';
import { INFINITE_TEMPERATURE as INF } from '$shared/csra';
import type { Batch } from './engine';
import { createOrtEngine } from './ort-engine';

const TOLERANCE = 1e-4;

const measured: string[] = [];
afterAll(() => console.log(`ort engine vs oracle, largest differences:\n${measured.join('\n')}`));

// Weight decay 1e-4 is the paper's; 0.05 moves the weights far beyond the tolerance in five steps,
// so a decay applied wrongly (or to classScale and classBias) cannot hide in it.
const cases: OracleCase[] = [
  { temperatures: [1], lambda: 0.1, weightDecay: 1e-4 },
  { temperatures: [1, INF], lambda: 0.5, weightDecay: 0.05 },
  { temperatures: [1, 2, 4, INF], lambda: 0.5, weightDecay: 0 },
  { temperatures: [1, INF], lambda: 0, weightDecay: 0.05 },
  { temperatures: [INF], lambda: 1, weightDecay: 1e-4 },
];

describeOracleAgreement('the onnxruntime step engine reproduces the oracle', createOrtEngine, {
  backend: 'onnxruntime-cpu',
  cases,
  tolerance: TOLERANCE,
  measured,
});

it('ties of the ∞ head: the max gradient goes to the first maximal location, as in the oracle', async () => {
  // Unit classifier rows make each class's scores one feature channel, exactly: class 0's maximum
  // is tied at locations 1 and 2, class 1's at 2 and 3, between different feature vectors, so the
  // location chosen changes the weight gradient.
  const options = tinyOptions({ shape: tinyHeadShape([INF], 1), init: unitRowParams() });
  const x = Float32Array.of(...[1, 3, 3, 0], ...[0, 2, 5, 5], ...[1, 2, 3, 4]);
  const tied: Batch = { x, y: Float32Array.of(1, 0), mask: Float32Array.of(1, 1), size: 1 };
  const { weights } = await compareWithOracle(createOrtEngine, options, [{ batch: tied, lr: 1 }], tied);
  expect(weights).toBeLessThan(TOLERANCE);
});

describe('createOrtEngine refuses what it cannot run', () => {
  it('a classifier row of zeros (it has no direction to normalise)', async () => {
    const init = unitRowParams();
    init.weights[0]!.fill(0, 3);
    await expect(createOrtEngine(tinyOptions({ init }))).rejects.toThrow(/class 1.*zeros/);
  });

  it('features that are not B × d × L values', () =>
    withEngine(createOrtEngine(tinyOptions()), (engine) =>
      expect(engine.logits(new Float32Array(2 * 3 * 4 - 1), 2)).rejects.toThrow(/need 24 values/),
    ));
});
