import { Rng } from '../rng';
import { datasetSize, type Dataset, type TokenPair } from './datasets';
import type { TokenIds } from './tokenIds';
import { BOS_ID, EOS_ID, PAD_ID } from './vocab';

// The split and the config-level entry point live in their own files; re-exported so the whole pipeline is here.
export { splitDataset } from './datasets';
export { prepareData } from './prepare';

/** A gpt batch, row-major [B, T]. `<pad>` targets are ignored by the loss. */
export interface GptBatch {
  kind: 'gpt';
  B: number;
  T: number;
  idx: Int32Array;
  targets: Int32Array;
  /** Non-pad targets: the number of positions the loss averages over. */
  tokens: number;
}

/** An encoder-decoder batch: `src` is [B, S], `tgtIn` and `tgtOut` are [B, T]. */
export interface Seq2SeqBatch {
  kind: 'encoder-decoder';
  B: number;
  S: number;
  T: number;
  src: Int32Array;
  tgtIn: Int32Array;
  tgtOut: Int32Array;
  /** Non-pad entries of `tgtOut`. */
  tokens: number;
}

export type Batch = GptBatch | Seq2SeqBatch;

function countNonPad(ids: Int32Array): number {
  let count = 0;
  for (const id of ids) if (id !== PAD_ID) count++;
  return count;
}

/**
 * nanoGPT's batch: row b is the window tokens[start, start + T + 1); idx is its first T tokens, targets the last T.
 * A window that runs past the end of the stream is padded with `<pad>`.
 */
export function streamBatch(tokens: TokenIds, starts: readonly number[], T: number): GptBatch {
  const B = starts.length;
  const n = tokens.length;
  const idx = new Int32Array(B * T).fill(PAD_ID);
  const targets = new Int32Array(B * T).fill(PAD_ID);
  starts.forEach((start, b) => {
    for (let t = 0; t < T; t++) {
      if (start + t < n) idx[b * T + t] = tokens[start + t];
      if (start + t + 1 < n) targets[b * T + t] = tokens[start + t + 1];
    }
  });
  return { kind: 'gpt', B, T, idx, targets, tokens: countNonPad(targets) };
}

/**
 * One row per sequence: `<bos> tokens <eos>` cut to context + 1 ids; idx drops the last id, targets the first.
 * Rows are right-padded with `<pad>` to the longest row of the batch.
 */
export function linesBatch(sequences: readonly TokenIds[], context: number): GptBatch {
  const B = sequences.length;
  const lengths = sequences.map((seq) => Math.min(seq.length + 1, context));
  const T = Math.max(...lengths);
  const idx = new Int32Array(B * T).fill(PAD_ID);
  const targets = new Int32Array(B * T).fill(PAD_ID);
  sequences.forEach((seq, b) => {
    // Position k of `<bos> seq <eos>`.
    const at = (k: number): number => (k === 0 ? BOS_ID : k <= seq.length ? seq[k - 1] : EOS_ID);
    for (let t = 0; t < lengths[b]; t++) {
      idx[b * T + t] = at(t);
      targets[b * T + t] = at(t + 1);
    }
  });
  return { kind: 'gpt', B, T, idx, targets, tokens: countNonPad(targets) };
}

/**
 * src = source `<eos>`, tgtIn = `<bos>` target, tgtOut = target `<eos>`, each cut to `context` ids and right-padded
 * with `<pad>` to the longest of the batch (S for src, T for the targets).
 */
export function pairsBatch(pairs: readonly TokenPair[], context: number): Seq2SeqBatch {
  const B = pairs.length;
  const srcLengths = pairs.map((p) => Math.min(p.source.length + 1, context));
  const tgtLengths = pairs.map((p) => Math.min(p.target.length + 1, context));
  const S = Math.max(...srcLengths);
  const T = Math.max(...tgtLengths);
  const src = new Int32Array(B * S).fill(PAD_ID);
  const tgtIn = new Int32Array(B * T).fill(PAD_ID);
  const tgtOut = new Int32Array(B * T).fill(PAD_ID);
  pairs.forEach(({ source, target }, b) => {
    for (let s = 0; s < srcLengths[b]; s++) src[b * S + s] = s < source.length ? source[s] : EOS_ID;
    for (let t = 0; t < tgtLengths[b]; t++) {
      tgtIn[b * T + t] = t === 0 ? BOS_ID : target[t - 1];
      tgtOut[b * T + t] = t < target.length ? target[t] : EOS_ID;
    }
  });
  return { kind: 'encoder-decoder', B, S, T, src, tgtIn, tgtOut, tokens: countNonPad(tgtOut) };
}

/** How batches are drawn. `seed` is usually the config's seed. */
export interface SamplerOptions {
  batchSize: number;
  context: number;
  shuffle: boolean;
  seed: number;
}

/** `random-windows`/`sequential-windows` for streams; `epochs` walks a permutation of the examples. */
export type SamplerMode = 'random-windows' | 'sequential-windows' | 'epochs';

