// Converts the part of a tfjs graph model that chosen outputs depend on into ONNX nodes on an
// OnnxGraph. Everything else (e.g. detection post-processing) is pruned, never looked at.
//
// Layout: TensorFlow graphs are NHWC, ONNX convolutions NCHW. Every rank-4 tensor of the TF graph is
// held as NCHW ("nchw" layout) as soon as a convolution-like op produces or consumes it; the graph
// input is transposed once. Per-channel constants are reshaped to broadcast against NCHW, axes of
// Mean/ConcatV2 are remapped, and Reshape (whose semantics depend on the memory order) transposes
// back to NHWC first. Other tensors keep TF's layout ("tf").
//
// Subexpressions of constants (e.g. a resize size computed from constants) are folded at
// conversion time. An op outside the supported set fails with an error naming the op and its node.
import type { OnnxGraph } from './onnx-graph';
import { parseTensorName, type TfjsGraphModel, type TfjsNode, type TfjsTensor } from './tfjs-graph';

export interface ConvertOptions {
  /** TF placeholder name → the ONNX graph input that feeds it, in TF's own layout (NHWC). */
  inputs: Record<string, string>;
  /** TF tensor names ("node" or "node:k") whose ONNX names to return, in order. */
  outputs: string[];
}

/** An op (or a fused op, or an attribute value) the converter does not handle. */
export class UnsupportedOpError extends Error {
  override name = 'UnsupportedOpError';
  constructor(
    readonly op: string,
    readonly node: string,
    detail?: string,
  ) {
    super(`cannot convert tfjs op ${op} (node ${node})${detail ? `: ${detail}` : ''}`);
  }
}

/**
 * Adds the nodes computing `options.outputs` from `options.inputs` to `graph`; returns the ONNX
 * names of the outputs. Rank-4 outputs come out NCHW, others as TF has them.
 */
export function convertTfjsGraph(graph: OnnxGraph, model: TfjsGraphModel, options: ConvertOptions): string[] {
  const converter = new Converter(graph, model, options.inputs);
  const values = converter.convert(options.outputs);
  return values.map((value) => (value.rank === 4 ? converter.nchw(value) : converter.tf(value)));
}

type Layout = 'nchw' | 'tf';

interface Value {
  /** TF's rank; undefined when unknown. */
  rank: number | undefined;
  layout: Layout;
  /** The ONNX tensor in `layout`; absent for constants not yet needed in the graph. */
  name?: string;
  /** Known at conversion time. */
  constant?: TfjsTensor;
  /** The same tensor in the other layout, once made. */
  other?: string;
  hint: string;
}

const NHWC_TO_NCHW = [0, 3, 1, 2];
const NCHW_TO_NHWC = [0, 2, 3, 1];
/** Where NHWC axis a sits in NCHW. */
const NCHW_POSITION = [0, 2, 3, 1];

const unaryOps: Record<string, string> = {
  Relu: 'Relu',
  Sigmoid: 'Sigmoid',
  Tanh: 'Tanh',
  Elu: 'Elu',
  Exp: 'Exp',
  Log: 'Log',
  Sqrt: 'Sqrt',
  Abs: 'Abs',
  Neg: 'Neg',
  Floor: 'Floor',
  Ceil: 'Ceil',
  Reciprocal: 'Reciprocal',
};

const binaryOps: Record<string, string> = {
  Add: 'Add',
  AddV2: 'Add',
  BiasAdd: 'Add',
  Sub: 'Sub',
  Mul: 'Mul',
  RealDiv: 'Div',
  Maximum: 'Max',
  Minimum: 'Min',
};

const binaryFolds: Record<string, (a: number, b: number) => number> = {
  Add: (a, b) => a + b,
  AddV2: (a, b) => a + b,
  BiasAdd: (a, b) => a + b,
  Sub: (a, b) => a - b,
  Mul: (a, b) => a * b,
  RealDiv: (a, b) => a / b,
  FloorDiv: (a, b) => Math.floor(a / b),
  Maximum: (a, b) => Math.max(a, b),
  Minimum: (a, b) => Math.min(a, b),
};

const reductions: Record<string, string> = {
  Mean: 'ReduceMean',
  Max: 'ReduceMax',
  Min: 'ReduceMin',
  Prod: 'ReduceProd',
  Sum: 'ReduceSum',
};

