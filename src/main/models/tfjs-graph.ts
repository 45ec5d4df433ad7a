// Reads a TensorFlow.js graph model (model.json + binary weight shards) into plain data: nodes with
// decoded attributes, and every weight as a typed array. Quantized weights (uint8, uint16, float16,
// as `tensorflowjs_converter --quantize_*` writes them) are dequantized the way tfjs itself does.
// No tfjs dependency: the converter (tfjs-to-onnx.ts) runs at install time on this alone.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export type TfjsDtype = 'float32' | 'int32' | 'bool';

export interface TfjsTensor {
  dtype: TfjsDtype;
  shape: number[];
  /** Row-major values; bool as 0/1 bytes. */
  data: Float32Array | Int32Array | Uint8Array;
}

/** A decoded attribute: strings (base64 in the JSON) as text, int64 strings as numbers. */
export type AttrValue =
  | string
  | number
  | boolean
  | string[]
  | number[]
  | boolean[]
  | { shape: number[] | null }
  | { tensor: unknown }
  | { func: string };

export interface TfjsNode {
  name: string;
  op: string;
  /** Data inputs as "node" or "node:k" (output k); control inputs ("^node") are in `control`. */
  inputs: string[];
  control: string[];
  attrs: Record<string, AttrValue>;
}

export interface TfjsGraphModel {
  format: string | undefined;
  generatedBy: string | undefined;
  convertedBy: string | undefined;
  /** In file order. */
  nodes: Map<string, TfjsNode>;
  /** The values of Const nodes, by node name. */
  weights: Map<string, TfjsTensor>;
  /** The signature's input and output tensor names, when the model has one. */
  signature: { inputs: string[]; outputs: string[] };
}

export class TfjsModelError extends Error {
  override name = 'TfjsModelError';
}

/** Reads `model.json` and the weight shards it names (paths relative to it). */
export async function readTfjsGraphModel(jsonPath: string): Promise<TfjsGraphModel> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(jsonPath, 'utf8'));
  } catch (error) {
    throw new TfjsModelError(`cannot read the tfjs model ${jsonPath}: ${(error as Error).message}`);
  }
  const folder = dirname(jsonPath);
  const shards = new Map<string, Uint8Array>();
  for (const group of manifestOf(json)) {
    for (const path of group.paths) {
      try {
        shards.set(path, await readFile(join(folder, path)));
      } catch (error) {
        throw new TfjsModelError(`cannot read the weight shard ${path}: ${(error as Error).message}`);
      }
    }
  }
  return parseTfjsGraphModel(json, (path) => shards.get(path)!);
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number; original_dtype?: string };
}

interface WeightGroup {
  paths: string[];
  weights: WeightSpec[];
}

function manifestOf(json: unknown): WeightGroup[] {
  const manifest = (json as { weightsManifest?: unknown } | null)?.weightsManifest;
  if (!Array.isArray(manifest)) throw new TfjsModelError('the tfjs model has no weightsManifest');
  for (const group of manifest as WeightGroup[])
    if (!Array.isArray(group?.paths) || !Array.isArray(group.weights))
      throw new TfjsModelError('a weightsManifest entry lacks paths or weights');
  return manifest as WeightGroup[];
}

/** Parses model.json's content; `shard(path)` gives the bytes of each file the manifest names. */
export function parseTfjsGraphModel(json: unknown, shard: (path: string) => Uint8Array): TfjsGraphModel {
  const model = json as {
    format?: string;
    generatedBy?: string;
    convertedBy?: string | null;
    modelTopology?: { node?: RawNode[] };
    signature?: { inputs?: Record<string, unknown>; outputs?: Record<string, unknown> };
  };
  if (!Array.isArray(model?.modelTopology?.node))
    throw new TfjsModelError('not a tfjs graph model: modelTopology.node is missing');

  const nodes = new Map<string, TfjsNode>();
  for (const raw of model.modelTopology.node) {
    const inputs = raw.input ?? [];
    nodes.set(raw.name, {
      name: raw.name,
      op: raw.op,
      inputs: inputs.filter((input) => !input.startsWith('^')),
      control: inputs.filter((input) => input.startsWith('^')).map((input) => input.slice(1)),
      attrs: Object.fromEntries(
        Object.entries(raw.attr ?? {}).map(([key, value]) => [key, decodeAttr(value)]),
      ),
    });
  }

  const weights = new Map<string, TfjsTensor>();
  for (const group of manifestOf(json)) {
    const bytes = concat(group.paths.map((path) => shard(path)));
    let offset = 0;
    for (const spec of group.weights) {
      const size = byteLength(spec);
      if (offset + size > bytes.length)
        throw new TfjsModelError(
          `the weight shards of ${group.paths.join(', ')} end before weight ${spec.name} ` +
            `(${bytes.length} bytes, ${offset + size} needed)`,
        );
      weights.set(spec.name, decodeWeight(spec, bytes.subarray(offset, offset + size)));
      offset += size;
    }
  }

  const names = (record: Record<string, unknown> | undefined) =>
    Object.values(record ?? {}).map((value) => (value as { name: string }).name);
  return {
    format: model.format,
    generatedBy: model.generatedBy,
    convertedBy: model.convertedBy ?? undefined,
    nodes,
    weights,
    signature: { inputs: names(model.signature?.inputs), outputs: names(model.signature?.outputs) },
  };
}

