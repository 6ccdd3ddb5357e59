import type { LabConfig, ModelConfig, VocabKind } from './types';

/** Models estimated above this many parameters are refused: they would not train in a lab session. */
export const MAX_PARAMETERS = 200_000_000;
/** Runs whose estimated activation memory is above this are refused. */
export const MAX_ACTIVATION_BYTES = 8 * 1024 ** 3;
/** Rough bytes of saved activations per token, per layer and per model dimension (forward values kept for backward). */
export const ACTIVATION_BYTES_PER_UNIT = 40;

/**
 * Vocabulary size known before reading the data: bytes give 256 plus a few special tokens, gpt2 50 257 plus them, bpe
 * its vocab_size. char and word vocabularies depend on the data, so their embedding term is left out of the estimate.
 */
export function knownVocabSize(vocab: VocabKind, bpeSize = 0): number {
  return vocab === 'byte' ? 260 : vocab === 'gpt2' ? 50261 : vocab === 'bpe' ? bpeSize : 0;
}

/**
 * Estimated number of trainable parameters (embeddings, attention, feed-forward, norms). Without `vocabSize` (read
 * from the data) a char or word vocabulary's embeddings are left out.
 */
export function estimateParameters(model: ModelConfig, vocab: VocabKind, vocabSize = knownVocabSize(vocab)): number {
  const c = model.d_model;
  const biasUnit = model.bias ? 1 : 0;
  const norm = c * (1 + biasUnit);
  const attention = 4 * c * c + 4 * c * biasUnit;
  const feedForward = 2 * c * model.d_ff + (model.d_ff + c) * biasUnit;
  const block = 2 * norm + attention + feedForward;
  const outputHead = model.tie_embeddings ? 0 : vocabSize * c;
  if (model.kind === 'gpt') return vocabSize * c + model.context * c + model.n_layers * block + norm + outputHead;
  // Sinusoidal positions: the encoder-decoder's embeddings are its two token tables only.
  const decoderBlock = block + attention + norm;
  return 2 * vocabSize * c + model.n_encoder_layers * block + model.n_decoder_layers * decoderBlock + 2 * norm + outputHead;
}

/** Number of Transformer blocks the model stacks. */
export function layerCount(model: ModelConfig): number {
  return model.kind === 'gpt' ? model.n_layers : model.n_encoder_layers + model.n_decoder_layers;
}

/** Estimated activation memory of one forward/backward pass: batch × context × d_model × layers × 40 bytes. */
export function estimateActivationBytes(config: LabConfig): number {
  const { model, training } = config;
  return training.batch_size * model.context * model.d_model * layerCount(model) * ACTIVATION_BYTES_PER_UNIT;
}

/** A count in words a student reads at a glance: "2.4 billion", "350 million", "12,345". */
export function formatCount(count: number): string {
  if (count >= 1e9) return `${oneDecimal(count / 1e9)} billion`;
  if (count >= 1e6) return `${oneDecimal(count / 1e6)} million`;
  return Math.round(count).toLocaleString('en-US');
}

/** Bytes as GiB with at most one decimal. */
export function formatGiB(bytes: number): string {
  return `${oneDecimal(bytes / 1024 ** 3)} GiB`;
}

function oneDecimal(value: number): string {
  return value.toFixed(1).replace(/\.0$/, '');
}