const activations = new Set(['Relu', 'Relu6', 'Elu', 'Sigmoid', 'Tanh', 'LeakyRelu']);

class Converter {
  private readonly values = new Map<string, Value>();
  private readonly shared = new Map<string, string>();

  constructor(
    private readonly graph: OnnxGraph,
    private readonly model: TfjsGraphModel,
    private readonly inputs: Record<string, string>,
  ) {}

  convert(outputs: string[]): Value[] {
    for (const name of this.order(outputs.map((ref) => parseTensorName(ref).node))) {
      const node = this.model.nodes.get(name)!;
      this.values.set(name, this.convertNode(node));
    }
    return outputs.map((ref) => this.ref(ref));
  }

  /** The nodes the outputs depend on, each after its inputs. */
  private order(targets: string[]): string[] {
    const order: string[] = [];
    const seen = new Set<string>();
    const stack: { name: string; done: boolean }[] = targets.map((name) => ({ name, done: false })).reverse();
    while (stack.length > 0) {
      const { name, done } = stack.pop()!;
      if (done) {
        order.push(name);
        continue;
      }
      if (seen.has(name)) continue;
      const node = this.model.nodes.get(name);
      if (!node) throw new Error(`the tfjs model has no node ${name}`);
      seen.add(name);
      stack.push({ name, done: true });
      for (const input of [...node.inputs].reverse()) {
        const dep = parseTensorName(input).node;
        if (!seen.has(dep)) stack.push({ name: dep, done: false });
      }
    }
    return order;
  }

  private ref(ref: string): Value {
    const { node, index } = parseTensorName(ref);
    const value = this.values.get(node);
    if (!value) throw new Error(`tensor ${ref} was not converted before its use`);
    if (index !== 0) {
      const op = this.model.nodes.get(node)!.op;
      throw new UnsupportedOpError(op, node, `output ${index} is not supported`);
    }
    return value;
  }

  // ---- Materialising values in a layout ----

  /** The value's ONNX name in TF's layout. */
  tf(value: Value): string {
    if (value.layout === 'tf') {
      if (value.name === undefined) value.name = this.graph.constant(value.hint, onnxTensor(value.constant!));
      return value.name;
    }
    value.other ??= this.graph.op('Transpose', [value.name!], { perm: NCHW_TO_NHWC }, `${value.hint}/nhwc`);
    return value.other;
  }

  /** The value's ONNX name as NCHW (a rank-4 value). */
  nchw(value: Value): string {
    if (value.layout === 'nchw') return value.name!;
    if (value.rank !== 4) throw new Error(`${value.hint} is not a rank-4 tensor`);
    if (value.other === undefined) {
      value.other = value.constant
        ? this.graph.constant(`${value.hint}/nchw`, onnxTensor(transpose(value.constant, NHWC_TO_NCHW)))
        : this.graph.op('Transpose', [this.tf(value)], { perm: NHWC_TO_NCHW }, `${value.hint}/nchw`);
    }
    return value.other;
  }

  /** A lower-rank TF value made to broadcast against NCHW tensors as it did against NHWC ones. */
  private broadcastNchw(value: Value): string {
    const rank = value.rank;
    if (rank === undefined) throw new Error(`${value.hint} has an unknown rank`);
    if (rank === 4 || value.layout === 'nchw') return this.nchw(value);
    if (value.constant) {
      if (value.constant.data.length === 1) return this.tf(value);
      const shape = [...Array<number>(4 - rank).fill(1), ...value.constant.shape];
      const padded = { ...value.constant, shape };
      // [C] → [C,1,1]; other shapes as the full 4-D transpose.
      const transposed = transpose(padded, NHWC_TO_NCHW);
      if (rank === 1) transposed.shape = transposed.shape.slice(1);
      return this.graph.constant(`${value.hint}/nchw`, onnxTensor(transposed));
    }
    if (rank === 0) return this.tf(value);
    const axes = this.int64s(Array.from({ length: 4 - rank }, (_, i) => i));
    const padded = this.graph.op('Unsqueeze', [this.tf(value), axes], {}, `${value.hint}/rank4`);
    return this.graph.op('Transpose', [padded], { perm: NHWC_TO_NCHW }, `${value.hint}/nchw`);
  }

