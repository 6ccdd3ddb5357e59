import type { LabConfig } from '../config/types';
import { estimateParameters } from '../config/sizeEstimate';
import type { Dataset } from './data/datasets';
import type { PreparedData } from './data/prepare';
import { tokenIdArray } from './data/tokenIds';

/** The backends as run.json names them: the estimate differs by where tensors live and what attention keeps. */
export type MemoryBackend = 'cpu-reference' | 'wasm' | 'webgpu';

/** What the estimate needs beyond the config: facts about the data and where the run goes. */
export interface MemoryInputs {
  config: LabConfig;
  /** Tokens of the vocabulary, specials included (byte: 256 + specials; char and word: counted from the data). */
  vocabSize: number;
  /** Token ids of the training and validation data together. */
  dataTokens: number;
  /** Bytes of the data files' text. */
  dataTextBytes: number;
  backend: MemoryBackend;
  /** Threads of the wasm backend (each worker thread has its own heap). */
  threads?: number;
}

/** One part of the estimate, with the config key that sizes it most (what to change to shrink it). */
export interface MemoryPart {
  name: string;
  bytes: number;
  key: string;
  /** True for tensors in the backend's memory (the wasm memory, the GPU); false for host-only parts. */
  tensors: boolean;
}

/** A device buffer too large for WebGPU's default limits. */
export interface BufferLimitProblem {
  tensor: string;
  bytes: number;
  limit: 'maxBufferSize' | 'maxStorageBufferBindingSize';
  limitBytes: number;
  key: string;
}

export interface MemoryEstimate {
  /** Peak resident memory of the process (host RAM). */
  peakBytes: number;
  /** Every part of the peak, largest first; they add up to peakBytes. */
  parts: MemoryPart[];
  /** wasm only: the tensors in its one WebAssembly memory, which cannot grow past 4 GiB. */
  wasm: { bytes: number; limitBytes: number } | null;
  /** webgpu only: bytes in GPU buffers, and buffers above the default limits. */
  gpu: { bytes: number; largestBuffer: { tensor: string; bytes: number }; limitProblems: BufferLimitProblem[] } | null;
}

const MiB = 1024 ** 2;
const F32 = 4;
/** Node, the bundled CLI and the run folder's writers, measured with /usr/bin/time -v on a 3-step run of a tiny model. */
export const NODE_RUNTIME_BYTES = 92 * MiB;
/** The wasm backend's compiled kernels and its first memory pages, measured the same way. */
const WASM_RUNTIME_BYTES = 8 * MiB;
/** Each wasm worker thread: its own V8 isolate and stack. */
const WASM_THREAD_BYTES = 6 * MiB;
/** Dawn's native library, adapter and device (host side). */
const WEBGPU_RUNTIME_BYTES = 60 * MiB;
/** Attention weights the wasm backend keeps for backward, per call (its attentionWeightsBudget, in floats). */
const WASM_ATTENTION_WEIGHTS_BUDGET = 1 << 22;
/** JavaScript-heap tensors are freed by the garbage collector, not at release: the reference backend peaks above its live set. */
const REFERENCE_GC_SLACK = 1.25;
/** A wasm32 memory addresses 4 GiB; the pool starts past the kernels' tables and control block. */
export const WASM_MEMORY_LIMIT_BYTES = 4 * 1024 ** 3 - 64 * 1024;
/** WebGPU's default limits (a device may grant more; the run asks for the defaults). */
export const WEBGPU_MAX_BUFFER_SIZE = 256 * MiB;
export const WEBGPU_MAX_STORAGE_BINDING_SIZE = 128 * MiB;

/** Floats of one training step's graph: activations saved for backward and their gradients (one micro-batch). */
interface StepFloats {
  activations: number;
  attentionWeights: number;
  logits: number;
  largest: { tensor: string; floats: number; key: string }[];
}

function stepFloats(config: LabConfig, vocabSize: number, keepsAttentionWeights: boolean): StepFloats {
  const { model, training } = config;
  const B = training.batch_size, T = model.context, C = model.d_model, F = model.d_ff, H = model.n_heads;
  const N = B * T;
  const dropoutCopies = model.dropout > 0 ? 2 * N * C : 0;
  // Per attention call: output, log-sum-exp, and (where the backend keeps them) the B×H×T² weights for backward.
  const weightsPerCall = B * H * T * T;
  const keptWeights = keepsAttentionWeights && weightsPerCall <= WASM_ATTENTION_WEIGHTS_BUDGET ? weightsPerCall : 0;
  // Forward per block: 2 LayerNorms, qkv, attention, projection, 2 residual adds, feed-forward hidden + slope + output;
  // backward: a gradient for each of those but the shared residual stream, and the feed-forward's pre-activation.
  const selfBlock = 17 * N * C + 3 * N * F + 4 * N + B * H * T + 2 * dropoutCopies;
  const crossBlock = 14 * N * C + B * H * T + dropoutCopies;
  const selfBlocks = model.kind === 'gpt' ? model.n_layers : model.n_encoder_layers + model.n_decoder_layers;
  const crossBlocks = model.kind === 'gpt' ? 0 : model.n_decoder_layers;
  const embeddings = (model.kind === 'gpt' ? 1 : 2) * (6 * N * C + 3 * N);
  const activations = selfBlocks * selfBlock + crossBlocks * crossBlock + embeddings + 2 * N * C;
  const attentionWeights = (selfBlocks + crossBlocks) * keptWeights;
  // Logits and their gradient (the softmax is recomputed from the log-sum-exp).
  const logits = 2 * N * vocabSize + N;
  const largest = [
    { tensor: `logits [${B}×${T}×${vocabSize}]`, floats: N * vocabSize, key: 'training.batch_size' },
    { tensor: `feed-forward hidden [${B}×${T}×${F}]`, floats: N * F, key: 'training.batch_size' },
    { tensor: `token embedding [${vocabSize}×${C}]`, floats: vocabSize * C, key: 'model.d_model' },
    { tensor: `attention q,k,v [${B}×${T}×${3 * C}]`, floats: 3 * N * C, key: 'training.batch_size' },
  ];
  return { activations, attentionWeights, logits, largest };
}

