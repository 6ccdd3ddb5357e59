import { writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { BackendChoice, LabConfig } from '../config/types';
import type { Backend } from '../engine/backend';
import { WebGpuBackend } from '../engine/backends/webgpu/backend';
import type { PreparedData } from '../engine/data/prepare';
import type { RunBackend, RunSweepTag } from '../protocol/runInfo';
import { UserError, loadConfigFile, type LoadedConfig } from './configFile';
import { loadPreparedData } from './preparedData';
import { RunRecorder } from './runRecorder';
import {
  RunFolderError, RunWriter, claimNewRunFolder, claimRunFolder, fingerprintMismatch, latestCheckpoint, newRunId, readRunInfo,
  refuseIfHoldsRun, refuseIfLocked, runFile, setAsideCheckpointsAfter, runFingerprintOf, runsFolder, truncateRecords, type Checkpoint, type RunFingerprint, type RunInfo,
  type RunLock, type StoredRunInfo, writeRunTokenizer,
} from './runFolder';
import { quoteArg } from './shellWords';
import { tokenizerFacts } from './tokenizerFacts';
import { userFacing } from './userFacing';

/** A run whose config and data are loaded and whose folder is chosen; nothing is written yet. */
export interface PreparedRun {
  loaded: LoadedConfig;
  config: LabConfig;
  data: PreparedData;
  fingerprint: RunFingerprint;
  /** What loading the data told the user: a damaged token cache entry rebuilt, a cache that could not be written. */
  dataNotices: string[];
  folder: string;
  /** Set when the run continues in its folder; `checkpoint` is null when a GPU failure came before the first one. */
  resume: { previous: StoredRunInfo; checkpoint: Checkpoint | null; notices: string[] } | null;
}

export interface NewRunOptions {
  configFile: string;
  overrides?: Record<string, unknown>;
  backend?: BackendChoice;
  /** The run folder; default `.losslab/runs/<name>/<run id>/` beside the config. */
  outDir?: string;
}

export interface ResumedRunOptions {
  runDir: string;
  configFile?: string;
  overrides?: Record<string, unknown>;
  backend?: BackendChoice;
}

/** Loads the config and its data for a new run and picks its folder. User mistakes are UserErrors. */
export async function prepareNewRun(options: NewRunOptions): Promise<PreparedRun> {
  const loaded = await loadConfigFile(options.configFile, withBackend(options.overrides, options.backend));
  const { data, fingerprint, notices } = await loadData(loaded);
  // A run's id is its folder's name, so listing a runs folder lists run ids.
  const folder = options.outDir ? resolve(options.outDir) : join(runsFolder(loaded.file, loaded.config.name), newRunId());
  // Checked again under the folder's lock when the run starts; here, so the refusal comes before the model is built.
  refuseIfHoldsRun(folder, options.outDir ?? folder);
  return { loaded, config: loaded.config, data, fingerprint, dataNotices: notices, folder, resume: null };
}

/**
 * Loads what continuing a stopped, failed or paused run in its folder needs: run.json, the newest complete checkpoint
 * (none is needed after a GPU failure before the first one: the run starts over), the config and the same data.
 */
export async function prepareResumedRun(options: ResumedRunOptions): Promise<PreparedRun> {
  const folder = resolve(options.runDir);
  // Before anything is loaded: a run another process is writing is refused naming it, whatever its checkpoints say.
  refuseIfLocked(folder);
  let previous: StoredRunInfo;
  try {
    previous = readRunInfo(folder);
  } catch (error) {
    if (!(error instanceof RunFolderError)) throw error;
    throw new UserError(`${options.runDir}: not a run folder to resume (${error.message})`);
  }
  const skipped: string[] = [];
  const checkpoint = latestCheckpoint(folder, skipped);
  if (!checkpoint && !previous.gpu_failure) {
    const why = skipped.length > 0 ? ` (${skipped.join('; ')})` : '';
    throw new UserError(`${options.runDir}: no complete checkpoint to resume from${why}; training.checkpoint_interval sets how often a run saves one`);
  }
  const notices = skipped.map((reason) => `passed over a checkpoint that cannot be used: ${reason}`);
  const configFile = options.configFile ?? previous.config_file;
  let loaded = await loadConfigFile(configFile, withBackend(options.overrides, options.backend));
  const keptDecaySteps = checkpoint ? decayStepsOfRun(checkpoint.fingerprint, loaded.config) : null;
  if (keptDecaySteps !== null) {
    loaded = await loadConfigFile(configFile, withBackend({ ...options.overrides, 'schedule.decay_steps': keptDecaySteps }, options.backend));
    notices.push(`schedule: decay_steps stays at ${keptDecaySteps} from the run, so the ${loaded.config.schedule.decay} decay ends there and the lr stays at min_lr (${loaded.config.schedule.min_lr}) past step ${keptDecaySteps}`);
  }
  const { config } = loaded;
  const { data, fingerprint, notices: dataNotices } = await loadData(loaded);
  if (checkpoint) {
    const mismatch = fingerprintMismatch(checkpoint.fingerprint, fingerprint);
    if (mismatch) throw new UserError(`${checkpoint.files.weights}: cannot resume: ${mismatch}`);
    if (checkpoint.step >= config.training.steps) {
      const further = `losslab train ${quoteArg(configFile)} --resume ${quoteArg(options.runDir)} --steps ${2 * checkpoint.step}`;
      throw new UserError(`${options.runDir}: already trained ${checkpoint.step} of ${config.training.steps} steps; raise training.steps to train further, e.g. ${further}`);
    }
  }
  return { loaded, config, data, fingerprint, dataNotices, folder, resume: { previous, checkpoint, notices } };
}

/**
 * decay_steps defaults to training.steps, so extending a linear or cosine run would change its schedule under it:
 * where the config leaves decay_steps at that default and the run decayed over another length, the run's length stays.
 */
function decayStepsOfRun(saved: RunFingerprint, config: LabConfig): number | null {
  const schedule = saved.settings.schedule as { decay_steps?: unknown } | undefined;
  const savedDecaySteps = schedule?.decay_steps;
  if (typeof savedDecaySteps !== 'number' || config.schedule.decay_steps !== config.training.steps) return null;
  return savedDecaySteps !== config.schedule.decay_steps ? savedDecaySteps : null;
}

/** What run.json records of the session besides the prepared run. */
export interface RunStart {
  backend: RunBackend;
  parameters: number;
  version: string;
  /** Also write metrics lines here. */
  metricsFile?: string;
  /** Hears what the user should know about the folder, such as a dead writer's lock taken over. */
  onNotice?: (message: string) => void;
  /** run.json's `sweep` when a sweep trains the run. */
  sweep?: RunSweepTag;
}

/**
 * Creates (or, for a resume, rolls back to its checkpoint) the run folder and writes run.json: steps after the
 * checkpoint are dropped from the metrics, so re-doing them leaves the metrics equal to an uninterrupted run's.
 */
export function openRunFolder(prepared: PreparedRun, start: RunStart): RunRecorder {
  const { folder, resume } = prepared;
  // The lock comes first: nothing in the folder changes unless this process is its one writer.
  const lock = resume ? claimRunFolder(folder, start.onNotice) : claimNewRunFolder(folder, start.onNotice);
  try {
    return recorderFor(prepared, start, lock);
  } catch (error) {
    lock.release();
    throw error;
  }
}

function recorderFor(prepared: PreparedRun, start: RunStart, lock: RunLock): RunRecorder {
  const { config, data, folder, loaded, resume } = prepared;
  const common = {
    status: 'running' as const, backend: start.backend, versions: { losslab: start.version, node: process.version },
    finished_at: null, total_steps: config.training.steps, message: null, gpu_failure: null, ...(start.sweep ? { sweep: start.sweep } : {}),
  };
  let info: StoredRunInfo;
  if (resume) {
    const from = resume.checkpoint?.step ?? 0;
    const { steps, evals } = truncateRecords(folder, from);
    for (const notice of setAsideCheckpointsAfter(folder, from)) start.onNotice?.(notice);
    info = {
      ...resume.previous, ...common, steps_completed: from,
      final_loss: steps.at(-1)?.loss ?? null, final_val_loss: evals.at(-1)?.val_loss ?? null,
      resumes: [...(resume.previous.resumes ?? []), { at: new Date().toISOString(), from_step: from, backend: start.backend.name }],
    };
  } else {
    info = {
      ...common, id: basename(folder), name: config.name, config_file: loaded.file, started_at: new Date().toISOString(),
      steps_completed: 0, parameters: start.parameters, vocab_size: data.vocab.size, final_loss: null, final_val_loss: null, tokens_per_sec: null,
      tokenizer: { ...tokenizerFacts(config, data), sha256: writeRunTokenizer(folder, data.vocab) },
    } satisfies RunInfo;
  }
  const writer = new RunWriter(lock, info, config, loaded.source, start.metricsFile ?? null);
  if (!resume) writeFileSync(runFile(folder, 'vocab'), `${JSON.stringify(data.vocab.toJSON())}\n`);
  const metadata = { config: config.name, model_kind: config.model.kind, vocab: JSON.stringify(data.vocab.toJSON()) };
  return new RunRecorder(writer, prepared.fingerprint, metadata, resume?.checkpoint?.step ?? 0);
}

/** run.json's `backend` for a backend in this process and the reason it was chosen. */
export function runBackend(backend: Backend, reason: string): RunBackend {
  const adapter = backend instanceof WebGpuBackend ? backend.adapter : null;
  return { name: backend.name, description: backend.description, reason, adapter };
}

function withBackend(overrides: Record<string, unknown> | undefined, backend: BackendChoice | undefined): Record<string, unknown> {
  return { ...overrides, ...(backend ? { backend } : {}) };
}

/** The config's data (through the token cache beside the config) and the run's fingerprint of it. */
async function loadData(loaded: LoadedConfig): Promise<{ data: PreparedData; fingerprint: RunFingerprint; notices: string[] }> {
  return userFacing(async () => {
    const { data, dataHash, notices } = await loadPreparedData(loaded.config, { configFile: loaded.file });
    return { data, fingerprint: runFingerprintOf(loaded.config, dataHash), notices };
  });
}
