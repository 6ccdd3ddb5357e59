import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LabConfig } from '../config/types';
import { encodeSafetensors, type Tensor as StoredTensor } from '../engine/io/safetensors';
import type { EvalMetrics, NonFiniteReport, StepMetrics } from '../engine/train/metrics';
import type { RunInfo } from '../protocol/runInfo';
import type { RunStatus } from '../engine/train/run';

export type { RunInfo };

/** The folder of a config's runs: `.losslab/runs/<config name>/` beside the config file. */
export function runsFolder(configFile: string, configName: string): string {
  return join(dirname(configFile), '.losslab', 'runs', configName);
}

/** Sortable, unique enough for one person's runs: 20261129-031502-3fa2. */
export function newRunId(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return `${stamp}-${Math.floor(Math.random() * 0x10000).toString(16).padStart(4, '0')}`;
}

/** Writes `path` atomically: a reader (or a crash) sees the old file or the new one, never half of one. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, data);
  renameSync(temporary, path);
}

/**
 * One run's folder: the resolved config, the config's source text, metrics.jsonl (a line per step, appended as
 * steps finish), grad_norms.jsonl, run.json and checkpoints/.
 */
export class RunWriter {
  private readonly metricsFd: number;
  private readonly normsFd: number;
  private readonly extraMetricsFd: number | null;
  private tokensSeen = 0;
  private trainingMs = 0;

  constructor(readonly folder: string, readonly info: RunInfo, config: LabConfig, configSource: string, extraMetricsFile: string | null = null) {
    mkdirSync(join(folder, 'checkpoints'), { recursive: true });
    writeFileSync(join(folder, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
    writeFileSync(join(folder, 'config.source.txt'), configSource);
    this.metricsFd = openSync(join(folder, 'metrics.jsonl'), 'a');
    this.normsFd = openSync(join(folder, 'grad_norms.jsonl'), 'a');
    this.extraMetricsFd = extraMetricsFile ? openSync(extraMetricsFile, 'w') : null;
    this.saveInfo();
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
    this.info.status = status;
    if (message !== undefined) this.info.message = message;
    if (status === 'finished' || status === 'stopped' || status === 'failed') this.info.finished_at = new Date().toISOString();
    this.saveInfo();
  }

  /** Writes checkpoints/<label>.safetensors (model weights by state-dict name) atomically. */
  checkpoint(label: string, weights: Record<string, StoredTensor>, metadata: Record<string, string>): string {
    const file = join(this.folder, 'checkpoints', `${label}.safetensors`);
    writeFileAtomic(file, encodeSafetensors(weights, metadata));
    return file;
  }

  close(): void {
    this.saveInfo();
    closeSync(this.metricsFd);
    closeSync(this.normsFd);
    if (this.extraMetricsFd !== null) closeSync(this.extraMetricsFd);
  }

  private line(record: StepMetrics | EvalMetrics): void {
    const text = `${JSON.stringify(record)}\n`;
    writeSync(this.metricsFd, text);
    if (this.extraMetricsFd !== null) writeSync(this.extraMetricsFd, text);
  }

  private saveInfo(): void {
    writeFileAtomic(join(this.folder, 'run.json'), `${JSON.stringify(this.info, null, 2)}\n`);
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

/** Reads a run folder's run.json; throws when it is missing or not a run's. */
export function readRunInfo(runFolder: string): StoredRunInfo {
  const info = JSON.parse(readFileSync(join(runFolder, 'run.json'), 'utf8')) as StoredRunInfo;
  if (typeof info !== 'object' || info === null || typeof info.id !== 'string' || typeof info.config_file !== 'string') {
    throw new Error(`${join(runFolder, 'run.json')} is not a Loss Lab run.json`);
  }
  return info;
}

/**
 * Drops the metrics.jsonl and grad_norms.jsonl records of steps after `lastStep` (and a line torn by a crash), so a
 * resumed run re-does those steps without duplicating them.
 */
export function truncateRecords(runFolder: string, lastStep: number): void {
  for (const name of ['metrics.jsonl', 'grad_norms.jsonl']) {
    const file = join(runFolder, name);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const kept = text.split('\n').filter((line) => {
      try {
        const record = JSON.parse(line) as { step?: unknown };
        return typeof record.step === 'number' && record.step <= lastStep;
      } catch {
        return false;
      }
    });
    writeFileAtomic(file, kept.map((line) => `${line}\n`).join(''));
  }
}

/** A run folder's metrics.jsonl split into step and eval records. */
export function readMetrics(runFolder: string): { steps: StepMetrics[]; evals: EvalMetrics[] } {
  const steps: StepMetrics[] = [];
  const evals: EvalMetrics[] = [];
  for (const line of readFileSync(join(runFolder, 'metrics.jsonl'), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const record = JSON.parse(line) as StepMetrics | EvalMetrics;
    if ('val_loss' in record) evals.push(record);
    else steps.push(record);
  }
  return { steps, evals };
}

/** Run ids of a config's runs, oldest first. */
export function listRuns(configFile: string, configName: string): string[] {
  try {
    return readdirSync(runsFolder(configFile, configName), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch {
    return [];
  }
}
