import type { LabConfig } from '../../src/config/types';
import type { SamplerState } from '../../src/engine/data/batches';
import type { TokenIds } from '../../src/engine/data/tokenIds';
import type { VocabularyJSON } from '../../src/engine/data/vocab';
import type { HostToBrowserTrainer, ResumePoint, TrainPrepared } from '../../src/protocol/browserTrainer';
import type { DatasetRecord, PackedSequences, PreparedDataRecord, TensorRecord, TrainerStateRecord } from '../../src/protocol/trainingTransfer';
import { isBoundedString, isPlainObject } from '../../src/protocol/guards';

const MAX_ID_CHARS = 128;
const MAX_NAME_CHARS = 4096;
const CONFIG_SECTIONS = ['model', 'data', 'loss', 'optimizer', 'schedule', 'training'] as const;

/**
 * Validates a message relayed from the host: known type, exact keys, typed arrays where tensors and tokens belong.
 * Semantic checks (token ids within the vocabulary, weights fitting the model) happen when the run is built.
 */
export function validateHostToBrowserTrainer(raw: unknown): HostToBrowserTrainer | string {
  if (!isPlainObject(raw)) return 'not an object';
  const m = raw;
  switch (m.type) {
    case 'StopRun':
    case 'ResumeRun':
      return definedKeys(m) === 'runId,type' && isBoundedString(m.runId, MAX_ID_CHARS) ? { type: m.type, runId: m.runId } : `${m.type}: needs a run id`;
    case 'TrainPrepared':
      return validateTrainPrepared(m);
    default:
      return `unknown message type ${JSON.stringify(m.type)?.slice(0, 40) ?? String(m.type)}`;
  }
}

/** The run id of a message that failed validation, so the host can be told which of its requests was refused. */
export function runIdOf(raw: unknown): string | null {
  return isPlainObject(raw) && isBoundedString(raw.runId, MAX_ID_CHARS) ? raw.runId : null;
}

function validateTrainPrepared(m: Record<string, unknown>): TrainPrepared | string {
  const allowed = new Set(['type', 'runId', 'config', 'data', 'resume', 'allowFallbackAdapter']);
  const extra = Object.keys(m).filter((key) => !allowed.has(key));
  if (extra.length > 0) return `TrainPrepared: unexpected keys ${extra.join(',').slice(0, 80)}`;
  if (!isBoundedString(m.runId, MAX_ID_CHARS)) return 'TrainPrepared: needs a run id';
  if (typeof m.allowFallbackAdapter !== 'boolean') return 'TrainPrepared: allowFallbackAdapter must be true or false';
  const config = checkConfig(m.config);
  if (typeof config === 'string') return `TrainPrepared: config ${config}`;
  const data = checkPreparedData(m.data);
  if (typeof data === 'string') return `TrainPrepared: data ${data}`;
  if (m.resume === undefined) return { type: 'TrainPrepared', runId: m.runId, config, data, allowFallbackAdapter: m.allowFallbackAdapter };
  const resume = checkResume(m.resume);
  if (typeof resume === 'string') return `TrainPrepared: resume ${resume}`;
  return { type: 'TrainPrepared', runId: m.runId, config, data, resume, allowFallbackAdapter: m.allowFallbackAdapter };
}

/** A resolved config from the host: its sections present and the model kind known (the host validated the rest). */
function checkConfig(raw: unknown): LabConfig | string {
  if (!isPlainObject(raw)) return 'must be the resolved config object';
  if (!isBoundedString(raw.name, MAX_NAME_CHARS) || typeof raw.seed !== 'number') return 'needs a name and a seed';
  const missing = CONFIG_SECTIONS.filter((section) => !isPlainObject(raw[section]));
  if (missing.length > 0) return `lacks the sections ${missing.join(', ')}`;
  const kind = (raw.model as Record<string, unknown>).kind;
  if (kind !== 'gpt' && kind !== 'encoder-decoder') return `has model.kind ${JSON.stringify(kind)}: expected gpt or encoder-decoder`;
  return raw as unknown as LabConfig;
}

