// A small builder for ONNX graphs, written with the ONNX protobuf definitions (onnx-proto). The
// tfjs converter and the CSRA head both build their graphs with it.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** Opset 17: ReduceMean/ReduceMax still take `axes` as an attribute, and every provider runs it. */
export const opsetVersion = 17;

export type Dim = number | string;
export type AttributeValue = number | string | number[] | { floats: number[] } | { float: number };

export interface TensorValue {
  dims: number[];
  data: Float32Array | Int32Array | BigInt64Array;
}

export class OnnxGraph {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(readonly name: string) {}

  /** A fresh tensor name based on `hint`. */
  unique(hint: string): string {
    let name = hint;
    while (this.names.has(name)) name = `${hint}_${++this.counter}`;
    this.names.add(name);
    return name;
  }

  input(name: string, shape: Dim[]): string {
    this.names.add(name);
    this.inputs.push(valueInfo(name, shape));
    return name;
  }

  output(name: string, shape: Dim[]): void {
    this.outputs.push(valueInfo(name, shape));
  }

  constant(hint: string, value: TensorValue): string {
    const name = this.unique(hint);
    const { data } = value;
    const dataType =
      data instanceof Float32Array
        ? onnx.TensorProto.DataType.FLOAT
        : data instanceof Int32Array
          ? onnx.TensorProto.DataType.INT32
          : onnx.TensorProto.DataType.INT64;
    this.initializers.push({
      name,
      dims: value.dims,
      dataType,
      rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
    return name;
  }

  floats(hint: string, values: number[] | Float32Array, dims: number[] = [values.length]): string {
    return this.constant(hint, { dims, data: Float32Array.from(values) });
  }

  int64s(hint: string, values: number[], dims: number[] = [values.length]): string {
    return this.constant(hint, { dims, data: BigInt64Array.from(values.map(BigInt)) });
  }

  /** Adds one node; returns the names of its outputs (`outputNames` fixes them, e.g. graph outputs). */
  node(
    opType: string,
    inputs: string[],
    attributes: Record<string, AttributeValue> = {},
    options: { outputs?: number; outputNames?: string[]; name?: string } = {},
  ): string[] {
    const base = options.name ?? opType;
    const outputs =
      options.outputNames?.map((name) => (this.names.add(name), name)) ??
      Array.from({ length: options.outputs ?? 1 }, (_, i) => this.unique(`${base}:${i}`));
    this.nodes.push({
      opType,
      name: this.unique(`${base}#node`),
      input: inputs,
      output: outputs,
      attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
    });
    return outputs;
  }

  /** A node with exactly one output. */
  op(
    opType: string,
    inputs: string[],
    attributes: Record<string, AttributeValue> = {},
    name?: string,
  ): string {
    return this.node(opType, inputs, attributes, name ? { name } : {})[0]!;
  }

  encode(metadata: Record<string, string> = {}): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'csra-studio',
      opsetImport: [{ domain: '', version: opsetVersion }],
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
      metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function valueInfo(name: string, shape: Dim[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: shape.map((dim) => (typeof dim === 'number' ? { dimValue: dim } : { dimParam: dim })) },
      },
    },
  };
}

function attribute(name: string, value: AttributeValue): onnxProto.onnx.IAttributeProto {
  const { AttributeType } = onnx.AttributeProto;
  if (typeof value === 'number') return { name, type: AttributeType.INT, i: value };
  if (typeof value === 'string')
    return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
  if ('floats' in value) return { name, type: AttributeType.FLOATS, floats: value.floats };
  return { name, type: AttributeType.FLOAT, f: value.float };
}