  private int64s(values: number[]): string {
    const key = `i64:${values.join(',')}`;
    let name = this.shared.get(key);
    if (!name) this.shared.set(key, (name = this.graph.int64s('const_i64', values)));
    return name;
  }

  private scalar(value: number): string {
    const key = `f32:${value}`;
    let name = this.shared.get(key);
    if (!name) this.shared.set(key, (name = this.graph.floats('const_f32', [value], [])));
    return name;
  }

  // ---- Nodes ----

  private convertNode(node: TfjsNode): Value {
    const { op, name } = node;
    if (op === 'Const') {
      const constant = this.model.weights.get(name);
      if (!constant) throw new UnsupportedOpError(op, name, 'no weight holds its value');
      return { rank: constant.shape.length, layout: 'tf', constant, hint: name };
    }
    if (op === 'Placeholder') {
      const input = this.inputs[name];
      if (input === undefined) throw new Error(`graph input ${name} is not mapped to an ONNX input`);
      const shape = node.attrs.shape as { shape: number[] | null } | undefined;
      return { rank: shape?.shape?.length, layout: 'tf', name: input, hint: name };
    }
    if (op === 'Identity' || op === 'Snapshot' || op === 'StopGradient') return this.ref(node.inputs[0]!);

    const inputs = node.inputs.map((input) => this.ref(input));
    if (inputs.length > 0 && inputs.every((value) => value.constant)) {
      const folded = fold(
        node,
        inputs.map((value) => value.constant!),
      );
      if (folded) return { rank: folded.shape.length, layout: 'tf', constant: folded, hint: name };
    }

    if (op in unaryOps)
      return this.sameLayout(
        inputs[0]!,
        this.graph.op(unaryOps[op]!, [this.named(inputs[0]!)], {}, name),
        name,
      );
    if (op === 'Relu6') return this.sameLayout(inputs[0]!, this.relu6(this.named(inputs[0]!), name), name);
    if (op === 'LeakyRelu')
      return this.sameLayout(
        inputs[0]!,
        this.graph.op(
          'LeakyRelu',
          [this.named(inputs[0]!)],
          { alpha: { float: num(node, 'alpha', 0.2) } },
          name,
        ),
        name,
      );
    if (op in binaryOps) return this.binary(node, binaryOps[op]!, inputs[0]!, inputs[1]!);
    if (op === 'Conv2D' || op === '_FusedConv2D') return this.convolution(node, inputs, false);
    if (op === 'DepthwiseConv2dNative' || op === 'FusedDepthwiseConv2dNative')
      return this.convolution(node, inputs, true);
    if (op === 'MaxPool' || op === 'AvgPool') return this.pool(node, inputs[0]!);
    if (op in reductions) return this.reduce(node, reductions[op]!, inputs[0]!, inputs[1]!);
    if (op === 'ResizeBilinear') return this.resize(node, inputs[0]!, inputs[1]!);
    if (op === 'ConcatV2') return this.concat(node, inputs.slice(0, -1), inputs.at(-1)!);
    if (op === 'Reshape') return this.reshape(node, inputs[0]!, inputs[1]!);
    throw new UnsupportedOpError(op, name);
  }

  /** The value's name in its own layout. */
  private named(value: Value): string {
    return value.layout === 'nchw' ? value.name! : this.tf(value);
  }

  private sameLayout(input: Value, name: string, hint: string): Value {
    return { rank: input.rank, layout: input.layout, name, hint };
  }

  private relu6(x: string, hint: string): string {
    return this.graph.op('Clip', [x, this.scalar(0), this.scalar(6)], {}, hint);
  }

  private binary(node: TfjsNode, onnxOp: string, a: Value, b: Value): Value {
    if (a.layout === 'nchw' || b.layout === 'nchw') {
      for (const v of [a, b])
        if (v.rank === undefined || v.rank > 4)
          throw new UnsupportedOpError(
            node.op,
            node.name,
            `an operand of rank ${v.rank ?? 'unknown'} with a 4-D one`,
          );
      const name = this.graph.op(onnxOp, [this.broadcastNchw(a), this.broadcastNchw(b)], {}, node.name);
      return { rank: 4, layout: 'nchw', name, hint: node.name };
    }
    const rank = a.rank === undefined || b.rank === undefined ? undefined : Math.max(a.rank, b.rank);
    return {
      rank,
      layout: 'tf',
      name: this.graph.op(onnxOp, [this.tf(a), this.tf(b)], {}, node.name),
      hint: node.name,
    };
  }

