import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { BackendChoice } from '../config/types';
import { BackendUnavailableError, selectBackend } from '../engine/backends/select';
import type { Batch } from '../engine/data/batches';
import { prepareData } from '../engine/data/prepare';
import { PAD_ID } from '../engine/data/vocab';
import { DataError } from '../engine/data/errors';
import { SafetensorsError, decodeSafetensors, encodeSafetensors, type Tensor as StoredTensor } from '../engine/io/safetensors';
import type { EvalMetrics, NonFiniteReport, StepMetrics } from '../engine/train/metrics';
import { TrainingRun, type RunStatus } from '../engine/train/run';
import { Trainer, type StepResult } from '../engine/train/trainer';
import { WeightsMismatchError, type NamedTensor } from '../engine/train/weights';
import type { LabConfig } from '../config/types';
import type { PreparedData } from '../engine/data/prepare';
import { fingerprintMismatch, latestCheckpoint, removeCheckpointsAfter, runFingerprint, writeCheckpoint, type RunFingerprint } from './checkpoint';
import { UserError, loadConfigFile, type LoadedConfig } from './configFile';
import { readDatasetFiles } from './dataFiles';
import {
  RunWriter, newRunId, readMetrics, readRunInfo, runsFolder, truncateRecords, type RunInfo, type StoredRunInfo,
} from './runStore';

export interface SessionOptions {
  configFile: string;
  /** Overrides of config keys by dotted path, e.g. { 'training.steps': 20 }. */
  overrides?: Record<string, unknown>;
  backend?: BackendChoice;
  /** The run folder; default `.losslab/runs/<name>/<run id>/` beside the config. */
  outDir?: string;
  /** Also write metrics lines here. */
  metricsFile?: string;
  initFrom?: string;
  saveInit?: string;
  dumpBatches?: string;
  version: string;
}

/** How to continue a stopped or crashed run in its own folder. */
export interface ResumeOptions {
  /** The run folder (the one with run.json and checkpoints/). */
  runDir: string;
  /** The config to continue with; default: the file run.json names. */
  configFile?: string;
  /** Overrides of config keys, as for a new run; `training.steps` may grow to train further. */
  overrides?: Record<string, unknown>;
  backend?: BackendChoice;
  /** Also write this session's metrics lines here. */
  metricsFile?: string;
  version: string;
}

/** Live callbacks for a UI (the CLI's progress bar, the worker's messages). */
export interface SessionObserver {
  onStart?(info: RunInfo, loaded: LoadedConfig, folder: string): void;
  onStep?(metrics: StepMetrics, result: StepResult): void;
  onEval?(metrics: EvalMetrics): void;
  onNonFinite?(report: NonFiniteReport): void;
  onStatus?(status: RunStatus): void;
}

/** A run that is set up and ready to go. */
export interface TrainingSession {
  run: TrainingRun;
  trainer: Trainer;
  writer: RunWriter;
  /** Trains to the end (or a stop) and writes the final checkpoint and dumps. */
  done: Promise<RunStatus>;
}

/** Loads the config, data and backend, creates the run folder, and starts training. User mistakes are UserErrors. */
export async function startSession(options: SessionOptions, observer: SessionObserver = {}): Promise<TrainingSession> {
  const loaded = await loadConfigFile(options.configFile, withBackend(options.overrides, options.backend));
  const { config } = loaded;
  const { data, fingerprint } = await loadData(config);
  const selection = await userFacing(() => selectBackend(config.backend));
  const initialWeights = options.initFrom ? await readWeightsFile(options.initFrom) : undefined;
  const dumped: Record<string, StoredTensor> = {};
  const trainer = await userFacing(async () => new Trainer(config, data, {
    backend: selection.backend,
    initialWeights,
    onBatch: options.dumpBatches ? (step, micro, batch) => dumpBatch(dumped, step, micro, batch) : undefined,
  }), options.initFrom);
  if (options.saveInit) await writeWeightsFile(options.saveInit, await trainer.weights(), { kind: 'initial weights', config: config.name });

  // A run's id is its folder's name, so listing a runs folder lists run ids.
  const folder = options.outDir ? resolve(options.outDir) : join(runsFolder(loaded.file, config.name), newRunId());
  const id = basename(folder);
  const info: RunInfo = {
    id, name: config.name, config_file: loaded.file, status: 'running',
    backend: { name: selection.backend.name, description: selection.backend.description, reason: selection.reason },
    versions: { losslab: options.version, node: process.version },
    started_at: new Date().toISOString(), finished_at: null, steps_completed: 0, total_steps: config.training.steps,
    parameters: trainer.model.params.count, vocab_size: data.vocab.size,
    final_loss: null, final_val_loss: null, tokens_per_sec: null, message: null,
  };
  const writer = new RunWriter(folder, info, config, loaded.source, options.metricsFile ?? null);
  await writeFile(join(folder, 'vocab.json'), `${JSON.stringify(data.vocab.toJSON())}\n`);
  observer.onStart?.(info, loaded, folder);
  const dumpBatches = options.dumpBatches ? { file: options.dumpBatches, batches: dumped } : null;
  return launch({ trainer, writer, config, data, fingerprint, dumpBatches }, observer);
}

