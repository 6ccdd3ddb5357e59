import type { ModelConfig } from '../../config/types';
import type { Graph } from '../graph';
import type { Tensor } from '../tensor';
import type { ParameterSet } from './parameters';

/** A batch as tensors on the model's backend; pad masks are i32 with 1 at padding. */
export type ModelInput =
  | { kind: 'gpt'; idx: Tensor /* i32 [B,T] */ }
  | { kind: 'encoder-decoder'; src: Tensor /* i32 [B,S] */; srcPad: Tensor; tgtIn: Tensor /* i32 [B,T] */; tgtPad: Tensor };

/** A Transformer that maps a batch to next-token logits [B, T, V]. */
export interface LanguageModel {
  readonly config: ModelConfig;
  readonly vocabSize: number;
  readonly params: ParameterSet;
  logits(g: Graph, input: ModelInput): Tensor;
}
