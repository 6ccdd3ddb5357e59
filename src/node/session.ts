import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
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
import { UserError, loadConfigFile, type LoadedConfig } from './configFile';
import { readDatasetFiles } from './dataFiles';
import { RunWriter, newRunId, runsFolder, type RunInfo } from './runStore';

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
  const overrides = { ...options.overrides, ...(options.backend ? { backend: options.backend } : {}) };
  const loaded = await loadConfigFile(options.configFile, overrides);
  const { config } = loaded;
  const data = await userFacing(async () => prepareData(config, await readDatasetFiles(config)));
  const selection = await userFacing(() => selectBackend(config.backend));
  const initialWeights = options.initFrom ? await readWeightsFile(options.initFrom) : undefined;
  const dumped: Record<string, StoredTensor> = {};
  const trainer = await userFacing(async () => new Trainer(config, data, {
    backend: selection.backend,
    initialWeights,
    onBatch: options.dumpBatches ? (step, micro, batch) => dumpBatch(dumped, step, micro, batch) : undefined,
  }), options.initFrom);
  if (options.saveInit) await writeWeightsFile(options.saveInit, await trainer.weights(), { kind: 'initial weights', config: config.name });

  const id = newRunId();
  const folder = options.outDir ? resolve(options.outDir) : join(runsFolder(loaded.file, config.name), id);
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

  const checkpoint = async (label: string) => {
    writer.checkpoint(label, toStored(await trainer.weights()), {
      step: String(trainer.step), config: config.name, model_kind: config.model.kind, vocab: JSON.stringify(data.vocab.toJSON()),
    });
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
    onCheckpoint: (step) => checkpoint(`step-${String(step).padStart(6, '0')}`),
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
      if (trainer.step > 0) await checkpoint('final');
      if (options.dumpBatches) await writeBinary(options.dumpBatches, encodeSafetensors(dumped, { pad_id: String(PAD_ID) }));
      return status;
    } catch (error) {
      writer.status('failed', error instanceof Error ? error.message : String(error));
      throw error;
    } finally {
      writer.close();
    }
  })();
  return { run, trainer, writer, done };
}

function dumpBatch(out: Record<string, StoredTensor>, step: number, micro: number, batch: Batch): void {
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
async function readWeightsFile(file: string): Promise<Map<string, NamedTensor>> {
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
async function userFacing<T>(work: () => Promise<T>, weightsFile?: string): Promise<T> {
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