  private convolution(node: TfjsNode, inputs: Value[], depthwise: boolean): Value {
    const { name, op } = node;
    checkFormat(node);
    const filter = inputs[1]?.constant;
    if (!filter || filter.dtype !== 'float32' || filter.shape.length !== 4)
      throw new UnsupportedOpError(op, name, 'the filter must be a constant 4-D float tensor');
    const [kh, kw, cin, cout] = filter.shape as [number, number, number, number];
    // TF: [kh, kw, in, out] (depthwise: [kh, kw, in, multiplier]); ONNX: [out, in/group, kh, kw].
    const outChannels = depthwise ? cin * cout : cout;
    // Depthwise: ONNX output channel g·mult + j is TF's input channel g, multiplier j, so
    // [kh, kw, in, mult] → [in, mult, kh, kw]; otherwise [kh, kw, in, out] → [out, in, kh, kw].
    const weights = new Float64Array(transpose(filter, depthwise ? [2, 3, 0, 1] : [3, 2, 0, 1]).data);
    let bias: Float64Array | undefined;
    let activation: { op: string; alpha?: Value } | undefined;

    const fused = node.attrs.fused_ops as string[] | undefined;
    if (op === '_FusedConv2D' || op === 'FusedDepthwiseConv2dNative') {
      const args = inputs.slice(2);
      const expected = num(node, 'num_args', args.length);
      if (args.length !== expected)
        throw new UnsupportedOpError(op, name, `${args.length} fused arguments, num_args ${expected}`);
      let next = 0;
      const arg = (what: string): TfjsTensor => {
        const value = args[next++];
        if (!value?.constant || value.constant.data.length !== outChannels)
          throw new UnsupportedOpError(op, name, `${what} must be a constant of ${outChannels} values`);
        return value.constant;
      };
      for (const fusedOp of fused ?? []) {
        if (activation) throw new UnsupportedOpError(op, name, `fused ${fusedOp} after the activation`);
        if (fusedOp === 'BiasAdd') {
          const b = arg('the bias');
          bias = Float64Array.from(b.data, (v, c) => v + (bias?.[c] ?? 0));
        } else if (fusedOp === 'FusedBatchNorm') {
          const [scale, offset, mean, variance] = ['scale', 'offset', 'mean', 'variance'].map((what) =>
            arg(what),
          );
          const epsilon = num(node, 'epsilon', 0.001);
          const perChannel = weights.length / outChannels;
          const folded = new Float64Array(outChannels);
          for (let c = 0; c < outChannels; c++) {
            const s = scale!.data[c]! / Math.sqrt(variance!.data[c]! + epsilon);
            for (let k = 0; k < perChannel; k++) weights[c * perChannel + k]! *= s;
            folded[c] = ((bias?.[c] ?? 0) - mean!.data[c]!) * s + offset!.data[c]!;
          }
          bias = folded;
        } else if (activations.has(fusedOp)) {
          activation = { op: fusedOp };
        } else if (fusedOp === 'Prelu') {
          activation = { op: fusedOp, alpha: args[next++] };
          if (!activation.alpha) throw new UnsupportedOpError(op, name, 'Prelu without its alpha');
        } else {
          throw new UnsupportedOpError(op, name, `fused op ${fusedOp} is not supported`);
        }
      }
    }

    const strides = ints(node, 'strides', [1, 1, 1, 1]);
    const dilations = ints(node, 'dilations', [1, 1, 1, 1]);
    const attributes = {
      kernel_shape: [kh, kw],
      strides: [strides[1]!, strides[2]!],
      dilations: [dilations[1]!, dilations[2]!],
      group: depthwise ? cin : 1,
      ...padding(node),
    };
    const w = this.graph.floats(`${name}/weights`, Float32Array.from(weights), [
      outChannels,
      depthwise ? 1 : cin,
      kh,
      kw,
    ]);
    const convInputs = [this.nchw(inputs[0]!), w];
    if (bias) convInputs.push(this.graph.floats(`${name}/bias`, Float32Array.from(bias)));
    let y = this.graph.op('Conv', convInputs, attributes, activation ? `${name}/conv` : name);
    if (activation) {
      const { op: act, alpha } = activation;
      y =
        act === 'Relu6'
          ? this.relu6(y, name)
          : act === 'LeakyRelu'
            ? this.graph.op('LeakyRelu', [y], { alpha: { float: num(node, 'leakyrelu_alpha', 0.2) } }, name)
            : act === 'Prelu'
              ? this.graph.op('PRelu', [y, this.broadcastNchw(alpha!)], {}, name)
              : this.graph.op(act, [y], {}, name);
    }
    return { rank: 4, layout: 'nchw', name: y, hint: name };
  }