/** Moment buffers per parameter: Adam and AdamW keep two, SGD with momentum one, plain SGD none. */
export function optimizerMoments(config: LabConfig): number {
  if (config.optimizer.name !== 'sgd') return 2;
  return config.optimizer.momentum > 0 ? 1 : 0;
}

/**
 * Estimates a run's peak memory before anything is allocated: parameters, gradients, optimizer state, one micro-batch's
 * activations and their gradients, attention weights, logits, the data, checkpoint copies and the runtime itself.
 */
export function estimateMemory(inputs: MemoryInputs): MemoryEstimate {
  const { config, vocabSize, backend } = inputs;
  const parameters = estimateParameters(config.model, config.data.vocab, vocabSize);
  const moments = optimizerMoments(config);
  const step = stepFloats(config, vocabSize, backend === 'wasm');
  const tensorSlack = backend === 'cpu-reference' ? REFERENCE_GC_SLACK : 1;
  const tensorParts: MemoryPart[] = [
    { name: 'parameters', bytes: parameters * F32, key: 'model.d_model', tensors: true },
    { name: 'gradients', bytes: parameters * F32, key: 'model.d_model', tensors: true },
    { name: 'optimizer state', bytes: moments * parameters * F32, key: 'optimizer.name', tensors: true },
    { name: 'activations and their gradients', bytes: step.activations * F32 * tensorSlack, key: 'training.batch_size', tensors: true },
    { name: 'attention weights', bytes: step.attentionWeights * F32 * tensorSlack, key: 'model.context', tensors: true },
    { name: 'logits and their gradient', bytes: step.logits * F32 * tensorSlack, key: 'training.batch_size', tensors: true },
  ];
  // A checkpoint reads weights and optimizer state to the host and encodes them: two host copies at once.
  const checkpoint: MemoryPart = { name: 'checkpoint copies', bytes: 2 * (1 + moments) * parameters * F32, key: 'model.d_model', tensors: false };
  // The file's bytes and its text while it is tokenized (a cached corpus needs neither), and the ids in their compact type.
  const idBytes = tokenIdArray(inputs.vocabSize, 0).BYTES_PER_ELEMENT;
  const data: MemoryPart = { name: 'data', bytes: 2 * inputs.dataTextBytes + idBytes * inputs.dataTokens, key: 'data.train', tensors: false };
  const threads = inputs.threads ?? 1;
  const runtimeBytes = NODE_RUNTIME_BYTES + (backend === 'wasm' ? WASM_RUNTIME_BYTES + (threads - 1) * WASM_THREAD_BYTES : 0)
    + (backend === 'webgpu' ? WEBGPU_RUNTIME_BYTES : 0);
  const runtime: MemoryPart = { name: 'runtime (Node and the backend)', bytes: runtimeBytes, key: 'backend', tensors: false };
  const hostParts = backend === 'webgpu' ? [checkpoint, data, runtime] : [...tensorParts, checkpoint, data, runtime];
  const parts = hostParts.filter((p) => p.bytes > 0).sort((a, b) => b.bytes - a.bytes);
  const peakBytes = parts.reduce((sum, p) => sum + p.bytes, 0);
  const tensorBytes = tensorParts.reduce((sum, p) => sum + p.bytes, 0);
  return {
    peakBytes, parts,
    wasm: backend === 'wasm' ? { bytes: tensorBytes, limitBytes: WASM_MEMORY_LIMIT_BYTES } : null,
    gpu: backend === 'webgpu' ? gpuEstimate(tensorBytes, step) : null,
  };
}

function gpuEstimate(bytes: number, step: StepFloats): NonNullable<MemoryEstimate['gpu']> {
  const sorted = [...step.largest].sort((a, b) => b.floats - a.floats);
  const limitProblems: BufferLimitProblem[] = [];
  for (const t of sorted) {
    const size = t.floats * F32;
    if (size > WEBGPU_MAX_BUFFER_SIZE) limitProblems.push({ tensor: t.tensor, bytes: size, limit: 'maxBufferSize', limitBytes: WEBGPU_MAX_BUFFER_SIZE, key: t.key });
    else if (size > WEBGPU_MAX_STORAGE_BINDING_SIZE) {
      limitProblems.push({ tensor: t.tensor, bytes: size, limit: 'maxStorageBufferBindingSize', limitBytes: WEBGPU_MAX_STORAGE_BINDING_SIZE, key: t.key });
    }
  }
  return { bytes, largestBuffer: { tensor: sorted[0].tensor, bytes: sorted[0].floats * F32 }, limitProblems };
}

/** Bytes in MiB as a person reads them: "812 MiB", "1.4 GiB". */
export function formatMemory(bytes: number): string {
  if (bytes >= 1024 * 1024 ** 2) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  return `${Math.max(1, Math.round(bytes / MiB))} MiB`;
}

/** Token ids a prepared data set holds, training and validation together. */
export function dataTokenCount(data: PreparedData): number {
  return datasetTokens(data.train) + datasetTokens(data.val);
}

function datasetTokens(dataset: Dataset): number {
  if (dataset.kind === 'stream') return dataset.tokens.length;
  if (dataset.kind === 'lines') return dataset.sequences.reduce((sum, s) => sum + s.length, 0);
  return dataset.pairs.reduce((sum, p) => sum + p.source.length + p.target.length, 0);
}
