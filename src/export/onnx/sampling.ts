import type { ModelKind } from '../../config/types';
import { BOS_ID, EOS_ID, PAD_ID, UNK_ID, type Vocabulary } from '../../engine/data/vocab';
import { Rng } from '../../engine/rng';

/** How the next token is picked from the logits. */
export interface SamplingOptions {
  /** 0 = greedy (the most likely token); otherwise logits are divided by it before the softmax. */
  temperature: number;
  /** Sample only among the k most likely tokens (ties with the k-th included); 0 = all. */
  topK: number;
}

/** A model that gives the logits of the token after a prefix; an ONNX session, or anything else. */
export interface NextTokenModel {
  readonly kind: ModelKind;
  /** The longest sequence the model takes (positions beyond it have no embedding). */
  readonly context: number;
  /** Logits [V] after `tokens`; an encoder-decoder also reads `source` (null for gpt). */
  next(tokens: readonly number[], source: readonly number[] | null): Promise<Float32Array>;
}

export interface GenerateOptions extends SamplingOptions {
  /** Most tokens to generate. */
  maxTokens: number;
  seed: number;
  /**
   * gpt only: how it was trained. `lines` models saw `<bos> line <eos>`, so the prompt gets a `<bos>` and `<eos>`
   * ends the text; `stream` models saw plain text and generate exactly maxTokens.
   */
  sequences: 'stream' | 'lines';
  /** Sees each generated token as it comes (for live output). */
  onToken?(id: number): void;
}

export interface Generation {
  /** The generated ids (without `<bos>`, the prompt or the final `<eos>`). */
  tokens: number[];
  /** gpt: the prompt and its continuation, decoded; encoder-decoder: the translation. */
  text: string;
  /** Why generation ended: `<eos>`, --max-tokens, or the decoder's context was full. */
  stop: 'eos' | 'max_tokens' | 'context';
}

/** Never sampled: `<pad>`, `<bos>` and `<unk>` are never training targets (the vocabulary comes from the training data). */
const NEVER_SAMPLED = [PAD_ID, BOS_ID, UNK_ID];

/** Picks the next token from one row of logits: greedy at temperature 0, else a draw from softmax(logits / T) over the top k. */
export function sampleToken(logits: ArrayLike<number>, options: SamplingOptions, rng: Rng): number {
  const V = logits.length;
  const scores = Float64Array.from(logits);
  for (const id of NEVER_SAMPLED) if (id < V) scores[id] = -Infinity;
  if (options.temperature <= 0) {
    let best = 0;
    for (let i = 1; i < V; i++) if (scores[i] > scores[best]) best = i;
    return best;
  }
  if (options.topK > 0 && options.topK < V) {
    const threshold = [...scores].sort((a, b) => b - a)[options.topK - 1];
    for (let i = 0; i < V; i++) if (scores[i] < threshold) scores[i] = -Infinity;
  }
  let max = -Infinity;
  for (const s of scores) max = Math.max(max, s);
  const weights = scores.map((s) => (s === -Infinity ? 0 : Math.exp((s - max) / options.temperature)));
  const total = weights.reduce((a, b) => a + b, 0);
  let u = rng.uniform() * total;
  let last = 0;
  for (let i = 0; i < V; i++) {
    if (weights[i] === 0) continue;
    last = i;
    u -= weights[i];
    if (u < 0) return i;
  }
  // Rounding can leave u ≥ 0 after the last weight: that draw belongs to the last candidate.
  return last;
}

/** Continues a prompt (gpt) or translates it (encoder-decoder), one forward pass per token. */
export async function generate(model: NextTokenModel, vocab: Vocabulary, prompt: string, options: GenerateOptions): Promise<Generation> {
  const rng = new Rng(options.seed, 0x5a3e);
  const promptIds = vocab.encode(prompt);
  const generated: number[] = [];
  const emit = (id: number): void => {
    generated.push(id);
    options.onToken?.(id);
  };
  if (model.kind === 'gpt') {
    const lines = options.sequences === 'lines';
    const sequence = lines ? [BOS_ID, ...promptIds] : [...promptIds];
    if (sequence.length === 0) throw new Error('this model was trained on a stream of text: give it a prompt to continue');
    let stop: Generation['stop'] = 'max_tokens';
    while (generated.length < options.maxTokens) {
      const id = sampleToken(await model.next(sequence.slice(-model.context), null), options, rng);
      if (lines && id === EOS_ID) { stop = 'eos'; break; }
      sequence.push(id);
      emit(id);
    }
    return { tokens: generated, text: vocab.decode(sequence), stop };
  }
  // As in training: source `<eos>` cut to the context; the decoder starts from `<bos>`.
  const source = [...promptIds, EOS_ID].slice(0, model.context);
  const target = [BOS_ID];
  let stop: Generation['stop'] = 'max_tokens';
  while (generated.length < options.maxTokens) {
    if (target.length > model.context) { stop = 'context'; break; }
    const id = sampleToken(await model.next(target, source), options, rng);
    if (id === EOS_ID) { stop = 'eos'; break; }
    target.push(id);
    emit(id);
  }
  return { tokens: generated, text: vocab.decode(generated), stop };
}