  private pool(node: TfjsNode, x: Value): Value {
    checkFormat(node);
    const ksize = ints(node, 'ksize', []);
    const strides = ints(node, 'strides', [1, 1, 1, 1]);
    if (ksize.length !== 4 || ksize[0] !== 1 || ksize[3] !== 1)
      throw new UnsupportedOpError(node.op, node.name, `ksize ${ksize.join(',')}`);
    const pad = padding(node);
    if ('pads' in pad && pad.pads.some((p) => p !== 0))
      throw new UnsupportedOpError(node.op, node.name, 'explicit padding');
    const name = this.graph.op(
      node.op === 'MaxPool' ? 'MaxPool' : 'AveragePool',
      [this.nchw(x)],
      { kernel_shape: [ksize[1]!, ksize[2]!], strides: [strides[1]!, strides[2]!], ...pad },
      node.name,
    );
    return { rank: 4, layout: 'nchw', name, hint: node.name };
  }

  private reduce(node: TfjsNode, onnxOp: string, x: Value, axesValue: Value): Value {
    const rank = x.rank;
    if (!axesValue.constant || rank === undefined)
      throw new UnsupportedOpError(node.op, node.name, 'needs constant axes and a known rank');
    const tfAxes = [...new Set(Array.from(axesValue.constant.data, (a) => (a < 0 ? a + rank : a)))].sort(
      byNumber,
    );
    const keep = Boolean(node.attrs.keep_dims ?? false);
    const nchw = x.layout === 'nchw';
    const axes = nchw ? tfAxes.map((a) => NCHW_POSITION[a]!).sort(byNumber) : tfAxes;
    const input = nchw ? x.name! : this.tf(x);
    const keepdims = keep ? 1 : 0;
    const hint = keep || !nchw ? node.name : `${node.name}/nchw_order`;
    const reduced =
      onnxOp === 'ReduceSum'
        ? this.graph.op(onnxOp, [input, this.int64s(axes)], { keepdims }, hint)
        : this.graph.op(onnxOp, [input], { axes, keepdims }, hint);
    if (keep) return { rank, layout: x.layout, name: reduced, hint: node.name };
    const outRank = rank - tfAxes.length;
    if (!nchw) return { rank: outRank, layout: 'tf', name: reduced, hint: node.name };
    // What is left of NCHW, in NCHW order, as NHWC axes; TF keeps them in NHWC order.
    const left = NHWC_TO_NCHW.filter((a) => !tfAxes.includes(a));
    const sorted = [...left].sort(byNumber);
    if (left.every((a, i) => a === sorted[i]))
      return { rank: outRank, layout: 'tf', name: reduced, hint: node.name };
    const perm = sorted.map((a) => left.indexOf(a));
    const name = this.graph.op('Transpose', [reduced], { perm }, node.name);
    return { rank: outRank, layout: 'tf', name, hint: node.name };
  }

  private resize(node: TfjsNode, x: Value, size: Value): Value {
    if (!size.constant || size.constant.data.length !== 2)
      throw new UnsupportedOpError(node.op, node.name, 'the size must fold to a constant [height, width]');
    const alignCorners = Boolean(node.attrs.align_corners ?? false);
    const halfPixel = Boolean(node.attrs.half_pixel_centers ?? false);
    const input = this.nchw(x);
    const batchAndChannels = this.graph.op('Shape', [input], { start: 0, end: 2 }, `${node.name}/nc`);
    const sizes = this.graph.op(
      'Concat',
      [batchAndChannels, this.int64s(Array.from(size.constant.data))],
      { axis: 0 },
      `${node.name}/sizes`,
    );
    const name = this.graph.op(
      'Resize',
      [input, '', '', sizes],
      {
        mode: 'linear',
        coordinate_transformation_mode: alignCorners
          ? 'align_corners'
          : halfPixel
            ? 'half_pixel'
            : 'asymmetric',
      },
      node.name,
    );
    return { rank: 4, layout: 'nchw', name, hint: node.name };
  }

