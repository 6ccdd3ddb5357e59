import { readFile, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { EvalMetrics, StepMetrics } from '../../engine/train/metrics';
import { runsFolder } from '../../node/runStore';
import type { RunSeries } from '../../protocol/dashboard';
import type { RunInfo } from '../../protocol/runInfo';

const STATUSES = new Set(['running', 'paused', 'stopped', 'finished', 'failed']);

/**
 * The folder of a config's runs, as the training side writes them: `.losslab/runs/<name>/` beside the config when
 * losslab.runFolder is empty, else `<runFolder>/<name>/` with a relative runFolder resolved against the config's folder.
 */
export function runsFolderFor(configFile: string, configName: string, runFolderSetting: string): string {
  const custom = runFolderSetting.trim();
  return custom ? join(resolve(dirname(configFile), custom), configName) : runsFolder(configFile, configName);
}

/** A run as loaded from the run store, with the folder it lives in. */
export interface StoredRun {
  folder: string;
  series: RunSeries;
  /** How many bytes of metrics.jsonl the series holds (complete lines only): where following the file resumes. */
  metricsBytes: number;
}

/** Every run of a config with its whole history, oldest first; folders without a readable run.json are skipped. */
export async function loadRunHistory(folder: string): Promise<StoredRun[]> {
  let ids: string[];
  try {
    ids = (await readdir(folder, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  } catch {
    return [];
  }
  const runs = await Promise.all(ids.map((id) => loadRun(join(folder, id))));
  return runs.filter((run): run is StoredRun => run !== null);
}

/** One run folder's run.json and the complete lines of its metrics.jsonl, or null when run.json is missing or not a run. */
export async function loadRun(runFolder: string): Promise<StoredRun | null> {
  const info = await readRunInfo(runFolder);
  if (!info) return null;
  let bytes: Uint8Array = new Uint8Array(0);
  try {
    bytes = await readFile(join(runFolder, 'metrics.jsonl'));
  } catch {
    // A run that has not finished its first step has no metrics yet.
  }
  const metricsBytes = completeLinesLength(bytes);
  const series = { info, ...parseMetricsLines(Buffer.from(bytes.buffer, bytes.byteOffset, metricsBytes).toString('utf8')) };
  return { folder: runFolder, series, metricsBytes };
}

/** The length of `bytes` up to and including its last newline: a line still being written waits for its newline. */
export function completeLinesLength(bytes: Uint8Array): number {
  return bytes.lastIndexOf(0x0a) + 1;
}

/** run.json of a run folder, or null when it is missing, unreadable or not a RunInfo. */
export async function readRunInfo(runFolder: string): Promise<RunInfo | null> {
  try {
    const value: unknown = JSON.parse(await readFile(join(runFolder, 'run.json'), 'utf8'));
    return isRunInfo(value) ? value : null;
  } catch {
    return null;
  }
}

/**
 * metrics.jsonl split into steps and evals, like runStore's readMetrics, but tolerant: a run being written may end
 * in a half-written line, and a line that is not a metrics record is skipped rather than failing the whole history.
 */
export function parseMetricsLines(text: string): { steps: StepMetrics[]; evals: EvalMetrics[] } {
  const steps: StepMetrics[] = [];
  const evals: EvalMetrics[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof record !== 'object' || record === null || typeof (record as { step?: unknown }).step !== 'number') continue;
    if ('val_loss' in record) evals.push(record as EvalMetrics);
    else if ('loss' in record) steps.push(record as StepMetrics);
  }
  return { steps, evals };
}

function isRunInfo(value: unknown): value is RunInfo {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.id === 'string' && typeof v.status === 'string' && STATUSES.has(v.status)
    && typeof v.backend === 'object' && v.backend !== null && typeof v.total_steps === 'number';
}
