import { basename, join, resolve } from 'node:path';
import type { LabConfig } from '../../config/types';
import type { EvalMetrics, StepMetrics } from '../../engine/train/metrics';
import type { RunSeries } from '../../protocol/dashboard';
import { readRegularFile, readRegularFileSync, UnsafeFileError } from '../safeFile';
import { RunFolderError, checkResolvedConfig, checkRunInfo, type GradNormsRecord } from './checks';
import { listRunIdsAsync, runFile } from './layout';
import { lockState } from './lock';
import { MAX_RECORDS_BYTES, parseGradNorms, parseMetrics, type MetricsRecords } from './records';
import { writeFileAtomic, type StoredRunInfo } from './writer';

/** run.json is a few hundred bytes; a megabyte is not one Loss Lab wrote. */
const MAX_INFO_BYTES = 1024 ** 2;
const MAX_CONFIG_BYTES = 4 * 1024 ** 2;

function unsafe(error: unknown): never {
  if (error instanceof UnsafeFileError) throw new RunFolderError(error.file, null, error.reason, error.code);
  throw error;
}

function parseInfo(bytes: Buffer, file: string): StoredRunInfo {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new RunFolderError(file, null, `is not valid JSON (${(error as Error).message})`);
  }
  return checkRunInfo(value, file);
}

/**
 * A run that run.json says is running but whose writer is gone (no live run.lock) was killed or crashed: it shows
 * as interrupted, with the progress its metrics hold, and Resume offers it.
 */
function withLiveness(info: StoredRunInfo, folder: string, reread: () => StoredRunInfo, metrics: () => MetricsRecords): StoredRunInfo {
  if (info.status !== 'running' || lockState(folder) === 'live') return info;
  // The writer may have closed the run between the two reads: its final run.json is then the truth.
  const again = reread();
  if (again.status !== 'running') return again;
  const { steps, evals } = metrics();
  const last = steps.at(-1);
  return {
    ...again, status: 'interrupted', steps_completed: last?.step ?? 0, final_loss: last?.loss ?? null,
    final_val_loss: evals.at(-1)?.val_loss ?? again.final_val_loss,
    message: 'the process training this run ended without closing it (killed or crashed); resume continues it from its newest checkpoint',
  };
}

/** A run folder's run.json, checked; a run whose writer died shows as interrupted. Throws a RunFolderError. */
export function readRunInfo(folder: string): StoredRunInfo {
  const file = runFile(folder, 'info');
  const read = () => {
    try {
      return parseInfo(readRegularFileSync(file, { maxBytes: MAX_INFO_BYTES, what: 'run.json' }), file);
    } catch (error) {
      return unsafe(error);
    }
  };
  return withLiveness(read(), folder, read, () => readMetrics(folder));
}

/** readRunInfo without blocking the caller's thread. */
export async function loadRunInfo(folder: string): Promise<StoredRunInfo> {
  const file = runFile(folder, 'info');
  const read = async () => parseInfo(await readRegularFile(file, { maxBytes: MAX_INFO_BYTES, what: 'run.json' }).catch(unsafe), file);
  const first = await read();
  if (first.status !== 'running' || lockState(folder) === 'live') return first;
  const [again, metrics] = [await read(), await loadMetricsText(folder)];
  return withLiveness(first, folder, () => again, () => parseMetrics(metrics.text, runFile(folder, 'metrics')));
}

/** loadRunInfo, or null when the folder has no run.json (yet: a run being created writes it first thing). */
export async function loadRunInfoIfPresent(folder: string): Promise<StoredRunInfo | null> {
  try {
    return await loadRunInfo(folder);
  } catch (error) {
    if (error instanceof RunFolderError && error.file === runFile(folder, 'info') && error.code === 'ENOENT') return null;
    throw error;
  }
}

/** A run folder's metrics.jsonl (complete lines), checked; none when the run has not finished a step. */
export function readMetrics(folder: string): MetricsRecords {
  const file = runFile(folder, 'metrics');
  let bytes: Buffer;
  try {
    bytes = readRegularFileSync(file, { maxBytes: MAX_RECORDS_BYTES, what: 'metrics file' });
  } catch (error) {
    if (error instanceof UnsafeFileError && error.code === 'ENOENT') return { steps: [], evals: [] };
    return unsafe(error);
  }
  return parseMetrics(bytes.toString('utf8'), file);
}

/** metrics.jsonl's complete lines as text and their length in bytes (where a tail continues). */
async function loadMetricsText(folder: string): Promise<{ text: string; bytes: number }> {
  let bytes: Buffer;
  try {
    bytes = await readRegularFile(runFile(folder, 'metrics'), { maxBytes: MAX_RECORDS_BYTES, what: 'metrics file' });
  } catch (error) {
    if (error instanceof UnsafeFileError && error.code === 'ENOENT') return { text: '', bytes: 0 };
    return unsafe(error);
  }
  const complete = bytes.lastIndexOf(0x0a) + 1;
  return { text: bytes.subarray(0, complete).toString('utf8'), bytes: complete };
}

