// The converter against tfjs itself (wasm backend): small graphs covering each op and layout rule,
// and human's CenterNet on real VOC photos (the parity the default pack relies on).
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { vocImages } from '../../../test/fixtures/paths';
import {
  attr,
  centernetJson,
  loadCenternetInTfjs,
  seededValues,
  TfjsGraphBuilder,
} from '../../../test/fixtures/tfjs';
import { csraReadout } from '$shared/csra';
import { buildDefaultModel, centernetTensors, defaultPackOptions, defaultReadout } from './default-pack';
import { OnnxGraph } from './onnx-graph';
import { parseTfjsGraphModel, readTfjsGraphModel } from './tfjs-graph';
import { convertTfjsGraph, UnsupportedOpError } from './tfjs-to-onnx';

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

const nhwc = { data_format: attr.s('NHWC') };
const same = attr.s('SAME');
const valid = attr.s('VALID');
const ones = attr.ints([1, 1, 1, 1]);
const stride2 = attr.ints([1, 2, 2, 1]);
const conv = (padding: Record<string, unknown>, strides = ones) => ({
  ...nhwc,
  padding,
  strides,
  dilations: ones,
});
const fused = (ops: string[], padding = same, strides = ones) => ({
  ...conv(padding, strides),
  fused_ops: attr.strings(ops),
  num_args: attr.i(1),
  epsilon: attr.f(0),
  explicit_paddings: { list: {} },
});

