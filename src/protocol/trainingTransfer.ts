import type { Dataset, TokenPair } from '../engine/data/datasets';
import type { SamplerState } from '../engine/data/batches';
import type { PreparedData } from '../engine/data/prepare';
import { tokenIdArray, type TokenIds } from '../engine/data/tokenIds';
import { vocabularyFromJSON, type VocabularyJSON } from '../engine/data/vocab';
import type { TrainerState } from '../engine/train/trainer';
import type { NamedTensor } from '../engine/train/weights';

// Engine values in a form that crosses postMessage: plain objects, arrays and typed arrays, no Maps or classes, and
// ragged lists of sequences packed into one token array plus offsets (a few large buffers instead of many small ones).

/** One tensor by state-dict name. */
export interface TensorRecord {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** `TrainerState` with its optimizer moments as records. */
export interface TrainerStateRecord {
  step: number;
  optimizerStep: number;
  optimizerState: TensorRecord[];
  sampler: SamplerState;
}

/** Sequences packed end to end: sequence i is tokens[offsets[i], offsets[i + 1]). */
export interface PackedSequences {
  tokens: TokenIds;
  offsets: Int32Array;
}

export type DatasetRecord =
  | { kind: 'stream'; file: string; tokens: TokenIds }
  | { kind: 'lines'; file: string; sequences: PackedSequences }
  | { kind: 'pairs'; file: string; sources: PackedSequences; targets: PackedSequences };

/** `PreparedData` as records; the vocabulary as its `toJSON()`. */
export interface PreparedDataRecord {
  vocab: VocabularyJSON;
  train: DatasetRecord;
  val: DatasetRecord;
}

function pack(sequences: readonly TokenIds[], vocabSize: number): PackedSequences {
  const offsets = new Int32Array(sequences.length + 1);
  sequences.forEach((seq, i) => (offsets[i + 1] = offsets[i] + seq.length));
  const tokens = tokenIdArray(vocabSize, offsets[sequences.length]);
  sequences.forEach((seq, i) => tokens.set(seq, offsets[i]));
  return { tokens, offsets };
}

/** Views into the packed tokens (no copies); throws when the offsets do not describe the tokens. */
function unpack(packed: PackedSequences, what: string): TokenIds[] {
  const { tokens, offsets } = packed;
  if (offsets.length < 1 || offsets[0] !== 0 || offsets[offsets.length - 1] !== tokens.length) {
    throw new Error(`${what}: the offsets do not span the ${tokens.length} packed tokens`);
  }
  const out: TokenIds[] = [];
  for (let i = 0; i + 1 < offsets.length; i++) {
    if (offsets[i + 1] < offsets[i]) throw new Error(`${what}: offset ${i + 1} goes backwards`);
    out.push(tokens.subarray(offsets[i], offsets[i + 1]));
  }
  return out;
}

function serializeDataset(dataset: Dataset, vocabSize: number): DatasetRecord {
  if (dataset.kind === 'stream') return { kind: 'stream', file: dataset.file, tokens: dataset.tokens.slice() };
  if (dataset.kind === 'lines') return { kind: 'lines', file: dataset.file, sequences: pack(dataset.sequences, vocabSize) };
  const sources = pack(dataset.pairs.map((p) => p.source), vocabSize);
  return { kind: 'pairs', file: dataset.file, sources, targets: pack(dataset.pairs.map((p) => p.target), vocabSize) };
}

function deserializeDataset(record: DatasetRecord, what: string): Dataset {
  if (record.kind === 'stream') return { kind: 'stream', file: record.file, tokens: record.tokens };
  if (record.kind === 'lines') return { kind: 'lines', file: record.file, sequences: unpack(record.sequences, `${what} sequences`) };
  const sources = unpack(record.sources, `${what} sources`);
  const targets = unpack(record.targets, `${what} targets`);
  if (sources.length !== targets.length) throw new Error(`${what}: ${sources.length} sources but ${targets.length} targets`);
  const pairs: TokenPair[] = sources.map((source, i) => ({ source, target: targets[i] }));
  return { kind: 'pairs', file: record.file, pairs };
}

/** Copies prepared data into records (fresh buffers, so transferring them leaves the host's data intact). */
export function serializePreparedData(data: PreparedData): PreparedDataRecord {
  const size = data.vocab.size;
  return { vocab: data.vocab.toJSON(), train: serializeDataset(data.train, size), val: serializeDataset(data.val, size) };
}

/** Rebuilds prepared data; throws an Error saying what is malformed, including token ids outside the vocabulary. */
export function deserializePreparedData(record: PreparedDataRecord): PreparedData {
  const vocab = vocabularyFromJSON(record.vocab);
  const data = { vocab, train: deserializeDataset(record.train, 'train data'), val: deserializeDataset(record.val, 'val data') };
  for (const [what, dataset] of [['train', record.train], ['val', record.val]] as const) {
    const arrays = dataset.kind === 'stream' ? [dataset.tokens] : dataset.kind === 'lines' ? [dataset.sequences.tokens] : [dataset.sources.tokens, dataset.targets.tokens];
    for (const tokens of arrays) {
      const bad = tokens.findIndex((id) => id < 0 || id >= vocab.size);
      if (bad >= 0) throw new Error(`${what} data: token ${bad} has id ${tokens[bad]}, outside the vocabulary of ${vocab.size}`);
    }
  }
  return data;
}

export function tensorsToRecords(tensors: ReadonlyMap<string, NamedTensor>): TensorRecord[] {
  return [...tensors].map(([name, t]) => ({ name, shape: [...t.shape], data: t.data }));
}

/** Tensors by name; throws when a name repeats or a shape does not match its data's length. */
export function recordsToTensors(records: readonly TensorRecord[]): Map<string, NamedTensor> {
  const out = new Map<string, NamedTensor>();
  for (const { name, shape, data } of records) {
    if (out.has(name)) throw new Error(`tensor ${name} is listed twice`);
    const size = shape.reduce((n, d) => n * d, 1);
    if (size !== data.length) throw new Error(`tensor ${name} has shape [${shape.join(', ')}] but ${data.length} values`);
    out.set(name, { shape: [...shape], data });
  }
  return out;
}

export function stateToRecord(state: TrainerState): TrainerStateRecord {
  return { step: state.step, optimizerStep: state.optimizerStep, optimizerState: tensorsToRecords(state.optimizerState), sampler: { ...state.sampler, rng: [...state.sampler.rng] } };
}

export function recordToState(record: TrainerStateRecord): TrainerState {
  return { step: record.step, optimizerStep: record.optimizerStep, optimizerState: recordsToTensors(record.optimizerState), sampler: record.sampler };
}

/** The distinct ArrayBuffers under a message's typed arrays, to pass as postMessage's transfer list. */
export function transferablesOf(value: unknown, found: Set<ArrayBuffer> = new Set()): ArrayBuffer[] {
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer) found.add(value.buffer);
  } else if (Array.isArray(value)) {
    for (const item of value) transferablesOf(item, found);
  } else if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) transferablesOf(item, found);
  }
  return [...found];
}
