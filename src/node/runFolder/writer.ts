import { closeSync, existsSync, mkdirSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { LabConfig } from '../../config/types';
import type { Tensor as StoredTensor } from '../../engine/io/safetensors';
import type { EvalMetrics, NonFiniteReport, StepMetrics } from '../../engine/train/metrics';
import type { RunInfo } from '../../protocol/runInfo';
import type { RunStatus } from '../../engine/train/run';
import { RunFolderError } from './checks';
import { encodeChecksummed } from './checksum';
import { runFile } from './layout';
import { acquireRunLock, type RunLock } from './lock';

export type { RunInfo };

/** Writes `path` atomically: a reader (or a crash) sees the old file or the new one, never half of one. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, data);
  renameSync(temporary, path);
}

/** run.json is rewritten at most this often while steps stream in, so a killed run's record stays close to its metrics. */
const INFO_SAVE_INTERVAL_MS = 1000;

/**
 * Takes a folder for a new run: creates it and its lock, and refuses a folder that already holds a run (its
 * run.json or metrics.jsonl), so a second run never appends to the first one's records.
 */
export function claimNewRunFolder(folder: string, onNotice?: (message: string) => void): RunLock {
  mkdirSync(folder, { recursive: true });
  const lock = acquireRunLock(folder, onNotice);
  try {
    refuseIfHoldsRun(folder);
  } catch (error) {
    lock.release();
    throw error;
  }
  return lock;
}

/** Refuses a folder that already holds a run (its run.json or metrics.jsonl); `shownAs` is how the user named it. */
export function refuseIfHoldsRun(folder: string, shownAs = folder): void {
  if (existsSync(runFile(folder, 'info')) || existsSync(runFile(folder, 'metrics'))) {
    throw new RunFolderError(shownAs, null, 'already holds a run: continue it with --resume, or choose another folder (--out)');
  }
}

/** Takes an existing run's folder to continue it; a folder that a live process writes is a RunLockedError. */
export function claimRunFolder(folder: string, onNotice?: (message: string) => void): RunLock {
  return acquireRunLock(folder, onNotice);
}

/**
 * One run's folder, written by the process that holds its lock: the resolved config, the config's source text,
 * metrics.jsonl (a line per step, appended as steps finish), grad_norms.jsonl, run.json and checkpoints/.
 */
export class RunWriter {
  private readonly metricsFd: number;
  private readonly normsFd: number;
  private readonly extraMetricsFd: number | null;
  private tokensSeen = 0;
  private trainingMs = 0;
  private infoSavedAt = 0;
  private closed = false;

  constructor(readonly lock: RunLock, readonly info: RunInfo, config: LabConfig, configSource: string, extraMetricsFile: string | null = null) {
    const folder = lock.folder;
    mkdirSync(runFile(folder, 'checkpoints'), { recursive: true });
    // Atomic: a FIFO planted as config.json is replaced, where opening it for writing would wait for a reader.
    writeFileAtomic(runFile(folder, 'config'), `${JSON.stringify(config, null, 2)}\n`);
    writeFileAtomic(runFile(folder, 'configSource'), configSource);
    this.metricsFd = openSync(runFile(folder, 'metrics'), 'a');
    this.normsFd = openSync(runFile(folder, 'gradNorms'), 'a');
    this.extraMetricsFd = extraMetricsFile ? openSync(extraMetricsFile, 'w') : null;
    this.saveInfo();
  }

  get folder(): string {
    return this.lock.folder;
  }

  step(metrics: StepMetrics, parameterNames: readonly string[], parameterNorms: Float64Array): void {
    this.line(metrics);
    const norms: Record<string, number> = {};
    parameterNames.forEach((name, i) => (norms[name] = parameterNorms[i]));
    writeSync(this.normsFd, `${JSON.stringify({ step: metrics.step, norms })}\n`);
    this.tokensSeen += metrics.tokens;
    this.trainingMs += (1000 * metrics.tokens) / Math.max(1e-9, metrics.tokens_per_sec);
    Object.assign(this.info, {
      steps_completed: metrics.step, final_loss: metrics.loss, tokens_per_sec: this.tokensSeen / Math.max(1e-9, this.trainingMs / 1000),
    });
    if (Date.now() - this.infoSavedAt >= INFO_SAVE_INTERVAL_MS) this.saveInfo();
  }

  evaluation(metrics: EvalMetrics): void {
    this.line(metrics);
    this.info.final_val_loss = metrics.val_loss;
  }

  nonFinite(report: NonFiniteReport): void {
    this.info.message = report.parameter
      ? `step ${report.step}: the gradient of ${report.parameter} is not finite (loss ${report.loss}); the update was skipped and the run paused`
      : `step ${report.step}: the loss is ${report.loss}; the update was skipped and the run paused`;
    this.status('paused');
  }

  status(status: RunStatus, message?: string): void {
    if (this.closed) return;
    this.info.status = status;
    if (message !== undefined) this.info.message = message;
    if (status === 'finished' || status === 'stopped' || status === 'failed') this.info.finished_at = new Date().toISOString();
    this.saveInfo();
  }

  /** Writes checkpoints/<label>.safetensors (model weights by state-dict name, with their checksum) atomically. */
  checkpoint(label: string, weights: Record<string, StoredTensor>, metadata: Record<string, string>): string {
    const file = join(runFile(this.folder, 'checkpoints'), `${label}.safetensors`);
    writeFileAtomic(file, encodeChecksummed(weights, metadata));
    return file;
  }

  /** Ends the writing: a run still marked running was stopped without saying so, and is recorded as stopped. */
  close(): void {
    if (this.closed) return;
    if (this.info.status === 'running') this.status('stopped');
    this.closed = true;
    this.saveInfo();
    closeSync(this.metricsFd);
    closeSync(this.normsFd);
    if (this.extraMetricsFd !== null) closeSync(this.extraMetricsFd);
    this.lock.release();
  }

  private line(record: StepMetrics | EvalMetrics): void {
    const text = `${JSON.stringify(record)}\n`;
    writeSync(this.metricsFd, text);
    if (this.extraMetricsFd !== null) writeSync(this.extraMetricsFd, text);
  }

  private saveInfo(): void {
    writeFileAtomic(runFile(this.folder, 'info'), `${JSON.stringify(this.info, null, 2)}\n`);
    this.infoSavedAt = Date.now();
  }
}

/** One `--resume` of a run, as run.json's `resumes` lists them. */
export interface ResumeRecord {
  /** When it resumed (ISO time). */
  at: string;
  /** The checkpoint's step: steps after it were re-done. */
  from_step: number;
  backend: string;
}

/** run.json as written: RunInfo plus the resumes, when there were any. */
export type StoredRunInfo = RunInfo & { resumes?: ResumeRecord[] };