/**
 * Continues a stopped or crashed run in its folder from its newest complete checkpoint: steps after it are dropped
 * from metrics.jsonl and re-done, so the metrics equal an uninterrupted run's. run.json lists the resumes.
 */
export async function resumeSession(options: ResumeOptions, observer: SessionObserver = {}): Promise<TrainingSession> {
  const folder = resolve(options.runDir);
  let previous: StoredRunInfo;
  try {
    previous = readRunInfo(folder);
  } catch (error) {
    throw new UserError(`${options.runDir}: not a run folder to resume (${error instanceof Error ? error.message : String(error)})`);
  }
  const skipped: string[] = [];
  const checkpoint = latestCheckpoint(folder, skipped);
  if (!checkpoint) {
    const why = skipped.length > 0 ? ` (${skipped.join('; ')})` : '';
    throw new UserError(`${options.runDir}: no complete checkpoint to resume from${why}; training.checkpoint_interval sets how often a run saves one`);
  }
  const loaded = await loadConfigFile(options.configFile ?? previous.config_file, withBackend(options.overrides, options.backend));
  const { config } = loaded;
  const { data, fingerprint } = await loadData(config);
  const mismatch = fingerprintMismatch(checkpoint.fingerprint, fingerprint);
  if (mismatch) throw new UserError(`${checkpoint.files.weights}: cannot resume: ${mismatch}`);
  if (checkpoint.step >= config.training.steps) {
    throw new UserError(`${options.runDir}: already trained ${checkpoint.step} of ${config.training.steps} steps; raise training.steps (--steps N) to train further`);
  }
  const selection = await userFacing(() => selectBackend(config.backend));
  const trainer = new Trainer(config, data, { backend: selection.backend });
  try {
    trainer.restore(checkpoint.weights, checkpoint.state);
  } catch (error) {
    throw new UserError(`${checkpoint.files.weights}: cannot resume: ${error instanceof Error ? error.message : String(error)}`);
  }
  truncateRecords(folder, checkpoint.step);
  removeCheckpointsAfter(folder, checkpoint.step);
  const { steps, evals } = readMetrics(folder);
  const info: StoredRunInfo = {
    ...previous, status: 'running', finished_at: null, message: null,
    backend: { name: selection.backend.name, description: selection.backend.description, reason: selection.reason },
    versions: { losslab: options.version, node: process.version },
    steps_completed: checkpoint.step, total_steps: config.training.steps,
    final_loss: steps.at(-1)?.loss ?? null, final_val_loss: evals.at(-1)?.val_loss ?? null,
    resumes: [...(previous.resumes ?? []), { at: new Date().toISOString(), from_step: checkpoint.step, backend: selection.backend.name }],
  };
  const writer = new RunWriter(folder, info, config, loaded.source, options.metricsFile ?? null);
  observer.onStart?.(info, loaded, folder);
  return launch({ trainer, writer, config, data, fingerprint, dumpBatches: null, lastCheckpoint: checkpoint.step }, observer);
}

function withBackend(overrides: Record<string, unknown> | undefined, backend: BackendChoice | undefined): Record<string, unknown> {
  return { ...overrides, ...(backend ? { backend } : {}) };
}

async function loadData(config: LabConfig): Promise<{ data: PreparedData; fingerprint: RunFingerprint }> {
  return userFacing(async () => {
    const files = await readDatasetFiles(config);
    return { data: prepareData(config, files), fingerprint: runFingerprint(config, files) };
  });
}

/** A set-up trainer and run folder, ready to train. */
interface Launch {
  trainer: Trainer;
  writer: RunWriter;
  config: LabConfig;
  data: PreparedData;
  fingerprint: RunFingerprint;
  dumpBatches: { file: string; batches: Record<string, StoredTensor> } | null;
  /** The step of the checkpoint the run continues from, so it is not written again. */
  lastCheckpoint?: number;
}

