// The ONNX CSRA graphs against the TypeScript reference (src/shared/csra.ts), run in
// onnxruntime-node on seeded random inputs of the real sizes: the default pack's 80-class
// 128×128 score map for the readout, the 480-channel 16×16 backbone feature for the head.
//
// Tolerance: ONNX computes in float32 (sums of 480 products, softmax over 256 or 16384 locations,
// up to 8 heads summed), the reference in float64. Differences are held to 1e-5 absolute where
// |logit| ≤ 1 and 1e-5 relative above (|Δ| ≤ 1e-5 · max(1, |reference|)): a logit of 20 is only
// representable to ~1e-6 in float32, so a fixed absolute bound would test rounding, not the math.
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { csraHeadLogits, csraReadout, csraTemperatures, CSRA_HEAD_COUNTS } from '$shared/csra';
import { seededRandom } from '../training/splits';
import { appendCsraHead, appendReadout, normaliseRows } from './csra-head';
import { OnnxGraph } from './onnx-graph';

/** Standard normal samples (Box–Muller) from a seeded PRNG. */
function normals(rand: () => number, count: number, mean = 0, sd = 1): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - rand()));
    const theta = 2 * Math.PI * rand();
    out[i] = mean + sd * r * Math.cos(theta);
    if (i + 1 < count) out[i + 1] = mean + sd * r * Math.sin(theta);
  }
  return out;
}

/** Backbone-like features: hard_swish of a normal, as MobileNetV3's last block outputs. */
function hardSwishFeatures(rand: () => number, count: number): Float32Array {
  return normals(rand, count, 0, 2).map((v) => (v * Math.min(Math.max(v + 3, 0), 6)) / 6);
}

async function runModel(bytes: Uint8Array, input: string, data: Float32Array, dims: number[]) {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const result = await session.run({ [input]: new ort.Tensor('float32', data, dims) });
    const output = result[session.outputNames[0]!]!;
    return { data: output.data as Float32Array, dims: output.dims };
  } finally {
    await session.release();
  }
}

const measured: { case: string; maxAbs: number; maxRel: number; maxLogit: number }[] = [];

/** Largest |Δ| / max(1, |reference|) after recording the absolute and relative maxima. */
function compare(name: string, actual: Float32Array, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let maxAbs = 0;
  let maxRel = 0;
  let maxScaled = 0;
  let maxLogit = 0;
  for (let i = 0; i < actual.length; i++) {
    const reference = expected[i]!;
    const d = Math.abs(actual[i]! - reference);
    expect(Number.isFinite(actual[i])).toBe(true);
    maxAbs = Math.max(maxAbs, d);
    maxRel = Math.max(maxRel, d / Math.max(Math.abs(reference), 1e-30));
    maxScaled = Math.max(maxScaled, d / Math.max(1, Math.abs(reference)));
    maxLogit = Math.max(maxLogit, Math.abs(reference));
  }
  measured.push({ case: name, maxAbs, maxRel, maxLogit });
  return maxScaled;
}

afterAll(() => {
  if (process.env.CSRA_REPORT) console.table(measured);
});

/** Image n of an [N, K, HW] batch as a [K][HW] array. */
function image(batch: Float32Array, n: number, size: number): Float32Array {
  return batch.subarray(n * size, (n + 1) * size);
}

const opsAllowed = new Set([
  'Reshape',
  'Sub',
  'Div',
  'Mul',
  'Add',
  'MatMul',
  'Softmax',
  'ReduceMean',
  'ReduceMax',
  'ReduceSum',
  'Identity',
]);

function opTypes(bytes: Uint8Array): string[] {
  return onnxProto.onnx.ModelProto.decode(bytes).graph!.node!.map((node) => node.opType!);
}

