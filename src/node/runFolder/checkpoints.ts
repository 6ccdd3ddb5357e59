import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LabConfig } from '../../config/types';
import type { SamplerState } from '../../engine/data/batches';
import type { DatasetFiles } from '../../engine/data/prepare';
import type { DecodedSafetensors, Tensor as StoredTensor } from '../../engine/io/safetensors';
import type { TrainerState } from '../../engine/train/trainer';
import type { NamedTensor } from '../../engine/train/weights';
import { CheckpointError, encodeChecksummed, readChecksummedFile } from './checksum';
import { runFile } from './layout';
import { writeFileAtomic } from './writer';

export {
  CHECKSUM_KEY, CheckpointError, decodeChecksummed, readChecksummedFile, verifyChecksum, type ChecksumRequirement,
} from './checksum';

/** Written into both files of a checkpoint; a reader refuses other formats. */
export const CHECKPOINT_FORMAT = 'losslab-checkpoint/1';

const WEIGHTS_FILE = /^step-(\d{6,})\.safetensors$/;

/** What a checkpoint must agree with before a run continues from it. */
export interface RunFingerprint {
  /** sha256 of `trainingSettings(config)`. */
  configHash: string;
  /** sha256 of the dataset files' contents. */
  dataHash: string;
  /** The settings hashed into configHash, kept in the checkpoint to say which one changed. */
  settings: Record<string, unknown>;
}

/** A complete checkpoint as read back: the model's weights plus everything `Trainer.restore` needs. */
export interface Checkpoint {
  step: number;
  /** Weights by state-dict name (tied weights under both names), as `load_state_dict(strict=True)` wants them. */
  weights: Map<string, NamedTensor>;
  state: TrainerState;
  fingerprint: RunFingerprint;
  /** The weights file and its sibling `.state.safetensors`. */
  files: { weights: string; state: string };
}

/** `checkpoints/step-000042.safetensors` and `checkpoints/step-000042.state.safetensors` of a run folder. */
export function checkpointFiles(runFolder: string, step: number): { weights: string; state: string } {
  const base = join(runFile(runFolder, 'checkpoints'), `step-${String(step).padStart(6, '0')}`);
  return { weights: `${base}.safetensors`, state: `${base}.state.safetensors` };
}

/**
 * The settings that shape a run's trajectory: the config without its name, backend, data paths, step count and the
 * evaluation and checkpoint intervals (and decay_steps, which defaults to the step count, unless the decay uses it).
 * A run may resume on another backend, on another machine, or with more steps.
 */
export function trainingSettings(config: LabConfig): Record<string, unknown> {
  const usesDecaySteps = config.schedule.decay === 'linear' || config.schedule.decay === 'cosine';
  return {
    ...omit(config, ['name', 'backend', 'data', 'training', 'schedule']),
    schedule: usesDecaySteps ? config.schedule : omit(config.schedule, ['decay_steps']),
    data: { ...omit(config.data, ['train', 'val']), separate_val: config.data.val !== null },
    training: omit(config.training, ['steps', 'eval_interval', 'checkpoint_interval', 'max_memory_mb']),
  };
}

function omit(value: object, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([key]) => !keys.includes(key)));
}

/** The fingerprint of a config and the contents of its dataset files. */
export function runFingerprint(config: LabConfig, files: DatasetFiles): RunFingerprint {
  const data = createHash('sha256').update(files.train);
  if (files.val !== null) data.update(DATA_HASH_VAL_SEPARATOR).update(files.val);
  return runFingerprintOf(config, data.digest('hex'));
}

/** Between the train and val files' bytes in a fingerprint's dataHash. */
export const DATA_HASH_VAL_SEPARATOR = '\0val\0';

/** The fingerprint of a config and a dataHash computed as `runFingerprint` computes it (e.g. while the files stream by). */
export function runFingerprintOf(config: LabConfig, dataHash: string): RunFingerprint {
  const settings = trainingSettings(config);
  return { configHash: createHash('sha256').update(canonicalJson(settings)).digest('hex'), dataHash, settings };
}