function checkPreparedData(raw: unknown): PreparedDataRecord | string {
  if (!isPlainObject(raw) || definedKeys(raw) !== 'train,val,vocab') return 'must have exactly vocab, train and val';
  if (!isPlainObject(raw.vocab) || typeof raw.vocab.kind !== 'string') return 'vocab must be a vocabulary JSON object';
  const train = checkDataset(raw.train);
  if (typeof train === 'string') return `train ${train}`;
  const val = checkDataset(raw.val);
  if (typeof val === 'string') return `val ${val}`;
  return { vocab: raw.vocab as unknown as VocabularyJSON, train, val };
}

function checkDataset(raw: unknown): DatasetRecord | string {
  if (!isPlainObject(raw) || !isBoundedString(raw.file, MAX_NAME_CHARS)) return 'must be a dataset record with a file name';
  const { kind, file } = raw;
  if (kind === 'stream') return isTokenIds(raw.tokens) ? { kind, file, tokens: raw.tokens } : 'tokens must be an Int32Array or a Uint16Array';
  if (kind === 'lines') return isPacked(raw.sequences) ? { kind, file, sequences: raw.sequences } : 'sequences must be packed token ids (Int32Array or Uint16Array, Int32Array offsets)';
  if (kind === 'pairs') {
    return isPacked(raw.sources) && isPacked(raw.targets) ? { kind, file, sources: raw.sources, targets: raw.targets } : 'sources and targets must be packed token ids (Int32Array or Uint16Array, Int32Array offsets)';
  }
  return `has kind ${JSON.stringify(kind)?.slice(0, 40)}: expected stream, lines or pairs`;
}

function isPacked(raw: unknown): raw is PackedSequences {
  return isPlainObject(raw) && isTokenIds(raw.tokens) && raw.offsets instanceof Int32Array;
}

/** Token ids arrive in the compact type the host chose for the vocabulary. */
function isTokenIds(raw: unknown): raw is TokenIds {
  return raw instanceof Int32Array || raw instanceof Uint16Array;
}

function checkResume(raw: unknown): ResumePoint | string {
  if (!isPlainObject(raw) || definedKeys(raw) !== 'state,step,weights') return 'must have exactly step, weights and state';
  if (!isCount(raw.step)) return 'step must be a whole number ≥ 0';
  const weights = checkTensors(raw.weights);
  if (typeof weights === 'string') return `weights ${weights}`;
  const state = checkState(raw.state);
  if (typeof state === 'string') return `state ${state}`;
  if (state.step !== raw.step) return `step ${raw.step} differs from the state's step ${state.step}`;
  return { step: raw.step, weights, state };
}

function checkState(raw: unknown): TrainerStateRecord | string {
  if (!isPlainObject(raw)) return 'must be an object';
  if (!isCount(raw.step) || !isCount(raw.optimizerStep)) return 'needs whole-number step and optimizerStep';
  const optimizerState = checkTensors(raw.optimizerState);
  if (typeof optimizerState === 'string') return `optimizerState ${optimizerState}`;
  // The sampler checks its own state when restored, naming what does not fit.
  if (!isPlainObject(raw.sampler)) return 'sampler must be the data sampler state';
  return { step: raw.step, optimizerStep: raw.optimizerStep, optimizerState, sampler: raw.sampler as unknown as SamplerState };
}

function checkTensors(raw: unknown): TensorRecord[] | string {
  if (!Array.isArray(raw)) return 'must be an array of tensors';
  for (const t of raw as unknown[]) {
    if (!isPlainObject(t) || !isBoundedString(t.name, MAX_NAME_CHARS)) return 'must be tensors with names';
    if (!Array.isArray(t.shape) || !t.shape.every(isCount)) return `${t.name}: shape must be whole numbers`;
    if (!(t.data instanceof Float32Array)) return `${t.name}: data must be a Float32Array`;
  }
  return raw as TensorRecord[];
}

function definedKeys(m: Record<string, unknown>): string {
  // Optional fields posted as `undefined` survive structured cloning as keys; treat them as absent.
  return Object.keys(m).filter((key) => m[key] !== undefined).sort().join(',');
}

function isCount(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0;
}