/** Starts the training loop: metrics and checkpoints go to the run folder, events to the observer. */
function launch(setup: Launch, observer: SessionObserver): TrainingSession {
  const { trainer, writer, config, data } = setup;
  const metadata = { config: config.name, model_kind: config.model.kind, vocab: JSON.stringify(data.vocab.toJSON()) };
  let lastCheckpoint = setup.lastCheckpoint ?? 0;
  const checkpoint = async () => {
    const weights = await trainer.weights();
    writeCheckpoint(writer.folder, { weights, state: await trainer.state(), fingerprint: setup.fingerprint, metadata });
    lastCheckpoint = trainer.step;
    return weights;
  };
  const run = new TrainingRun(trainer, {
    onStep: (metrics, result) => {
      writer.step(metrics, trainer.parameterNames, result.parameterNorms);
      observer.onStep?.(metrics, result);
    },
    onEval: (metrics) => {
      writer.evaluation(metrics);
      observer.onEval?.(metrics);
    },
    onCheckpoint: async () => {
      await checkpoint();
    },
    onNonFinite: (report) => {
      writer.nonFinite(report);
      observer.onNonFinite?.(report);
    },
    onStatus: (status) => {
      if (status !== 'paused') writer.status(status);
      observer.onStatus?.(status);
    },
  });
  const done = (async () => {
    try {
      const status = await run.run();
      if (trainer.step > 0) {
        const weights = trainer.step > lastCheckpoint ? await checkpoint() : await trainer.weights();
        writer.checkpoint('final', toStored(weights), { step: String(trainer.step), ...metadata });
      }
      if (setup.dumpBatches) await writeBinary(setup.dumpBatches.file, encodeSafetensors(setup.dumpBatches.batches, { pad_id: String(PAD_ID) }));
      return status;
    } catch (error) {
      writer.status('failed', error instanceof Error ? error.message : String(error));
      throw error;
    } finally {
      writer.close();
      await trainer.backend.dispose?.();
    }
  })();
  return { run, trainer, writer, done };
}

/** Adds one batch to a --dump-batches file's tensors: `s{step}.m{micro}.idx|targets` or `.src|tgt_in|tgt_out`. */
export function dumpBatch(out: Record<string, StoredTensor>, step: number, micro: number, batch: Batch): void {
  const key = `s${step}.m${micro}`;
  if (batch.kind === 'gpt') {
    out[`${key}.idx`] = { dtype: 'I32', shape: [batch.B, batch.T], data: batch.idx };
    out[`${key}.targets`] = { dtype: 'I32', shape: [batch.B, batch.T], data: batch.targets };
  } else {
    out[`${key}.src`] = { dtype: 'I32', shape: [batch.B, batch.S], data: batch.src };
    out[`${key}.tgt_in`] = { dtype: 'I32', shape: [batch.B, batch.T], data: batch.tgtIn };
    out[`${key}.tgt_out`] = { dtype: 'I32', shape: [batch.B, batch.T], data: batch.tgtOut };
  }
}

function toStored(weights: Map<string, NamedTensor>): Record<string, StoredTensor> {
  const out: Record<string, StoredTensor> = {};
  for (const [name, t] of weights) out[name] = { dtype: 'F32', shape: t.shape, data: t.data };
  return out;
}

async function writeBinary(file: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(resolve(file)), { recursive: true });
  await writeFile(file, bytes);
}

export async function writeWeightsFile(file: string, weights: Map<string, NamedTensor>, metadata: Record<string, string>): Promise<void> {
  await writeBinary(file, encodeSafetensors(toStored(weights), metadata));
}

/** Reads a weights file for --init-from; a missing, corrupt or foreign file is a UserError naming it. */
export async function readWeightsFile(file: string): Promise<Map<string, NamedTensor>> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new UserError(`${file}: cannot read the weights file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const decoded = await userFacing(async () => decodeSafetensors(bytes, file));
  const weights = new Map<string, NamedTensor>();
  for (const [name, t] of decoded.tensors) {
    if (t.dtype !== 'F32') throw new UserError(`${file}: tensor ${name} holds integers (${t.storedAs}); weights must be floating point`);
    weights.set(name, { shape: t.shape, data: t.data });
  }
  return weights;
}

/** Turns the engine's input errors into UserErrors, so the CLI prints them without a stack trace. */
export async function userFacing<T>(work: () => Promise<T>, weightsFile?: string): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DataError) {
      const where = error.line > 0 ? `${error.file}:${error.line}:${error.column}` : error.file;
      throw new UserError(`${where}: error: ${error.reason}`);
    }
    if (error instanceof SafetensorsError) throw new UserError(error.message);
    if (error instanceof WeightsMismatchError) throw new UserError(`${weightsFile ?? 'weights'}: does not fit this config's model: ${error.message}`);
    if (error instanceof BackendUnavailableError) throw new UserError(error.message);
    throw error;
  }
}