interface RawNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, RawAttr>;
}

interface RawList {
  s?: string[];
  i?: (string | number)[];
  f?: number[];
  b?: boolean[];
  type?: string[];
  shape?: RawShape[];
}

interface RawShape {
  dim?: { size?: string | number }[];
  unknownRank?: boolean;
}

interface RawAttr {
  s?: string;
  i?: string | number;
  f?: number;
  b?: boolean;
  type?: string;
  shape?: RawShape;
  tensor?: unknown;
  list?: RawList;
  func?: { name: string };
}

const text = (base64: string) => Buffer.from(base64, 'base64').toString('utf8');

function decodeShape(shape: RawShape): { shape: number[] | null } {
  return { shape: shape.unknownRank ? null : (shape.dim ?? []).map((dim) => Number(dim.size ?? -1)) };
}

/** One attribute of a NodeDef in the JSON form tfjs writes. */
export function decodeAttr(attr: RawAttr): AttrValue {
  if (attr.s !== undefined) return text(attr.s);
  if (attr.i !== undefined) return Number(attr.i);
  if (attr.f !== undefined) return Number(attr.f);
  if (attr.b !== undefined) return attr.b;
  if (attr.type !== undefined) return attr.type;
  if (attr.shape !== undefined) return decodeShape(attr.shape);
  if (attr.tensor !== undefined) return { tensor: attr.tensor };
  if (attr.func !== undefined) return { func: attr.func.name };
  if (attr.list !== undefined) {
    const list = attr.list;
    if (list.s) return list.s.map(text);
    if (list.i) return list.i.map(Number);
    if (list.f) return list.f.map(Number);
    if (list.b) return list.b;
    if (list.type) return list.type;
    return [];
  }
  return [];
}

const elementBytes: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

function count(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function byteLength(spec: WeightSpec): number {
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const bytes = elementBytes[dtype];
  if (bytes === undefined)
    throw new TfjsModelError(
      `weight ${spec.name}: unsupported ${spec.quantization ? 'quantization ' : ''}dtype ${dtype}`,
    );
  return count(spec.shape) * bytes;
}

function decodeWeight(spec: WeightSpec, bytes: Uint8Array): TfjsTensor {
  // A copy, aligned: weights start at any byte offset of the shard (and a Buffer's slice is a view).
  const buffer = new Uint8Array(bytes).buffer;
  const n = count(spec.shape);
  const { quantization: q } = spec;
  const dtype = spec.dtype as TfjsDtype;
  if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'bool')
    throw new TfjsModelError(`weight ${spec.name}: unsupported dtype ${spec.dtype}`);
  if (!q) {
    const data =
      dtype === 'float32'
        ? new Float32Array(buffer, 0, n)
        : dtype === 'int32'
          ? new Int32Array(buffer, 0, n)
          : new Uint8Array(buffer, 0, n);
    return { dtype, shape: spec.shape, data };
  }
  if (q.dtype === 'float16') {
    if (dtype !== 'float32')
      throw new TfjsModelError(`weight ${spec.name}: float16 quantization of ${dtype}`);
    return { dtype, shape: spec.shape, data: float16ToFloat32(new Uint16Array(buffer, 0, n)) };
  }
  if (q.dtype !== 'uint8' && q.dtype !== 'uint16')
    throw new TfjsModelError(`weight ${spec.name}: unsupported quantization dtype ${q.dtype}`);
  if (typeof q.scale !== 'number' || typeof q.min !== 'number')
    throw new TfjsModelError(`weight ${spec.name}: ${q.dtype} quantization without scale and min`);
  const quantized = q.dtype === 'uint8' ? new Uint8Array(buffer, 0, n) : new Uint16Array(buffer, 0, n);
  const { scale, min } = q;
  if (dtype === 'float32')
    return { dtype, shape: spec.shape, data: Float32Array.from(quantized, (v) => v * scale + min) };
  if (dtype === 'int32')
    return { dtype, shape: spec.shape, data: Int32Array.from(quantized, (v) => Math.round(v * scale + min)) };
  throw new TfjsModelError(`weight ${spec.name}: quantized ${dtype}`);
}

/** IEEE 754 half-precision bit patterns to float32 values (subnormals, ±∞ and NaN included). */
export function float16ToFloat32(halves: Uint16Array): Float32Array {
  const out = new Float32Array(halves.length);
  for (let i = 0; i < halves.length; i++) {
    const h = halves[i]!;
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    out[i] =
      exponent === 0
        ? sign * mantissa * 2 ** -24
        : exponent === 0x1f
          ? mantissa
            ? NaN
            : sign * Infinity
          : sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
  }
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Splits "node:k" into the node's name and the output index. */
export function parseTensorName(ref: string): { node: string; index: number } {
  const match = /^(.*):(\d+)$/.exec(ref);
  return match ? { node: match[1]!, index: Number(match[2]) } : { node: ref, index: 0 };
}