describe('appendReadout (training-free CSRA over the 80-class 128×128 score map)', () => {
  const N = 2;
  const C = 80;
  const HW = 128 * 128;
  const rand = seededRandom(20211010);
  // keypoint logits (mostly strongly negative, a few peaks) and their sigmoid probabilities
  const logitsMap = normals(rand, N * C * HW, -4, 2);
  const sigmoidMap = logitsMap.map((v) => 1 / (1 + Math.exp(-v)));

  function readoutModel(options: Parameters<typeof appendReadout>[2]): Uint8Array {
    const graph = new OnnxGraph('readout');
    graph.input('class_map', ['N', C, 'H', 'W']);
    const logits = appendReadout(graph, 'class_map', { ...options, outputName: 'logits' });
    expect(logits).toBe('logits');
    graph.output('logits', ['N', C]);
    return graph.encode();
  }

  async function check(name: string, map: Float32Array, options: Parameters<typeof appendReadout>[2]) {
    const out = await runModel(readoutModel(options), 'class_map', map, [N, C, 128, 128]);
    expect(out.dims).toEqual([N, C]);
    const expected = new Float64Array(N * C);
    for (let n = 0; n < N; n++) expected.set(csraReadout(image(map, n, C * HW), C, options), n * C);
    return compare(name, out.data, expected);
  }

  for (const heads of CSRA_HEAD_COUNTS) {
    it(`matches the reference with ${heads} head(s), on probabilities and on logits`, async () => {
      const temperatures = csraTemperatures(heads);
      const calibration = { scale: 1.7, bias: -0.3 };
      expect(
        await check(`readout sigmoid ${heads}h`, sigmoidMap, { lambda: 0.1, temperatures, calibration }),
      ).toBeLessThanOrEqual(1e-5);
      expect(
        await check(`readout logits ${heads}h`, logitsMap, { lambda: 0.5, temperatures, calibration }),
      ).toBeLessThanOrEqual(1e-5);
    });
  }

  it('takes a per-class calibration, and none', async () => {
    const scale = Array.from({ length: C }, (_, c) => 0.5 + c / C);
    const bias = Array.from({ length: C }, (_, c) => (c % 7) - 3);
    const temperatures = csraTemperatures(4);
    expect(
      await check('readout per-class calibration', sigmoidMap, {
        lambda: 0.2,
        temperatures,
        calibration: { scale, bias },
      }),
    ).toBeLessThanOrEqual(1e-5);
    expect(
      await check('readout no calibration', sigmoidMap, { lambda: 0.2, temperatures }),
    ).toBeLessThanOrEqual(1e-5);
  });

  it('is mean + λ·max with T = ∞, and the plain mean with λ = 0', async () => {
    const bytes = readoutModel({ lambda: 0.25, temperatures: [99] });
    const zero = readoutModel({ lambda: 0, temperatures: [1] });
    const [inf, mean] = await Promise.all([
      runModel(bytes, 'class_map', sigmoidMap, [N, C, 128, 128]),
      runModel(zero, 'class_map', sigmoidMap, [N, C, 128, 128]),
    ]);
    const expectedInf = new Float64Array(N * C);
    const expectedMean = new Float64Array(N * C);
    for (let i = 0; i < N * C; i++) {
      const row = sigmoidMap.subarray(i * HW, (i + 1) * HW);
      let sum = 0;
      let max = -Infinity;
      for (const v of row) {
        sum += v;
        max = Math.max(max, v);
      }
      expectedMean[i] = sum / HW;
      expectedInf[i] = sum / HW + 0.25 * max;
    }
    expect(compare('readout T=∞ = mean + λ·max', inf.data, expectedInf)).toBeLessThanOrEqual(1e-5);
    expect(compare('readout λ=0 = mean', mean.data, expectedMean)).toBeLessThanOrEqual(1e-5);
  });

  it('uses only ops every execution provider runs', () => {
    const ops = opTypes(
      readoutModel({ lambda: 0.1, temperatures: csraTemperatures(8), calibration: { scale: 2, bias: 1 } }),
    );
    for (const op of ops) expect(opsAllowed).toContain(op);
  });

  it('rejects bad temperatures', () => {
    const graph = new OnnxGraph('bad');
    graph.input('class_map', ['N', C, 'H', 'W']);
    expect(() => appendReadout(graph, 'class_map', { lambda: 0.1, temperatures: [] })).toThrow(RangeError);
    expect(() => appendReadout(graph, 'class_map', { lambda: 0.1, temperatures: [-1] })).toThrow(RangeError);
  });
});

