import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { mkdtemp, readFile, rm, truncate, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../../test/fixtures/paths';
import { seededValues, TfjsGraphBuilder, type WeightSpec } from '../../../test/fixtures/tfjs';
import {
  decodeAttr,
  float16ToFloat32,
  parseTensorName,
  readTfjsGraphModel,
  TfjsModelError,
  type TfjsGraphModel,
} from './tfjs-graph';

const centernetJson = join(repoRoot, 'node_modules/@vladmandic/human/models/centernet.json');

let dir: string;
beforeAll(async () => {
  await tf.setBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'tfjs-graph-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** tfjs's own decoding of the same bytes: the oracle for ours. */
function expectSameAsTfjs(model: TfjsGraphModel, bin: Uint8Array, specs: WeightSpec[]) {
  const buffer = new Uint8Array(bin).buffer;
  const reference = tf.io.decodeWeights(buffer, specs);
  expect(model.weights.size).toBe(specs.length);
  for (const spec of specs) {
    const ours = model.weights.get(spec.name)!;
    const theirs = reference[spec.name]!;
    expect(ours.shape, spec.name).toEqual(theirs.shape);
    expect(ours.dtype, spec.name).toBe(theirs.dtype);
    const bytes = (data: ArrayBufferView) => Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    expect(Buffer.compare(bytes(ours.data), bytes(theirs.dataSync())), spec.name).toBe(0);
  }
  tf.dispose(Object.values(reference));
}

describe('readTfjsGraphModel on human’s CenterNet', () => {
  it('reads the graph, decodes attributes and dequantizes the float16 weights as tfjs does', async () => {
    const model = await readTfjsGraphModel(centernetJson);
    expect(model.format).toBe('graph-model');
    expect(model.nodes.size).toBe(544);
    expect(model.signature.inputs).toEqual(['tower_0/images']);
    expect(model.signature.outputs).toContain('tower_0/keypoints');

    const conv = model.nodes.get('tower_0/MobilenetV3/expanded_conv_1/expand/Relu')!;
    expect(conv.op).toBe('_FusedConv2D');
    expect(conv.attrs).toMatchObject({
      padding: 'SAME',
      fused_ops: ['BiasAdd', 'Relu'],
      strides: [1, 1, 1, 1],
      data_format: 'NHWC',
      num_args: 1,
      use_cudnn_on_gpu: true,
      explicit_paddings: [],
      T: 'DT_FLOAT',
    });
    expect(model.nodes.get('tower_0/images')!.attrs.shape).toEqual({ shape: [1, 512, 512, 3] });

    const json = JSON.parse(await readFile(centernetJson, 'utf8'));
    const bin = await readFile(centernetJson.replace(/\.json$/, '.bin'));
    const specs = json.weightsManifest[0].weights as WeightSpec[];
    expect(specs.filter((spec) => spec.quantization?.dtype === 'float16')).toHaveLength(227);
    expectSameAsTfjs(model, bin, specs);
  });
});

describe('readTfjsGraphModel on models written here', () => {
  function quantizedModel() {
    const builder = new TfjsGraphBuilder();
    builder.constant('plain', [2, 3], seededValues(6, 1));
    builder.constant('u8', [3, 3, 2], seededValues(18, 2, -3, 5), { quantize: 'uint8' });
    builder.constant('f16', [5], [1, -2, 0.1, 65504, 1e-6], { quantize: 'float16' });
    builder.constant('ints', [4], [7, -1, 0, 123456], { dtype: 'int32' });
    builder.constant('u16', [7], seededValues(7, 3, -100, 100), { quantize: 'uint16' });
    builder.constant('u8ints', [3], [-4, 0, 250], { dtype: 'int32', quantize: 'uint8' });
    builder.constant('scalar', [], [0.5], { quantize: 'float16' });
    return builder;
  }

  it('dequantizes uint8, uint16 and float16 weights, across shards split mid-weight', async () => {
    const builder = quantizedModel();
    const path = await builder.write(join(dir, 'sharded'), 3);
    const model = await readTfjsGraphModel(path);
    const { bin, weightSpecs } = builder.artifacts();
    expectSameAsTfjs(model, bin, weightSpecs);
    expect(Array.from(model.weights.get('f16')!.data)).toEqual([
      1,
      -2,
      Math.fround(0.0999755859375),
      65504,
      expect.any(Number),
    ]);
    expect(model.weights.get('ints')!.data).toBeInstanceOf(Int32Array);
    expect(model.weights.get('scalar')).toEqual({
      dtype: 'float32',
      shape: [],
      data: new Float32Array([0.5]),
    });
  });

  it('names the missing shard, and the weight a short shard cuts off', async () => {
    const path = await quantizedModel().write(join(dir, 'broken'), 2);
    await truncate(join(dir, 'broken', 'group1-shard2of2.bin'), 10);
    await expect(readTfjsGraphModel(path)).rejects.toThrow(/end before weight ints \(54 bytes, 68 needed\)/);
    await unlink(join(dir, 'broken', 'group1-shard2of2.bin'));
    await expect(readTfjsGraphModel(path)).rejects.toThrow(/weight shard group1-shard2of2\.bin/);
    await expect(readTfjsGraphModel(join(dir, 'none.json'))).rejects.toThrow(TfjsModelError);
  });

  it('refuses what is not a graph model', async () => {
    const { parseTfjsGraphModel } = await import('./tfjs-graph');
    expect(() =>
      parseTfjsGraphModel({ modelTopology: {}, weightsManifest: [] }, () => new Uint8Array()),
    ).toThrow(/not a tfjs graph model/);
    expect(() =>
      parseTfjsGraphModel(
        {
          modelTopology: { node: [] },
          weightsManifest: [{ paths: ['a'], weights: [{ name: 'w', shape: [1], dtype: 'string' }] }],
        },
        () => new Uint8Array(8),
      ),
    ).toThrow(/unsupported dtype string/);
  });
});

describe('decoding helpers', () => {
  it('decodes half-precision bit patterns, subnormals and specials included', () => {
    const values = float16ToFloat32(
      Uint16Array.from([0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000, 0x7c00, 0xfc00, 0x7e00]),
    );
    expect(Array.from(values)).toEqual([1, -2, 65504, 2 ** -24, -0, Infinity, -Infinity, NaN]);
  });

  it('decodes attributes', () => {
    expect(decodeAttr({ s: 'U0FNRQ==' })).toBe('SAME');
    expect(decodeAttr({ list: { s: ['Qmlhc0FkZA==', 'UmVsdTY='] } })).toEqual(['BiasAdd', 'Relu6']);
    expect(decodeAttr({ list: { i: ['1', '2', '2', '1'] } })).toEqual([1, 2, 2, 1]);
    expect(decodeAttr({ list: {} })).toEqual([]);
    expect(decodeAttr({ i: '4' })).toBe(4);
    expect(decodeAttr({ f: 0.25 })).toBe(0.25);
    expect(decodeAttr({ b: false })).toBe(false);
    expect(decodeAttr({ type: 'DT_INT32' })).toBe('DT_INT32');
    expect(decodeAttr({ shape: { dim: [{ size: '-1' }, { size: '3' }] } })).toEqual({ shape: [-1, 3] });
    expect(decodeAttr({ shape: { unknownRank: true } })).toEqual({ shape: null });
  });

  it('splits tensor names', () => {
    expect(parseTensorName('a/b')).toEqual({ node: 'a/b', index: 0 });
    expect(parseTensorName('a/b:2')).toEqual({ node: 'a/b', index: 2 });
  });
});