  private concat(node: TfjsNode, parts: Value[], axisValue: Value): Value {
    if (!axisValue.constant) throw new UnsupportedOpError(node.op, node.name, 'the axis must be a constant');
    const rank = parts.find((part) => part.rank !== undefined)?.rank;
    let axis = axisValue.constant.data[0]!;
    if (axis < 0) {
      if (rank === undefined)
        throw new UnsupportedOpError(node.op, node.name, 'a negative axis on an unknown rank');
      axis += rank;
    }
    if (parts.some((part) => part.layout === 'nchw')) {
      const name = this.graph.op(
        'Concat',
        parts.map((part) => this.nchw(part)),
        { axis: NCHW_POSITION[axis]! },
        node.name,
      );
      return { rank: 4, layout: 'nchw', name, hint: node.name };
    }
    const name = this.graph.op(
      'Concat',
      parts.map((part) => this.tf(part)),
      { axis },
      node.name,
    );
    return { rank, layout: 'tf', name, hint: node.name };
  }

  private reshape(node: TfjsNode, x: Value, shape: Value): Value {
    if (!shape.constant)
      throw new UnsupportedOpError(node.op, node.name, 'the shape must fold to a constant');
    const dims = Array.from(shape.constant.data);
    const name = this.graph.op('Reshape', [this.tf(x), this.int64s(dims)], {}, node.name);
    return { rank: dims.length, layout: 'tf', name, hint: node.name };
  }
}

const byNumber = (a: number, b: number) => a - b;

// ---- Attributes ----

function num(node: TfjsNode, key: string, fallback: number): number {
  const value = node.attrs[key];
  return typeof value === 'number' ? value : fallback;
}

function ints(node: TfjsNode, key: string, fallback: number[]): number[] {
  const value = node.attrs[key];
  return Array.isArray(value) && value.length > 0 ? (value as number[]) : fallback;
}

function checkFormat(node: TfjsNode): void {
  const format = node.attrs.data_format ?? 'NHWC';
  if (format !== 'NHWC')
    throw new UnsupportedOpError(node.op, node.name, `data_format ${JSON.stringify(format)}`);
}

/** TF padding as ONNX attributes: SAME pads the end when the total is odd, as SAME_UPPER does. */
function padding(node: TfjsNode): { auto_pad: string } | { pads: number[] } {
  const value = node.attrs.padding;
  if (value === 'SAME') return { auto_pad: 'SAME_UPPER' };
  if (value === 'VALID') return { pads: [0, 0, 0, 0] };
  if (value === 'EXPLICIT') {
    const p = ints(node, 'explicit_paddings', []);
    if (p.length !== 8) throw new UnsupportedOpError(node.op, node.name, 'explicit_paddings needs 8 values');
    // NHWC pairs (before, after) → ONNX [top, left, bottom, right].
    return { pads: [p[2]!, p[4]!, p[3]!, p[5]!] };
  }
  throw new UnsupportedOpError(node.op, node.name, `padding ${JSON.stringify(value)}`);
}

// ---- Constants ----

function count(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function onnxTensor(tensor: TfjsTensor): { dims: number[]; data: Float32Array | Int32Array } {
  if (tensor.dtype === 'bool') throw new Error('boolean constants are not supported');
  return { dims: tensor.shape, data: tensor.data as Float32Array | Int32Array };
}

function like(tensor: TfjsTensor, n: number): Float32Array | Int32Array | Uint8Array {
  return tensor.dtype === 'float32'
    ? new Float32Array(n)
    : tensor.dtype === 'int32'
      ? new Int32Array(n)
      : new Uint8Array(n);
}

function strides(shape: number[]): number[] {
  const out = new Array<number>(shape.length);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = stride;
    stride *= shape[i]!;
  }
  return out;
}

