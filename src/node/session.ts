import { writeFile, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { BackendChoice } from '../config/types';
import { selectBackend } from '../engine/backends/select';
import { WebGpuError } from '../engine/backends/webgpu/errors';
import type { Batch } from '../engine/data/batches';
import { PAD_ID } from '../engine/data/vocab';
import { decodeSafetensors, encodeSafetensors, type Tensor as StoredTensor } from '../engine/io/safetensors';
import type { EvalMetrics, NonFiniteReport, StepMetrics } from '../engine/train/metrics';
import { TrainingRun, type RunStatus } from '../engine/train/run';
import { Trainer, type StepResult } from '../engine/train/trainer';
import type { NamedTensor } from '../engine/train/weights';
import type { GpuFailure, RunSweepTag } from '../protocol/runInfo';
import { UserError, type LoadedConfig } from './configFile';
import { checkMemory, memoryBudget } from './memoryCheck';
import { nonFiniteFaultFromEnv } from './nonFiniteFault';
import { openRunFolder, prepareNewRun, prepareResumedRun, runBackend } from './runPreparation';
import { toStored, type RunRecorder } from './runRecorder';
import { verifyChecksum, type RunInfo, type RunWriter } from './runFolder';
import { MAX_WEIGHTS_BYTES, readRegularFile } from './safeFile';
import { userFacing } from './userFacing';

export interface SessionOptions {
  configFile: string;
  /** Overrides of config keys by dotted path, e.g. { 'training.steps': 20 }. */
  overrides?: Record<string, unknown>;
  backend?: BackendChoice;
  /** Why WebGPU must not be used (e.g. losslab.trainingLocation is cpu); `auto` and `webgpu` then pick a CPU-path backend. */
  withoutGpu?: string;
  /** The run folder; default `.losslab/runs/<name>/<run id>/` beside the config. */
  outDir?: string;
  /** Also write metrics lines here. */
  metricsFile?: string;
  initFrom?: string;
  saveInit?: string;
  dumpBatches?: string;
  /** The most memory the run may need (--max-memory); default: training.max_memory_mb, else a share of the free memory. */
  maxMemoryBytes?: number;
  version: string;
  /** Set when a sweep trains this run: run.json names the sweep, the trial and its values. */
  sweep?: RunSweepTag;
  /** Stop cleanly after this step, as a stop request would, leaving the run resumable (a sweep's early stopping). */
  stopAfterStep?: number;
}

/** How to continue a stopped, crashed or paused run in its own folder. */
export interface ResumeOptions {
  /** The run folder (the one with run.json and checkpoints/). */
  runDir: string;
  /** The config to continue with; default: the file run.json names. */
  configFile?: string;
  /** Overrides of config keys, as for a new run; `training.steps` may grow to train further. */
  overrides?: Record<string, unknown>;
  backend?: BackendChoice;
  /** Why WebGPU must not be used (e.g. it failed mid-run); `auto` and `webgpu` then pick a CPU-path backend. */
  withoutGpu?: string;
  /** Also write this session's metrics lines here. */
  metricsFile?: string;
  /** As for a new run. */
  maxMemoryBytes?: number;
  version: string;
  /** As for a new run. */
  sweep?: RunSweepTag;
  /** As for a new run. */
  stopAfterStep?: number;
}

/** Live callbacks for a UI (the CLI's progress bar, the worker's messages). */
export interface SessionObserver {
  onStart?(info: RunInfo, loaded: LoadedConfig, folder: string): void;
  onStep?(metrics: StepMetrics, result: StepResult): void;
  onEval?(metrics: EvalMetrics): void;
  onNonFinite?(report: NonFiniteReport): void;
  onStatus?(status: RunStatus): void;
  /** Something the user should know before training goes on: a dead writer's lock taken over, a schedule kept, a checkpoint passed over. */
  onNotice?(message: string): void;
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
  const prepared = await prepareNewRun(options);
  const { config, data } = prepared;
  // Refused here, before the backend and the model allocate anything large.
  checkMemory(prepared.loaded, data, memoryBudget(config, options.maxMemoryBytes));
  const selection = await userFacing(() => selectBackend(config.backend, { withoutGpu: options.withoutGpu }));
  const initialWeights = options.initFrom ? await readWeightsFile(options.initFrom) : undefined;
  const dumped: Record<string, StoredTensor> = {};
  const trainer = await userFacing(async () => new Trainer(config, data, {
    backend: selection.backend,
    initialWeights,
    onBatch: options.dumpBatches ? (step, micro, batch) => dumpBatch(dumped, step, micro, batch) : undefined,
    nonFiniteFault: nonFiniteFaultFromEnv(process.env.LOSSLAB_TEST_NONFINITE),
  }), options.initFrom);
  if (options.saveInit) await writeWeightsFile(options.saveInit, await trainer.weights(), { kind: 'initial weights', config: config.name });
  const recorder = openRunFolder(prepared, {
    backend: runBackend(selection.backend, selection.reason), parameters: trainer.model.params.count, version: options.version, metricsFile: options.metricsFile,
    onNotice: observer.onNotice, sweep: options.sweep,
  });
  for (const notice of prepared.dataNotices) observer.onNotice?.(notice);
  observer.onStart?.(recorder.info, prepared.loaded, recorder.folder);
  const dumpBatches = options.dumpBatches ? { file: options.dumpBatches, batches: dumped } : null;
  return launch(trainer, recorder, dumpBatches, observer, options.stopAfterStep);
}

/**
 * Continues a stopped, crashed or paused run in its folder from its newest complete checkpoint: steps after it are
 * dropped from metrics.jsonl and re-done, so the metrics equal an uninterrupted run's. run.json lists the resumes.
 */
export async function resumeSession(options: ResumeOptions, observer: SessionObserver = {}): Promise<TrainingSession> {
  const prepared = await prepareResumedRun(options);
  const { config, data } = prepared;
  checkMemory(prepared.loaded, data, memoryBudget(config, options.maxMemoryBytes));
  const checkpoint = prepared.resume?.checkpoint ?? null;
  const selection = await userFacing(() => selectBackend(config.backend, { withoutGpu: options.withoutGpu }));
  const trainer = new Trainer(config, data, { backend: selection.backend });
  if (checkpoint) {
    try {
      trainer.restore(checkpoint.weights, checkpoint.state);
    } catch (error) {
      throw new UserError(`${checkpoint.files.weights}: cannot resume: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const recorder = openRunFolder(prepared, {
    backend: runBackend(selection.backend, selection.reason), parameters: trainer.model.params.count, version: options.version, metricsFile: options.metricsFile,
    onNotice: observer.onNotice, sweep: options.sweep,
  });
  for (const notice of [...prepared.dataNotices, ...(prepared.resume?.notices ?? [])]) observer.onNotice?.(notice);
  observer.onStart?.(recorder.info, prepared.loaded, recorder.folder);
  return launch(trainer, recorder, null, observer, options.stopAfterStep);
}

/** Starts the training loop: metrics and checkpoints go to the run folder, events to the observer. */
function launch(
  trainer: Trainer, recorder: RunRecorder, dumpBatches: { file: string; batches: Record<string, StoredTensor> } | null, observer: SessionObserver, stopAfterStep?: number,
): TrainingSession {
  let finishing = false;
  const run = new TrainingRun(trainer, {
    onStep: (metrics, result) => {
      recorder.step(metrics, trainer.parameterNames, result.parameterNorms);
      observer.onStep?.(metrics, result);
      if (stopAfterStep !== undefined && metrics.step >= stopAfterStep) run.stop();
    },
    onEval: (metrics) => {
      recorder.evaluation(metrics);
      observer.onEval?.(metrics);
    },
    onCheckpoint: async () => {
      recorder.checkpoint(await trainer.weights(), await trainer.state());
    },
    onNonFinite: (report) => {
      recorder.nonFinite(report);
      observer.onNonFinite?.(report);
    },
    onStatus: (status) => {
      recorder.status(status);
      observer.onStatus?.(status);
    },
  });
  const done = (async (): Promise<RunStatus> => {
    try {
      const status = await run.run();
      finishing = true;
      await recorder.finish(trainer.step, await trainer.weights(), () => trainer.state());
      if (dumpBatches) await writeBinary(dumpBatches.file, encodeSafetensors(dumpBatches.batches, { pad_id: String(PAD_ID) }));
      return status;
    } catch (error) {
      const kind = gpuFailureKind(error);
      if (!kind) {
        recorder.fail(error instanceof Error ? error.message : String(error));
        throw error;
      }
      recorder.gpuFailure(kind, finishing ? 'checkpoint' : run.phase);
      observer.onStatus?.('paused');
      return 'paused';
    } finally {
      recorder.close();
      await disposeBackend(trainer);
    }
  })();
  return { run, trainer, writer: recorder.writer, done };
}

/** Device loss and out-of-memory pause a run (it resumes on the CPU); other GPU errors are bugs and fail it. */
function gpuFailureKind(error: unknown): GpuFailure['kind'] | null {
  return error instanceof WebGpuError && (error.kind === 'device-lost' || error.kind === 'out-of-memory') ? error.kind : null;
}

// A lost device may refuse even to free its buffers; the run's outcome is already on disk.
async function disposeBackend(trainer: Trainer): Promise<void> {
  try {
    await trainer.backend.dispose?.();
  } catch {
    return;
  }
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

async function writeBinary(file: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(resolve(file)), { recursive: true });
  await writeFile(file, bytes);
}

export async function writeWeightsFile(file: string, weights: Map<string, NamedTensor>, metadata: Record<string, string>): Promise<void> {
  await writeBinary(file, encodeSafetensors(toStored(weights), metadata));
}

/**
 * Reads a weights file for --init-from: only a regular file within MAX_WEIGHTS_BYTES; a missing, corrupt or
 * foreign file, a checkpoint's optimizer state or integer tensors are a UserError naming it.
 */
export async function readWeightsFile(file: string): Promise<Map<string, NamedTensor>> {
  const bytes = await readRegularFile(file, { maxBytes: MAX_WEIGHTS_BYTES, what: 'weights file' });
  const decoded = await userFacing(async () => decodeSafetensors(bytes, file));
  // Weights from elsewhere (PyTorch's, or an older Loss Lab's) carry no checksum; one that is there must match.
  verifyChecksum(bytes, decoded, file, 'if-present');
  if (decoded.metadata.optimizer_step !== undefined || file.endsWith('.state.safetensors')) {
    const weightsFile = file.endsWith('.state.safetensors') ? `${file.slice(0, -'.state.safetensors'.length)}.safetensors` : 'the checkpoint\'s step-N.safetensors';
    throw new UserError(`${file}: this is a checkpoint's optimizer state, not model weights: use ${weightsFile}`);
  }
  if (decoded.tensors.size === 0) throw new UserError(`${file}: the weights file holds no tensors`);
  const weights = new Map<string, NamedTensor>();
  for (const [name, t] of decoded.tensors) {
    if (t.dtype !== 'F32') throw new UserError(`${file}: tensor ${name} holds integers (${t.storedAs}); weights must be floating point`);
    weights.set(name, { shape: t.shape, data: t.data });
  }
  return weights;
}

export { userFacing };
