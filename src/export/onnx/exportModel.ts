import type { LabConfig } from '../../config/types';
import type { VocabularyJSON } from '../../engine/data/vocab';
import type { NamedTensor } from '../../engine/train/weights';
import { encoderDecoderGraph, gptGraph } from './modelGraphs';
import { encodeOnnxModel, type OnnxModel } from './onnxProto';

/** Opset 17 is the first with LayerNormalization. */
export const ONNX_OPSET = 17;
/** The IR version that goes with opset 17. */
export const ONNX_IR_VERSION = 8;

/** Metadata keys of an exported model (ModelProto.metadata_props). */
export const METADATA_KEYS = {
  vocab: 'vocab',
  modelKind: 'model_kind',
  context: 'context',
  modelConfig: 'model_config',
  sequences: 'sequences',
  name: 'name',
  step: 'step',
} as const;

/** What an export needs: the run's resolved config, the trained weights by state-dict name and the vocabulary. */
export interface ExportSource {
  config: LabConfig;
  weights: ReadonlyMap<string, NamedTensor>;
  vocab: VocabularyJSON;
  vocabSize: number;
  /** Optimizer steps the weights were trained for, when known. */
  step?: number;
}

/** Builds the ONNX model (graph, weights, metadata) of a trained Loss Lab model. */
export function buildOnnxModel(source: ExportSource, producerVersion: string): OnnxModel {
  const { config, weights, vocabSize } = source;
  const model = config.model;
  const graph = model.kind === 'gpt' ? gptGraph(model, vocabSize, weights) : encoderDecoderGraph(model, vocabSize, weights);
  const used = new Set(graph.initializer.map((t) => t.name));
  const tied = model.kind === 'gpt' ? 'lm_head.weight' : 'generator.weight';
  const unused = [...weights.keys()].filter((name) => !used.has(name) && !(model.tie_embeddings && name === tied));
  if (unused.length > 0) throw new Error(`the checkpoint has weights this ${model.kind} config does not use: ${unused.join(', ')}`);
  const metadata: Record<string, string> = {
    [METADATA_KEYS.vocab]: JSON.stringify(source.vocab),
    [METADATA_KEYS.modelKind]: model.kind,
    [METADATA_KEYS.context]: String(model.context),
    [METADATA_KEYS.modelConfig]: JSON.stringify(model),
    [METADATA_KEYS.sequences]: config.data.sequences,
    [METADATA_KEYS.name]: config.name,
  };
  if (source.step !== undefined) metadata[METADATA_KEYS.step] = String(source.step);
  return { irVersion: ONNX_IR_VERSION, opsetVersion: ONNX_OPSET, producerName: 'losslab', producerVersion, graph, metadata };
}

/** The bytes of a .onnx file for a trained model. */
export function exportOnnx(source: ExportSource, producerVersion: string): Uint8Array {
  return encodeOnnxModel(buildOnnxModel(source, producerVersion));
}
