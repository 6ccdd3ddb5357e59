import { Root } from 'protobufjs/light';
import { ONNX_SCHEMA } from './onnxSchema';

/** A tensor as ONNX stores it: little-endian bytes in `rawData`. */
export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}

/** One node attribute; `type` says which of the value fields is set. */
export interface OnnxAttribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
  t?: OnnxTensor;
  floats?: number[];
  ints?: number[];
}

/** One operator application: `opType` over named input values, producing named output values. */
export interface OnnxNode {
  name: string;
  opType: string;
  input: string[];
  output: string[];
  attribute: OnnxAttribute[];
}

/** A named dimension is dynamic (e.g. "batch"); a number is fixed. */
export type OnnxDim = number | string;

/** A graph input or output: a tensor of an element type and shape. */
export interface OnnxValueInfo {
  name: string;
  elemType: number;
  shape: OnnxDim[];
}

/** The computation: nodes in topological order, weights as initializers, the typed inputs and outputs. */
export interface OnnxGraph {
  name: string;
  node: OnnxNode[];
  initializer: OnnxTensor[];
  input: OnnxValueInfo[];
  output: OnnxValueInfo[];
}

/** A whole model file. */
export interface OnnxModel {
  irVersion: number;
  opsetVersion: number;
  producerName: string;
  producerVersion: string;
  graph: OnnxGraph;
  metadata: Record<string, string>;
}

const root = Root.fromJSON(ONNX_SCHEMA);
const ModelProto = root.lookupType('onnx.ModelProto');

interface WireValueInfo {
  name: string;
  type: { tensorType: { elemType: number; shape: { dim: ({ dimValue: number } | { dimParam: string })[] } } };
}

function toWireValueInfo(v: OnnxValueInfo): WireValueInfo {
  const dim = v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name: v.name, type: { tensorType: { elemType: v.elemType, shape: { dim } } } };
}

function fromWireValueInfo(v: WireValueInfo): OnnxValueInfo {
  const t = v.type.tensorType;
  const shape = (t.shape?.dim ?? []).map((d) => ('dimParam' in d && d.dimParam ? d.dimParam : Number((d as { dimValue?: number }).dimValue ?? 0)));
  return { name: v.name, elemType: t.elemType, shape };
}

/** Serialises a model to the bytes of a .onnx file. */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const { graph } = model;
  const wire = {
    irVersion: model.irVersion,
    producerName: model.producerName,
    producerVersion: model.producerVersion,
    opsetImport: [{ domain: '', version: model.opsetVersion }],
    metadataProps: Object.entries(model.metadata).map(([key, value]) => ({ key, value })),
    graph: {
      name: graph.name,
      node: graph.node,
      initializer: graph.initializer,
      input: graph.input.map(toWireValueInfo),
      output: graph.output.map(toWireValueInfo),
    },
  };
  const problem = ModelProto.verify(wire);
  if (problem) throw new Error(`ONNX model does not fit the schema: ${problem}`);
  return ModelProto.encode(ModelProto.fromObject(wire)).finish();
}

/** Reads a .onnx file written by `encodeOnnxModel` (or any file using the same subset of the format). */
export function decodeOnnxModel(bytes: Uint8Array): OnnxModel {
  const wire = ModelProto.toObject(ModelProto.decode(bytes), { longs: Number, arrays: true, defaults: false }) as {
    irVersion?: number; producerName?: string; producerVersion?: string;
    opsetImport: { domain?: string; version?: number }[];
    metadataProps: { key: string; value: string }[];
    graph?: { name?: string; node: OnnxNode[]; initializer: OnnxTensor[]; input: WireValueInfo[]; output: WireValueInfo[] };
  };
  if (!wire.graph) throw new Error('not an ONNX model: it has no graph');
  const graph = wire.graph;
  return {
    irVersion: wire.irVersion ?? 0,
    opsetVersion: wire.opsetImport.find((o) => !o.domain)?.version ?? 0,
    producerName: wire.producerName ?? '',
    producerVersion: wire.producerVersion ?? '',
    metadata: Object.fromEntries(wire.metadataProps.map((p) => [p.key, p.value])),
    graph: {
      name: graph.name ?? '',
      node: graph.node.map((n) => ({ ...n, name: n.name ?? '', input: n.input ?? [], output: n.output ?? [], attribute: n.attribute ?? [] })),
      initializer: graph.initializer.map((t) => ({ ...t, name: t.name ?? '', dims: t.dims ?? [], rawData: t.rawData ?? new Uint8Array() })),
      input: graph.input.map(fromWireValueInfo),
      output: graph.output.map(fromWireValueInfo),
    },
  };
}