/** NHWC → NCHW of a rank-4 tfjs tensor's values; others unchanged. */
function asOnnxLayout(tensor: tf.Tensor): Float32Array {
  const t = tensor.rank === 4 ? tf.transpose(tensor, [0, 3, 1, 2]) : tensor;
  const data = t.dataSync() as Float32Array;
  if (t !== tensor) t.dispose();
  return data;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/** Runs `builder`'s graph in tfjs and, converted, in onnxruntime; returns the max abs diff per output. */
async function runBoth(
  builder: TfjsGraphBuilder,
  input: { name: string; shape: number[]; seed: number },
  outputs: string[],
  compareTo?: TfjsGraphBuilder,
): Promise<number[]> {
  const x = seededValues(
    input.shape.reduce((a, b) => a * b, 1),
    input.seed,
    -2,
    2,
  );
  const reference = (compareTo ?? builder).artifacts();
  const tfModel = await tf.loadGraphModel(
    tf.io.fromMemory({
      modelTopology: reference.json.modelTopology,
      weightSpecs: reference.weightSpecs,
      weightData: new Uint8Array(reference.bin).buffer,
    }),
  );
  const xTensor = tf.tensor(x, input.shape);
  const executed = tfModel.execute({ [input.name]: xTensor }, outputs);
  const expected = Array.isArray(executed) ? executed : [executed];

  const { json, bin } = builder.artifacts();
  const model = parseTfjsGraphModel(json, () => bin);
  const graph = new OnnxGraph('test');
  graph.input('x', ['N', ...input.shape.slice(1)]);
  const names = convertTfjsGraph(graph, model, { inputs: { [input.name]: 'x' }, outputs });
  names.forEach((name, i) => {
    graph.node('Identity', [name], {}, { outputNames: [`out${i}`] });
    graph.output(
      `out${i}`,
      expected[i]!.shape.map((_, d) => `d${d}`),
    );
  });
  const session = await ort.InferenceSession.create(graph.encode());
  const result = await session.run({ x: new ort.Tensor('float32', x, input.shape) });
  const diffs = expected.map((tensor, i) => {
    const got = result[`out${i}`]!;
    const shape = tensor.rank === 4 ? [0, 3, 1, 2].map((d) => tensor.shape[d]!) : tensor.shape;
    expect(got.dims, outputs[i]).toEqual(shape);
    return maxAbsDiff(got.data as Float32Array, asOnnxLayout(tensor));
  });
  await session.release();
  tf.dispose([xTensor, ...expected]);
  tfModel.dispose();
  return diffs;
}

describe('convertTfjsGraph, op by op against tfjs', () => {
  const input = { name: 'x', shape: [1, 9, 11, 4], seed: 7 };

  it('converts convolutions: SAME on odd sizes with stride 2, VALID, depthwise with a multiplier, fused bias and activations', async () => {
    const b = new TfjsGraphBuilder();
    b.placeholder('x', input.shape);
    const w1 = b.constant('w1', [3, 3, 4, 6], seededValues(216, 1, -0.5, 0.5), { quantize: 'uint8' });
    const c1 = b.op('Conv2D', 'c1', ['x', w1], conv(same, stride2));
    const biased = b.op('BiasAdd', 'biased', [c1, b.constant('b1', [6], seededValues(6, 2))], nhwc);
    const dw = b.constant('dw', [3, 3, 6, 2], seededValues(108, 3, -0.5, 0.5), { quantize: 'float16' });
    const d1 = b.op(
      'FusedDepthwiseConv2dNative',
      'd1',
      [biased, dw, b.constant('b2', [12], seededValues(12, 4))],
      {
        ...fused(['BiasAdd', 'Relu6'], same, stride2),
      },
    );
    const w3 = b.constant('w3', [1, 1, 12, 5], seededValues(60, 5));
    const f1 = b.op(
      '_FusedConv2D',
      'f1',
      [d1, w3, b.constant('b3', [5], seededValues(5, 6))],
      fused(['BiasAdd', 'Relu'], valid),
    );
    const dw2 = b.op(
      'DepthwiseConv2dNative',
      'dw2',
      [f1, b.constant('dw2w', [2, 2, 5, 1], seededValues(20, 8))],
      conv(valid),
    );
    const w4 = b.constant('w4', [3, 3, 4, 3], seededValues(108, 9, -0.5, 0.5));
    const f2 = b.op(
      '_FusedConv2D',
      'f2',
      ['x', w4, b.constant('b4', [3], seededValues(3, 10))],
      fused(['BiasAdd']),
    );
    const diffs = await runBoth(b, input, [c1, d1, f1, dw2, f2]);
    for (const diff of diffs) expect(diff).toBeLessThan(1e-5);
  });

  it('converts elementwise ops with per-channel constants, Mean over any axes, MaxPool', async () => {
    const b = new TfjsGraphBuilder();
    b.placeholder('x', input.shape);
    const conv1 = b.op(
      'Conv2D',
      'conv1',
      ['x', b.constant('w', [1, 1, 4, 4], seededValues(16, 11))],
      conv(same),
    );
    const m = b.op('Mul', 'm', [conv1, b.constant('perChannel', [4], [1, -2, 0.5, 3])]);
    const a = b.op('AddV2', 'a', [b.constant('full', [1, 1, 1, 4], [0.1, 0.2, 0.3, 0.4]), m]);
    const s = b.op('Sub', 's', [a, b.constant('scalar', [], [0.25])]);
    const sig = b.op('Sigmoid', 'sig', [s]);
    const relu = b.op('Relu', 'relu', [s]);
    const r6 = b.op('Relu6', 'r6', [b.op('Mul', 'times3', [s, b.constant('three', [], [3])])]);
    const hw = b.constant('hw', [2], [1, 2], { dtype: 'int32' });
    const se = b.op('Mul', 'se', [sig, b.op('Mean', 'pooled', [sig, hw], { keep_dims: attr.b(true) })]);
    const flat = b.op('Mean', 'flat', [relu, hw], { keep_dims: attr.b(false) });
    const lastAxis = b.op('Mean', 'lastAxis', [relu, b.constant('c', [1], [-1], { dtype: 'int32' })], {
      keep_dims: attr.b(false),
    });
    const batchAxis = b.op('Mean', 'batchAxis', [relu, b.constant('n', [1], [0], { dtype: 'int32' })], {
      keep_dims: attr.b(false),
    });
    const pool = b.op('MaxPool', 'pool', [r6], {
      ...nhwc,
      ksize: attr.ints([1, 3, 3, 1]),
      strides: stride2,
      padding: same,
    });
    const diffs = await runBoth(b, input, [se, flat, lastAxis, batchAxis, pool, s]);
    for (const diff of diffs) expect(diff).toBeLessThan(1e-5);
  });

  it('converts ResizeBilinear in its three coordinate modes (a size folded from constants), ConcatV2 and Reshape', async () => {
    const b = new TfjsGraphBuilder();
    b.placeholder('x', input.shape);
    const up = b.op('Conv2D', 'up', ['x', b.constant('w', [1, 1, 4, 2], seededValues(8, 12))], conv(same));
    const int = (name: string, values: number[]) =>
      b.constant(name, [values.length], values, { dtype: 'int32' });
    const size = b.op('Mul', 'size', [int('base', [9, 11]), b.constant('two', [], [2], { dtype: 'int32' })]);
    const resize = (name: string, sizeName: string, alignCorners: boolean, halfPixel: boolean) =>
      b.op('ResizeBilinear', name, [up, sizeName], {
        align_corners: attr.b(alignCorners),
        half_pixel_centers: attr.b(halfPixel),
      });
    const plain = resize('plain', size, false, false);
    const corners = resize('corners', int('small', [5, 7]), true, false);
    const half = resize('half', int('double', [18, 22]), false, true);
    const joined = b.op(
      'ConcatV2',
      'joined',
      [plain, half, b.constant('axis', [], [-1], { dtype: 'int32' })],
      {
        N: attr.i(2),
      },
    );
    const tall = b.op(
      'ConcatV2',
      'tall',
      [up, b.op('Relu', 'r', [up]), b.constant('h', [], [1], { dtype: 'int32' })],
      {
        N: attr.i(2),
      },
    );
    const flat = b.op('Reshape', 'flat', [corners, int('shape', [1, -1])]);
    const diffs = await runBoth(b, input, [joined, tall, flat, corners]);
    for (const diff of diffs) expect(diff).toBeLessThan(1e-5);
  });

  it('folds a fused batch norm into the convolution', async () => {
    const [scale, offset, mean, variance] = [21, 22, 23, 24].map((seed) => seededValues(3, seed, 0.5, 2)) as [
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
    ];
    const w = seededValues(108, 25);
    const fusedModel = new TfjsGraphBuilder();
    fusedModel.placeholder('x', input.shape);
    const args = { scale, offset, mean, variance };
    fusedModel.op(
      '_FusedConv2D',
      'y',
      [
        'x',
        fusedModel.constant('w', [3, 3, 4, 3], w),
        ...Object.entries(args).map(([k, v]) => fusedModel.constant(k, [3], v)),
      ],
      { ...fused(['FusedBatchNorm', 'Relu']), num_args: attr.i(4), epsilon: attr.f(0.001) },
    );
    // The same in ops tfjs runs: relu((conv − mean) · scale / √(var + ε) + offset).
    const plain = new TfjsGraphBuilder();
    plain.placeholder('x', input.shape);
    const c = plain.op('Conv2D', 'c', ['x', plain.constant('w', [3, 3, 4, 3], w)], conv(same));
    const centred = plain.op('Sub', 'centred', [c, plain.constant('mean', [3], mean)]);
    const factor = Float32Array.from(scale, (s, i) => s / Math.sqrt(variance[i]! + 0.001));
    const scaled = plain.op('Mul', 'scaled', [centred, plain.constant('factor', [3], factor)]);
    plain.op('Relu', 'y', [plain.op('Add', 'shifted', [scaled, plain.constant('offset', [3], offset)])]);
    const [diff] = await runBoth(fusedModel, input, ['y'], plain);
    expect(diff).toBeLessThan(1e-5);
  });

  it('fails on an unsupported op, naming the op and its node', () => {
    const b = new TfjsGraphBuilder();
    b.placeholder('x', [1, 4]);
    const top = b.op('TopKV2', 'postprocess/top', ['x', b.constant('k', [], [2], { dtype: 'int32' })]);
    b.op('Relu', 'out', [top]);
    const { json, bin } = b.artifacts();
    const model = parseTfjsGraphModel(json, () => bin);
    const convert = () =>
      convertTfjsGraph(new OnnxGraph('t'), model, { inputs: { x: 'x' }, outputs: ['out'] });
    expect(convert).toThrow(UnsupportedOpError);
    expect(convert).toThrow('cannot convert tfjs op TopKV2 (node postprocess/top)');
  });

  it('fails on an unsupported fused op', () => {
    const b = new TfjsGraphBuilder();
    b.placeholder('x', input.shape);
    b.op(
      '_FusedConv2D',
      'y',
      ['x', b.constant('w', [1, 1, 4, 1], [1, 1, 1, 1]), b.constant('b', [1], [0])],
      fused(['BiasAdd', 'Swish']),
    );
    const { json, bin } = b.artifacts();
    expect(() =>
      convertTfjsGraph(
        new OnnxGraph('t'),
        parseTfjsGraphModel(json, () => bin),
        { inputs: { x: 'x' }, outputs: ['y'] },
      ),
    ).toThrow('cannot convert tfjs op _FusedConv2D (node y): fused op Swish is not supported');
  });
});

describe('human’s CenterNet converted to ONNX, against tfjs on real VOC photos', () => {
  const side = 512;

  it('prunes the detection post-processing, and fails when asked for it', async () => {
    const model = await readTfjsGraphModel(centernetJson);
    const convert = (outputs: string[]) =>
      convertTfjsGraph(new OnnxGraph('t'), model, { inputs: { [centernetTensors.input]: 'image' }, outputs });
    expect(convert([centernetTensors.keypoints])).toHaveLength(1);
    expect(() => convert(['tower_0/detections'])).toThrow(/cannot convert tfjs op \w+ \(node tower_0\//);
  });

  it('gives the same class maps (≤ 1e-3), top-5 classes and features', async () => {
    const files = (await readdir(vocImages))
      .filter((file) => file.endsWith('.jpg'))
      .sort()
      .slice(0, 4);
    expect(files).toHaveLength(4);
    const pixels = await Promise.all(
      files.map((file) =>
        sharp(join(vocImages, file)).resize(side, side, { fit: 'fill' }).removeAlpha().raw().toBuffer(),
      ),
    );
    const batch = new Float32Array(files.length * side * side * 3);
    pixels.forEach((image, i) => batch.set(image, i * side * side * 3));

    // Without the mirror-image average, so both run the network on exactly the same pixels.
    const session = await ort.InferenceSession.create(
      await buildDefaultModel({ ...defaultPackOptions, augmentation: 'none' }),
    );
    const out = await session.run({ image: new ort.Tensor('float32', batch, [files.length, side, side, 3]) });
    await session.release();
    expect(out.class_map!.dims).toEqual([4, 80, 128, 128]);
    expect(out.features!.dims).toEqual([4, 480, 16, 16]);
    expect(out.logits!.dims).toEqual([4, 80]);
    const classMaps = out.class_map!.data as Float32Array;
    const features = out.features!.data as Float32Array;
    const logits = out.logits!.data as Float32Array;

    const tfModel = await loadCenternetInTfjs();
    const mapSize = 80 * 128 * 128;
    const featureSize = 480 * 16 * 16;
    let mapDiff = 0;
    let featureDiff = 0;
    let featureScale = 0;
    let logitDiff = 0;
    for (let i = 0; i < files.length; i++) {
      const x = tf.tensor(batch.subarray(i * side * side * 3, (i + 1) * side * side * 3), [1, side, side, 3]);
      const [keypoints, feature] = tfModel.execute(x, [
        centernetTensors.keypoints,
        centernetTensors.features,
      ]) as tf.Tensor[];
      const ourMap = classMaps.subarray(i * mapSize, (i + 1) * mapSize);
      const theirMap = asOnnxLayout(keypoints!);
      mapDiff = Math.max(mapDiff, maxAbsDiff(ourMap, theirMap));
      const theirFeature = asOnnxLayout(feature!);
      featureDiff = Math.max(
        featureDiff,
        maxAbsDiff(features.subarray(i * featureSize, (i + 1) * featureSize), theirFeature),
      );
      for (const v of theirFeature) featureScale = Math.max(featureScale, Math.abs(v));
      expect(topClasses(ourMap), files[i]).toEqual(topClasses(theirMap));
      // logits: the pack's CSRA readout of the class map, as the reference computes it.
      const expected = csraReadout(ourMap, 80, defaultReadout);
      for (let c = 0; c < 80; c++) {
        // Relative above 1: a calibrated logit of 10 holds float32 rounding of ~1e-6.
        const error = Math.abs(logits[i * 80 + c]! - expected[c]!) / Math.max(1, Math.abs(expected[c]!));
        logitDiff = Math.max(logitDiff, error);
      }
      tf.dispose([x, keypoints!, feature!]);
    }
    tfModel.dispose();
    console.info(
      `CenterNet ONNX vs tfjs-wasm on ${files.length} VOC photos: class map max |Δ| ${mapDiff.toExponential(2)}, ` +
        `feature max |Δ| ${featureDiff.toExponential(2)} (max |feature| ${featureScale.toFixed(1)}), ` +
        `logits vs readout max |Δ| ${logitDiff.toExponential(2)}`,
    );
    expect(mapDiff).toBeLessThanOrEqual(1e-3);
    expect(featureDiff).toBeLessThanOrEqual(1e-3 * Math.max(1, featureScale));
    expect(logitDiff).toBeLessThanOrEqual(1e-5);
  });
});

/** The 5 classes with the highest maximum over locations, best first. */
function topClasses(map: Float32Array, classes = 80): number[] {
  const per = map.length / classes;
  const best = Array.from({ length: classes }, (_, c) => {
    let max = -Infinity;
    for (let j = c * per; j < (c + 1) * per; j++) max = Math.max(max, map[j]!);
    return { c, max };
  });
  return best
    .sort((a, b) => b.max - a.max)
    .slice(0, 5)
    .map(({ c }) => c);
}
