import { ONNX_ATTRIBUTE, ONNX_DTYPE } from './onnxSchema';
import type { OnnxAttribute, OnnxGraph, OnnxNode, OnnxTensor, OnnxValueInfo } from './onnxProto';

/** An attribute value: `int(…)`, `ints(…)`, `float(…)` or a constant tensor. */
export type AttributeValue = Omit<OnnxAttribute, 'name'>;

export const int = (i: number): AttributeValue => ({ type: ONNX_ATTRIBUTE.INT, i });
export const ints = (values: number[]): AttributeValue => ({ type: ONNX_ATTRIBUTE.INTS, ints: values });
export const float = (f: number): AttributeValue => ({ type: ONNX_ATTRIBUTE.FLOAT, f });

function floatBytes(data: Float32Array): Uint8Array {
  const bytes = new Uint8Array(data.length * 4);
  const view = new DataView(bytes.buffer);
  data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return bytes;
}

function int64Bytes(data: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(data.length * 8);
  const view = new DataView(bytes.buffer);
  data.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return bytes;
}

/**
 * Builds an ONNX graph node by node. Values are named by the caller's hint plus a counter, so every name is unique;
 * weights become initializers under their state-dict names; small constants become Constant nodes.
 */
export class GraphBuilder {
  private readonly nodes: OnnxNode[] = [];
  private readonly initializers: OnnxTensor[] = [];
  private readonly inputs: OnnxValueInfo[] = [];
  private readonly outputs: OnnxValueInfo[] = [];
  private readonly transposed = new Map<string, string>();
  private readonly constants = new Map<string, string>();
  private counter = 0;

  input(name: string, elemType: number, shape: (number | string)[]): string {
    this.inputs.push({ name, elemType, shape });
    return name;
  }

  output(value: string, name: string, elemType: number, shape: (number | string)[]): void {
    this.op('Identity', [value], {}, name, name);
    this.outputs.push({ name, elemType, shape });
  }

  /** A float32 weight as an initializer named `name`. */
  weight(name: string, dims: readonly number[], data: Float32Array): string {
    this.initializers.push({ name, dims: [...dims], dataType: ONNX_DTYPE.FLOAT, rawData: floatBytes(data) });
    return name;
  }

  /** Adds one node and returns the name of its (first) output. */
  op(opType: string, inputs: string[], attributes: Record<string, AttributeValue> = {}, hint = opType, outputName?: string): string {
    const output = outputName ?? `${hint}_${this.counter++}`;
    const attribute = Object.entries(attributes).map(([name, value]) => ({ name, ...value }));
    this.nodes.push({ name: `${opType}:${output}`, opType, input: inputs, output: [output], attribute });
    return output;
  }

  /** A float32 scalar constant (shared between uses). */
  scalar(value: number): string {
    return this.constant(`f:${value}`, { name: '', dims: [], dataType: ONNX_DTYPE.FLOAT, rawData: floatBytes(Float32Array.of(value)) });
  }

  /** An int64 constant: a scalar when `scalar`, else a 1-D vector (shapes, axes, split sizes). */
  int64(values: readonly number[], scalar = false): string {
    const dims = scalar ? [] : [values.length];
    return this.constant(`i:${dims.length}:${values.join(',')}`, { name: '', dims, dataType: ONNX_DTYPE.INT64, rawData: int64Bytes(values) });
  }

  /** The transpose of a 2-D weight, computed once per weight (ONNX Runtime folds it when the model loads). */
  transpose(weight: string): string {
    let name = this.transposed.get(weight);
    if (!name) {
      name = this.op('Transpose', [weight], { perm: ints([1, 0]) }, `${weight}.T`, `${weight}.T`);
      this.transposed.set(weight, name);
    }
    return name;
  }

  build(name: string): OnnxGraph {
    return { name, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs };
  }

  private constant(key: string, tensor: OnnxTensor): string {
    let name = this.constants.get(key);
    if (!name) {
      name = this.op('Constant', [], { value: { type: ONNX_ATTRIBUTE.TENSOR, t: tensor } }, 'const');
      this.constants.set(key, name);
    }
    return name;
  }
}
