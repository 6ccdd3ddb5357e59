import type * as Ort from 'onnxruntime-web';
import type { ModelKind } from '../../config/types';
import { vocabularyFromJSON, type Vocabulary } from '../../engine/data/vocab';
import { METADATA_KEYS } from './exportModel';
import { decodeOnnxModel } from './onnxProto';
import type { NextTokenModel } from './sampling';

/** The parts of onnxruntime-web a runner needs; the CLI and the Try Model panel each pass their own import. */
export type OrtModule = Pick<typeof Ort, 'InferenceSession' | 'Tensor'>;

/** What an exported model says about itself in its metadata. */
export interface ExportedModelInfo {
  kind: ModelKind;
  context: number;
  vocab: Vocabulary;
  sequences: 'stream' | 'lines';
  name: string;
  /** Training steps of the weights, or null when unknown. */
  step: number | null;
}

/** Reads the Loss Lab metadata of a .onnx file; throws when the file was not exported by Loss Lab. */
export function readModelInfo(metadata: Readonly<Record<string, string>>): ExportedModelInfo {
  const kind = metadata[METADATA_KEYS.modelKind];
  const context = Number(metadata[METADATA_KEYS.context]);
  const vocabText = metadata[METADATA_KEYS.vocab];
  if ((kind !== 'gpt' && kind !== 'encoder-decoder') || !Number.isInteger(context) || context < 1 || vocabText === undefined) {
    throw new Error('this ONNX file has no Loss Lab metadata (model_kind, context, vocab): export it with losslab export-onnx');
  }
  const step = metadata[METADATA_KEYS.step];
  return {
    kind,
    context,
    vocab: vocabularyFromJSON(JSON.parse(vocabText)),
    sequences: metadata[METADATA_KEYS.sequences] === 'lines' ? 'lines' : 'stream',
    name: metadata[METADATA_KEYS.name] ?? '',
    step: step === undefined ? null : Number(step),
  };
}

/** An exported model in an onnxruntime-web session, giving next-token logits for one sequence at a time. */
export class OnnxTokenModel implements NextTokenModel {
  private constructor(
    private readonly ort: OrtModule,
    private readonly session: Ort.InferenceSession,
    readonly info: ExportedModelInfo,
  ) {}

  static async load(ort: OrtModule, bytes: Uint8Array): Promise<OnnxTokenModel> {
    const info = readModelInfo(decodeOnnxModel(bytes).metadata);
    return new OnnxTokenModel(ort, await ort.InferenceSession.create(bytes), info);
  }

  get kind(): ModelKind {
    return this.info.kind;
  }

  get context(): number {
    return this.info.context;
  }

  async next(tokens: readonly number[], source: readonly number[] | null): Promise<Float32Array> {
    const ids = (values: readonly number[]) => new this.ort.Tensor('int64', BigInt64Array.from(values, (v) => BigInt(v)), [1, values.length]);
    const feeds: Record<string, Ort.Tensor> = this.kind === 'gpt' ? { idx: ids(tokens) } : { src: ids(source ?? []), tgt_in: ids(tokens) };
    const { logits } = await this.session.run(feeds);
    const [, T, V] = logits.dims;
    return (logits.data as Float32Array).slice((T - 1) * V, T * V);
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