/** JSON with object keys sorted at every level, so equal settings hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Why a checkpoint cannot continue under the current config and data, or null when it can. */
export function fingerprintMismatch(saved: RunFingerprint, current: RunFingerprint): string | null {
  const problems: string[] = [];
  if (saved.configHash !== current.configHash) {
    const changed = differingKeys(saved.settings, current.settings, '');
    const detail = changed.length > 0 ? changed.slice(0, 5).join('; ') : 'the settings differ';
    problems.push(`the config changed since the checkpoint (${detail})`);
  }
  if (saved.dataHash !== current.dataHash) problems.push('the dataset files changed since the checkpoint');
  return problems.length > 0 ? problems.join(', and ') : null;
}

function differingKeys(a: unknown, b: unknown, path: string): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => differingKeys(a[k], b[k], path ? `${path}.${k}` : k));
  }
  return canonicalJson(a) === canonicalJson(b) ? [] : [`${path}: ${JSON.stringify(a)} then, ${JSON.stringify(b)} now`];
}

/** What a checkpoint holds when it is written. */
export interface CheckpointInput {
  weights: Map<string, NamedTensor>;
  state: TrainerState;
  fingerprint: RunFingerprint;
  /** Extra string metadata for the weights file (config name, model kind, vocabulary). */
  metadata?: Record<string, string>;
}

/**
 * Writes a checkpoint: the state file first, the weights file last, each through a temporary file and a rename, so a
 * kill at any moment leaves every earlier checkpoint complete. Both files carry one random id; a pair whose ids differ
 * (a kill between the two renames over an older pair of the same step) is incomplete. Returns the weights file.
 */
export function writeCheckpoint(runFolder: string, input: CheckpointInput): string {
  const { state, fingerprint } = input;
  const files = checkpointFiles(runFolder, state.step);
  const common = {
    format: CHECKPOINT_FORMAT, step: String(state.step), checkpoint_id: randomBytes(8).toString('hex'), config_hash: fingerprint.configHash,
  };
  const stateMetadata = {
    ...common, data_hash: fingerprint.dataHash, settings: JSON.stringify(fingerprint.settings),
    optimizer_step: String(state.optimizerStep), sampler: JSON.stringify(state.sampler),
    rng: JSON.stringify({ dropout: 'counter-based: masks are seeded by (seed, step, micro-batch)', next_step: state.step + 1 }),
  };
  mkdirSync(dirname(files.state), { recursive: true });
  writeFileAtomic(files.state, encodeChecksummed(stored(state.optimizerState), stateMetadata));
  writeFileAtomic(files.weights, encodeChecksummed(stored(input.weights), { ...input.metadata, ...common }));
  return files.weights;
}

function stored(tensors: Map<string, NamedTensor>): Record<string, StoredTensor> {
  const out: Record<string, StoredTensor> = {};
  for (const [name, t] of tensors) out[name] = { dtype: 'F32', shape: t.shape, data: t.data };
  return out;
}

/**
 * Reads the checkpoint of one step; throws a CheckpointError unless both files exist, parse, match their checksums
 * (required: Loss Lab wrote them) and belong together.
 */