/** A constant with its axes permuted: output axis i is input axis perm[i]. */
export function transpose(tensor: TfjsTensor, perm: number[]): TfjsTensor {
  const shape = perm.map((axis) => tensor.shape[axis]!);
  const inStrides = strides(tensor.shape);
  const stepOf = perm.map((axis) => inStrides[axis]!);
  const n = count(shape);
  const out = like(tensor, n);
  const index = new Array<number>(shape.length).fill(0);
  let source = 0;
  for (let i = 0; i < n; i++) {
    out[i] = tensor.data[source]!;
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d]!++;
      source += stepOf[d]!;
      if (index[d]! < shape[d]!) break;
      source -= stepOf[d]! * shape[d]!;
      index[d] = 0;
    }
  }
  return { dtype: tensor.dtype, shape, data: out };
}

/** Evaluates an op on constants, or returns undefined to convert it as an ONNX node. */
function fold(node: TfjsNode, inputs: TfjsTensor[]): TfjsTensor | undefined {
  const { op } = node;
  const binary = binaryFolds[op];
  if (binary && inputs.length === 2) return broadcast(inputs[0]!, inputs[1]!, binary);
  if (op === 'Cast') {
    const to = node.attrs.DstT;
    const [x] = inputs;
    if (to === 'DT_FLOAT') return { dtype: 'float32', shape: x!.shape, data: Float32Array.from(x!.data) };
    if (to === 'DT_INT32')
      return { dtype: 'int32', shape: x!.shape, data: Int32Array.from(x!.data, Math.trunc) };
    return undefined;
  }
  if (op === 'Reshape') {
    const [x, shape] = inputs as [TfjsTensor, TfjsTensor];
    const dims = Array.from(shape.data);
    const known = dims.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    return { ...x, shape: dims.map((d) => (d === -1 ? x.data.length / known : d)) };
  }
  if (op === 'ConcatV2') {
    const parts = inputs.slice(0, -1);
    const rank = parts[0]!.shape.length;
    let axis = inputs.at(-1)!.data[0]!;
    if (axis < 0) axis += rank;
    if (rank === 1) {
      const data = like(
        parts[0]!,
        parts.reduce((sum, part) => sum + part.data.length, 0),
      );
      let offset = 0;
      for (const part of parts) {
        data.set(part.data, offset);
        offset += part.data.length;
      }
      return { dtype: parts[0]!.dtype, shape: [data.length], data };
    }
    // Higher ranks: concatenating along `axis` is a stack of the leading blocks.
    const outer = count(parts[0]!.shape.slice(0, axis));
    const shape = [...parts[0]!.shape];
    shape[axis] = parts.reduce((sum, part) => sum + part.shape[axis]!, 0);
    const data = like(parts[0]!, count(shape));
    let offset = 0;
    for (let o = 0; o < outer; o++)
      for (const part of parts) {
        const block = part.data.length / outer;
        data.set(part.data.subarray(o * block, (o + 1) * block), offset);
        offset += block;
      }
    return { dtype: parts[0]!.dtype, shape, data };
  }
  return undefined;
}

function broadcast(a: TfjsTensor, b: TfjsTensor, f: (x: number, y: number) => number): TfjsTensor {
  const rank = Math.max(a.shape.length, b.shape.length);
  const pad = (shape: number[]) => [...Array<number>(rank - shape.length).fill(1), ...shape];
  const sa = pad(a.shape);
  const sb = pad(b.shape);
  const shape = sa.map((d, i) => {
    const e = sb[i]!;
    if (d !== e && d !== 1 && e !== 1)
      throw new Error(`cannot broadcast [${a.shape.join(',')}] with [${b.shape.join(',')}]`);
    return Math.max(d, e);
  });
  const stA = strides(sa).map((s, i) => (sa[i] === 1 ? 0 : s));
  const stB = strides(sb).map((s, i) => (sb[i] === 1 ? 0 : s));
  const outStrides = strides(shape);
  const n = count(shape);
  const out = like(a, n);
  for (let i = 0; i < n; i++) {
    let ia = 0;
    let ib = 0;
    let rest = i;
    for (let d = 0; d < rank; d++) {
      const k = Math.floor(rest / outStrides[d]!);
      rest -= k * outStrides[d]!;
      ia += k * stA[d]!;
      ib += k * stB[d]!;
    }
    out[i] = f(a.data[ia]!, b.data[ib]!);
  }
  return { dtype: a.dtype, shape, data: out };
}
