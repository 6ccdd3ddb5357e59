import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { LabConfig } from '../../config/types';
import type { EvalMetrics, StepMetrics } from '../../engine/train/metrics';
import { UserError } from '../../node/configFile';
import type { RunInfo } from '../../node/runStore';

/** Everything a run folder records, read back for exports and reports (Node only). */
export interface RunRecord {
  folder: string;
  /** run.json's id, or the folder's name when run.json is missing. */
  id: string;
  /** The config's name (run.json, else config.json), or '' when neither says. */
  configName: string;
  info: RunInfo | null;
  config: LabConfig | null;
  steps: StepMetrics[];
  evals: EvalMetrics[];
}

async function optionalJson<T>(file: string): Promise<T | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new UserError(`${file}: not valid JSON (${(error as Error).message})`);
  }
}

/**
 * Splits metrics.jsonl into step and eval records. A run still writing may end in half a line, which is skipped;
 * any other unreadable line is an error naming it.
 */
export function parseMetricsLines(text: string, file: string): { steps: StepMetrics[]; evals: EvalMetrics[] } {
  const steps: StepMetrics[] = [];
  const evals: EvalMetrics[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let record: StepMetrics | EvalMetrics;
    try {
      record = JSON.parse(line) as StepMetrics | EvalMetrics;
    } catch {
      if (i === lines.length - 1) return;
      throw new UserError(`${file}:${i + 1}: not a JSON metrics record`);
    }
    if ('val_loss' in record) evals.push(record);
    else steps.push(record);
  });
  return { steps, evals };
}

/** Reads a run folder's run.json, config.json and metrics.jsonl; a folder without metrics.jsonl is not a run. */
export async function readRunFolder(path: string): Promise<RunRecord> {
  const folder = resolve(path);
  const metricsFile = join(folder, 'metrics.jsonl');
  let text: string;
  try {
    text = await readFile(metricsFile, 'utf8');
  } catch {
    throw new UserError(`${path}: not a run folder (it has no metrics.jsonl)`);
  }
  const info = await optionalJson<RunInfo>(join(folder, 'run.json'));
  const config = await optionalJson<LabConfig>(join(folder, 'config.json'));
  return {
    folder, id: info?.id ?? basename(folder), configName: info?.name ?? config?.name ?? '', info, config,
    ...parseMetricsLines(text, metricsFile),
  };
}
