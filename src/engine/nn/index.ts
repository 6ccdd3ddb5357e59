import type { ModelConfig } from '../../config/types';
import type { Backend } from '../backend';
import { Rng } from '../rng';
import { EncoderDecoder } from './encoderDecoder';
import { Gpt } from './gpt';
import type { LanguageModel } from './model';

/** Random stream for weight initialisation, distinct from the data pipeline's streams of the same seed. */
const INIT_STREAM = 1;

/** Builds the model a config describes, initialised from the config's seed. */
export function createModel(config: ModelConfig, vocabSize: number, backend: Backend, seed: number): LanguageModel {
  const rng = new Rng(seed, INIT_STREAM);
  return config.kind === 'gpt' ? new Gpt(config, vocabSize, backend, rng) : new EncoderDecoder(config, vocabSize, backend, rng);
}

export type { LanguageModel, ModelInput } from './model';