export function readCheckpoint(runFolder: string, step: number): Checkpoint {
  const files = checkpointFiles(runFolder, step);
  const state = readChecksummedFile(files.state, 'required');
  const weights = readChecksummedFile(files.weights, 'required');
  const meta = state.metadata;
  const fail = (reason: string): never => {
    throw new CheckpointError(`${files.state}: ${reason}`);
  };
  for (const [file, m] of [[files.state, meta], [files.weights, weights.metadata]] as const) {
    if (m.format !== CHECKPOINT_FORMAT) throw new CheckpointError(`${file}: not a ${CHECKPOINT_FORMAT} file (format ${JSON.stringify(m.format ?? null)})`);
    if (m.step !== String(step)) throw new CheckpointError(`${file}: holds step ${m.step}, expected ${step}`);
  }
  if (meta.checkpoint_id !== weights.metadata.checkpoint_id) fail('belongs to another write of this step than the weights file (interrupted write)');
  const optimizerStep = Number(meta.optimizer_step);
  if (!Number.isInteger(optimizerStep) || optimizerStep < 0) fail(`optimizer_step ${meta.optimizer_step} is not a whole number`);
  return {
    step,
    weights: floatTensors(weights, files.weights),
    state: { step, optimizerStep, optimizerState: floatTensors(state, files.state), sampler: parseJson(meta.sampler, 'sampler', files.state) as SamplerState },
    fingerprint: {
      configHash: meta.config_hash ?? '', dataHash: meta.data_hash ?? '',
      settings: parseJson(meta.settings, 'settings', files.state) as Record<string, unknown>,
    },
    files,
  };
}

function floatTensors(decoded: DecodedSafetensors, file: string): Map<string, NamedTensor> {
  const out = new Map<string, NamedTensor>();
  for (const [name, t] of decoded.tensors) {
    if (t.dtype !== 'F32') throw new CheckpointError(`${file}: tensor ${name} is ${t.storedAs}, expected floats`);
    out.set(name, { shape: t.shape, data: t.data });
  }
  return out;
}

function parseJson(text: string | undefined, key: string, file: string): unknown {
  try {
    return JSON.parse(text ?? '');
  } catch {
    throw new CheckpointError(`${file}: metadata ${key} is not JSON`);
  }
}

/** Steps that have a weights file in the run's checkpoints folder (complete or not), newest first. */
export function checkpointSteps(runFolder: string): number[] {
  let names: string[];
  try {
    names = readdirSync(runFile(runFolder, 'checkpoints'));
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    const match = WEIGHTS_FILE.exec(n);
    return match ? [Number(match[1])] : [];
  }).sort((a, b) => b - a);
}

/** The newest complete, intact checkpoint of a run folder, or null; `skipped` collects why newer ones were passed over. */
export function latestCheckpoint(runFolder: string, skipped: string[] = []): Checkpoint | null {
  for (const step of checkpointSteps(runFolder)) {
    try {
      return readCheckpoint(runFolder, step);
    } catch (error) {
      if (!(error instanceof CheckpointError)) throw error;
      skipped.push(error.message);
    }
  }
  return null;
}

/** Suffix of checkpoint files a resume passed over: kept beside the others for inspection, never read again. */
const SET_ASIDE_SUFFIX = '.discarded';

/**
 * Before a resume from `step`: moves the checkpoint files of later steps aside (`NAME.discarded`, corrupt or torn
 * ones included) and removes interrupted writes' temporary files. Returns a sentence for each, to be shown.
 */
export function setAsideCheckpointsAfter(runFolder: string, step: number): string[] {
  const folder = runFile(runFolder, 'checkpoints');
  let names: string[];
  try {
    names = readdirSync(folder).sort();
  } catch {
    return [];
  }
  const notices: string[] = [];
  for (const name of names) {
    const match = /^step-(\d{6,})\.(state\.)?safetensors$/.exec(name);
    if (name.endsWith('.tmp')) {
      rmSync(join(folder, name), { force: true });
      notices.push(`removed ${join(folder, name)}: an unfinished write's temporary file`);
    } else if (match && Number(match[1]) > step) {
      const aside = freeName(join(folder, `${name}${SET_ASIDE_SUFFIX}`));
      renameSync(join(folder, name), aside);
      notices.push(`moved ${join(folder, name)} aside to ${aside}: it is newer than the checkpoint of step ${step} the run continues from`);
    }
  }
  return notices;
}

/** `path`, or `path.1`, `path.2`, … : the first that does not exist, so an earlier set-aside file is never overwritten. */
function freeName(path: string): string {
  let candidate = path;
  for (let n = 1; existsSync(candidate); n++) candidate = `${path}.${n}`;
  return candidate;
}