/** A run folder's grad_norms.jsonl (complete lines), checked; none when it has no such file. */
export function readGradNorms(folder: string): GradNormsRecord[] {
  const file = runFile(folder, 'gradNorms');
  try {
    return parseGradNorms(readRegularFileSync(file, { maxBytes: MAX_RECORDS_BYTES, what: 'gradient-norms file' }).toString('utf8'), file);
  } catch (error) {
    if (error instanceof UnsafeFileError && error.code === 'ENOENT') return [];
    return unsafe(error);
  }
}

/**
 * Drops the metrics.jsonl and grad_norms.jsonl records of steps after `lastStep` (and a line torn by a crash), so a
 * resumed run re-does those steps without duplicating them. Only the holder of the folder's lock calls this.
 */
export function truncateRecords(folder: string, lastStep: number): void {
  const { steps, evals } = readMetrics(folder);
  const kept = [...steps, ...evals].map((r) => ({ r, order: r.step + ('val_loss' in r ? 0.5 : 0) })).filter(({ r }) => r.step <= lastStep);
  kept.sort((a, b) => a.order - b.order);
  writeFileAtomic(runFile(folder, 'metrics'), kept.map(({ r }) => `${JSON.stringify(r)}\n`).join(''));
  const norms = readGradNorms(folder).filter((r) => r.step <= lastStep);
  writeFileAtomic(runFile(folder, 'gradNorms'), norms.map((r) => `${JSON.stringify(r)}\n`).join(''));
}

/** A run as the dashboard holds it: run.json and metrics, and how many bytes of metrics.jsonl those are. */
export interface StoredRun {
  folder: string;
  series: RunSeries;
  /** How many bytes of metrics.jsonl the series holds (complete lines only): where following the file resumes. */
  metricsBytes: number;
  /** Lines of metrics.jsonl the series holds: a tail's next line number is this plus one. */
  metricsLines: number;
}

/** One run folder's run.json and metrics. Throws a RunFolderError naming the file (and line) that is wrong. */
export async function loadRun(folder: string): Promise<StoredRun> {
  const info = await loadRunInfo(folder);
  const { text, bytes } = await loadMetricsText(folder);
  const file = runFile(folder, 'metrics');
  return { folder, series: { info, ...parseMetrics(text, file) }, metricsBytes: bytes, metricsLines: text.split('\n').length - 1 };
}

/** Every run of a runs folder, oldest first; a folder that is not a readable run goes to `onProblem` and is skipped. */
export async function loadRunHistory(runsFolder: string, onProblem: (error: RunFolderError) => void = () => {}): Promise<StoredRun[]> {
  const runs: StoredRun[] = [];
  for (const id of await listRunIdsAsync(runsFolder)) {
    try {
      runs.push(await loadRun(join(runsFolder, id)));
    } catch (error) {
      if (!(error instanceof RunFolderError)) throw error;
      onProblem(error);
    }
  }
  return runs;
}

/** Everything a run folder records, read back for exports and reports. */
export interface RunRecord {
  folder: string;
  id: string;
  configName: string;
  info: StoredRunInfo;
  /** config.json: the resolved config, or null when the run has none (an interrupted start). */
  config: LabConfig | null;
  steps: StepMetrics[];
  evals: EvalMetrics[];
}

/** A run folder for export and reporting; a folder that is not a run, or holds a bad file, is a RunFolderError. */
export async function readRunRecord(path: string): Promise<RunRecord> {
  const folder = resolve(path);
  let info: StoredRunInfo;
  try {
    info = await loadRunInfo(folder);
  } catch (error) {
    if (error instanceof RunFolderError && error.file === runFile(folder, 'info') && error.code === 'ENOENT') {
      throw new RunFolderError(path, null, 'not a run folder (it has no run.json)');
    }
    throw error;
  }
  const { text } = await loadMetricsText(folder);
  return { folder, id: info.id || basename(folder), configName: info.name, info, config: await readConfigJson(folder), ...parseMetrics(text, runFile(folder, 'metrics')) };
}

async function readConfigJson(folder: string): Promise<LabConfig | null> {
  const file = runFile(folder, 'config');
  let text: string;
  try {
    text = (await readRegularFile(file, { maxBytes: MAX_CONFIG_BYTES, what: 'config.json' })).toString('utf8');
  } catch (error) {
    if (error instanceof UnsafeFileError && error.code === 'ENOENT') return null;
    return unsafe(error);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RunFolderError(file, null, `is not valid JSON (${(error as Error).message})`);
  }
  return checkResolvedConfig(value, file);
}