describe('appendCsraHead (learnable CSRA head on the 480-channel 16×16 feature)', () => {
  const N = 2;
  const C = 80;
  const d = 480;
  const side = 16;
  const HW = side * side;
  const rand = seededRandom(7);
  const features = hardSwishFeatures(rand, N * d * HW);
  // raw weights of very different scales per head: the graph normalises rows
  const rawWeights = Array.from({ length: 8 }, (_, h) => normals(rand, C * d, 0, 0.01 * (h + 1)));

  function headModel(options: Omit<Parameters<typeof appendCsraHead>[2], 'classes' | 'dim'>): Uint8Array {
    const graph = new OnnxGraph('head');
    graph.input('features', ['N', d, 'H', 'W']);
    appendCsraHead(graph, 'features', { ...options, classes: C, dim: d, outputName: 'logits' });
    graph.output('logits', ['N', C]);
    return graph.encode();
  }

  async function runHead(bytes: Uint8Array) {
    const out = await runModel(bytes, 'features', features, [N, d, side, side]);
    expect(out.dims).toEqual([N, C]);
    return out.data;
  }

  for (const heads of CSRA_HEAD_COUNTS) {
    it(`matches the reference with ${heads} head(s), temperatures ${csraTemperatures(heads).join(', ')}`, async () => {
      const temperatures = csraTemperatures(heads);
      const weights = rawWeights.slice(0, heads);
      const actual = await runHead(headModel({ weights, temperatures, lambda: 0.5 }));
      const expected = new Float64Array(N * C);
      for (let n = 0; n < N; n++) {
        const x = { data: image(features, n, d * HW), dim: d };
        const logits = csraHeadLogits(
          x,
          weights.map((w) => ({ weights: w })),
          temperatures,
          0.5,
        );
        expected.set(logits, n * C);
      }
      expect(compare(`head ${heads}h λ=0.5`, actual, expected)).toBeLessThanOrEqual(1e-5);
    });
  }

  it('standardises features and applies the per-class scale and bias like the reference', async () => {
    // training statistics per channel, from image 0 only (so image 1 is not exactly standard)
    const mean = new Float32Array(d);
    const std = new Float32Array(d);
    for (let k = 0; k < d; k++) {
      const row = features.subarray(k * HW, (k + 1) * HW);
      const m = row.reduce((a, v) => a + v, 0) / HW;
      mean[k] = m;
      std[k] = Math.sqrt(row.reduce((a, v) => a + (v - m) ** 2, 0) / HW) + 1e-3;
    }
    const classScale = Float32Array.from({ length: C }, () => 0.5 + 2 * rand());
    const classBias = normals(rand, C, -2, 1);
    for (const heads of [1, 4, 8]) {
      const temperatures = csraTemperatures(heads);
      const weights = rawWeights.slice(0, heads);
      const extras = { standardise: { mean, std }, classScale, classBias };
      const actual = await runHead(headModel({ weights, temperatures, lambda: 0.5, ...extras }));
      const expected = new Float64Array(N * C);
      for (let n = 0; n < N; n++) {
        const x = { data: image(features, n, d * HW), dim: d };
        const heads = weights.map((w) => ({ weights: w }));
        expected.set(csraHeadLogits(x, heads, temperatures, 0.5, extras), n * C);
      }
      expect(compare(`head ${heads}h standardised, scale, bias`, actual, expected)).toBeLessThanOrEqual(1e-5);
    }
  });

  /** Per image and class: the normalised classifier on the mean feature, and its max over locations. */
  function pooledClassifiers(weights: Float32Array) {
    const w = normaliseRows(weights, C, d);
    const average = new Float64Array(N * C);
    const max = new Float64Array(N * C).fill(-Infinity);
    for (let n = 0; n < N; n++) {
      const x = image(features, n, d * HW);
      for (let c = 0; c < C; c++) {
        for (let j = 0; j < HW; j++) {
          let s = 0;
          for (let k = 0; k < d; k++) s += w[c * d + k]! * x[k * HW + j]!;
          average[n * C + c]! += s / HW;
          max[n * C + c] = Math.max(max[n * C + c]!, s);
        }
      }
    }
    return { average, max };
  }

  it('with T = ∞ is the average-pooled plus λ × the max-pooled classifier', async () => {
    const { average, max } = pooledClassifiers(rawWeights[3]!);
    const actual = await runHead(headModel({ weights: [rawWeights[3]!], temperatures: [99], lambda: 1 }));
    const expected = average.map((a, i) => a + max[i]!);
    expect(compare('head T=∞ λ=1 = avg + max pooled', actual, expected)).toBeLessThanOrEqual(1e-5);
    // with a huge λ the logit is, up to the small mean term, λ × the max-pooled classifier
    const big = await runHead(headModel({ weights: [rawWeights[3]!], temperatures: [99], lambda: 1e4 }));
    const scaled = big.map((v, i) => (v - average[i]!) / 1e4);
    expect(compare('head T=∞ = max pooled', scaled, max)).toBeLessThanOrEqual(1e-5);
  });

  it('with λ = 0 is the row-normalised linear classifier on average-pooled features', async () => {
    for (const heads of [1, 4]) {
      const weights = rawWeights.slice(0, heads);
      const expected = new Float64Array(N * C);
      for (const w of weights) {
        const { average } = pooledClassifiers(w);
        for (let i = 0; i < N * C; i++) expected[i]! += average[i]!;
      }
      const actual = await runHead(headModel({ weights, temperatures: csraTemperatures(heads), lambda: 0 }));
      expect(compare(`head ${heads}h λ=0 = average-pooled classifier`, actual, expected)).toBeLessThanOrEqual(
        1e-5,
      );
    }
  });

  it('uses only ops every execution provider runs', () => {
    const extras = {
      standardise: { mean: new Float32Array(d), std: new Float32Array(d).fill(1) },
      classScale: new Float32Array(C).fill(1),
      classBias: new Float32Array(C),
    };
    const bytes = headModel({
      weights: rawWeights,
      temperatures: csraTemperatures(8),
      lambda: 0.5,
      ...extras,
    });
    const ops = opTypes(bytes);
    for (const op of ops) expect(opsAllowed).toContain(op);
    // one MatMul for the finite-temperature heads, one for the ∞ head
    expect(ops.filter((op) => op === 'MatMul')).toHaveLength(2);
  });

  it('rejects weights, temperatures and extras that do not fit', () => {
    const graph = new OnnxGraph('bad');
    graph.input('features', ['N', d, 'H', 'W']);
    const base = { classes: C, dim: d, lambda: 0.5 };
    const w = rawWeights[0]!;
    expect(() => appendCsraHead(graph, 'features', { ...base, weights: [w, w], temperatures: [1] })).toThrow(
      RangeError,
    );
    expect(() =>
      appendCsraHead(graph, 'features', { ...base, weights: [w.subarray(1)], temperatures: [1] }),
    ).toThrow(RangeError);
    expect(() =>
      appendCsraHead(graph, 'features', {
        ...base,
        weights: [w],
        temperatures: [1],
        classBias: new Float32Array(3),
      }),
    ).toThrow(RangeError);
    expect(() =>
      appendCsraHead(graph, 'features', {
        ...base,
        weights: [w],
        temperatures: [1],
        standardise: { mean: new Float32Array(d), std: new Float32Array(d) },
      }),
    ).toThrow(RangeError);
  });
});