/** Everything a sampler needs to continue exactly where it stopped; plain JSON for checkpoints. */
export interface SamplerState {
  mode: SamplerMode;
  /** Seeds each epoch's permutation. */
  seed: number;
  /** State of the random-window generator. */
  rng: [number, number, number, number];
  /** Next position in the epoch's permutation, or next window index. */
  cursor: number;
  epoch: number;
  /** Dataset size (tokens or examples) when saved, to catch a dataset that changed since. */
  size: number;
}

// Rng streams of the data pipeline, distinct from the ones other parts of Loss Lab draw from the same seed.
const WINDOW_STREAM = 0xda7a;
const PERMUTATION_STREAM = 0xda7b;
/** Added to the seed for evaluation batches, so they differ from the first training batches. */
const EVAL_SEED_OFFSET = 0x5eed;

/**
 * Draws training batches of exactly `batchSize` rows forever. Streams: random windows (shuffle) or consecutive
 * non-overlapping windows wrapping around (the tail shorter than a window is skipped). Lines and pairs: epochs over a
 * permutation of the examples (shuffled per epoch, or in file order), continuing into the next epoch mid-batch.
 */
export class BatchSampler {
  private readonly mode: SamplerMode;
  private readonly rng: Rng;
  private readonly size: number;
  private seed: number;
  private cursor = 0;
  private epoch = 0;
  private order: number[] | null = null;

  constructor(
    private readonly dataset: Dataset,
    private readonly options: SamplerOptions,
  ) {
    for (const key of ['batchSize', 'context'] as const) {
      const value = options[key];
      if (!Number.isInteger(value) || value < 1) throw new Error(`BatchSampler: ${key} is ${value}, expected a positive integer`);
    }
    this.mode = dataset.kind !== 'stream' ? 'epochs' : options.shuffle ? 'random-windows' : 'sequential-windows';
    this.seed = options.seed;
    this.rng = new Rng(options.seed, WINDOW_STREAM);
    this.size = datasetSize(dataset);
  }

  next(): Batch {
    const { batchSize, context } = this.options;
    const dataset = this.dataset;
    if (dataset.kind === 'stream') {
      const starts = Array.from({ length: batchSize }, () => this.nextWindowStart());
      return streamBatch(dataset.tokens, starts, context);
    }
    const picks = Array.from({ length: batchSize }, () => this.nextExample());
    if (dataset.kind === 'lines') return linesBatch(picks.map((i) => dataset.sequences[i]), context);
    return pairsBatch(picks.map((i) => dataset.pairs[i]), context);
  }

  state(): SamplerState {
    return { mode: this.mode, seed: this.seed, rng: this.rng.state(), cursor: this.cursor, epoch: this.epoch, size: this.size };
  }

  /** Continues from a saved state; throws if it was saved for different data or sampling settings. */
  restore(state: SamplerState): void {
    const counters = [state.seed, state.cursor, state.epoch, ...(Array.isArray(state.rng) ? state.rng : [])];
    if (!Array.isArray(state.rng) || state.rng.length !== 4 || !counters.every(Number.isInteger) || state.cursor < 0 || state.epoch < 0) {
      throw new Error(`the saved data-sampler state is malformed: ${JSON.stringify(state)}`);
    }
    if (state.mode !== this.mode) {
      throw new Error(`the saved data-sampler state is for ${state.mode} sampling but this run uses ${this.mode}: the data settings changed since the checkpoint`);
    }
    if (state.size !== this.size) {
      throw new Error(`the saved data-sampler state is for a dataset of size ${state.size} but this one has ${this.size}: the data changed since the checkpoint`);
    }
    this.seed = state.seed;
    this.rng.restore(state.rng);
    this.cursor = state.cursor;
    this.epoch = state.epoch;
    this.order = null;
  }

  private nextWindowStart(): number {
    const T = this.options.context;
    if (this.mode === 'random-windows') {
      // Uniform in [0, n - T - 1], as nanoGPT; a stream shorter than one window has the single start 0.
      return this.size > T + 1 ? this.rng.int(this.size - T) : 0;
    }
    const windows = Math.max(1, Math.floor((this.size - 1) / T));
    const start = (this.cursor % windows) * T;
    this.advance(windows);
    return start;
  }

  private nextExample(): number {
    this.order ??= this.permutation(this.epoch);
    const index = this.order[this.cursor];
    this.advance(this.size);
    return index;
  }

  private advance(length: number): void {
    this.cursor++;
    if (this.cursor >= length) {
      this.cursor = 0;
      this.epoch++;
      this.order = null;
    }
  }

  /** Derived from (seed, epoch) alone, so a restored sampler rebuilds it instead of storing it. */
  private permutation(epoch: number): number[] {
    const order = Array.from({ length: this.size }, (_, i) => i);
    if (!this.options.shuffle) return order;
    return new Rng((this.seed ^ Math.imul(epoch + 1, 0x9e3779b1)) >>> 0, PERMUTATION_STREAM).shuffle(order);
  }
}

/**
 * `count` evaluation batches, identical on every call (a sampler seeded from seed + a constant), so validation curves
 * compare across evaluations.
 */
export function evalBatches(dataset: Dataset, options: SamplerOptions, count: number): Batch[] {
  const sampler = new BatchSampler(dataset, { ...options, seed: options.seed + EVAL_SEED_OFFSET });
  return Array.from({ length: count }, () => sampler.next());
}
