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

/** A run folder file's bytes, or null when it does not exist; any other refusal is a RunFolderError. */
function readIfPresentSync(file: string, maxBytes: number, what: string): Buffer | null {
  try {
    return readRegularFileSync(file, { maxBytes, what });
  } catch (error) {
    if (error instanceof UnsafeFileError && error.code === 'ENOENT') return null;
    return unsafe(error);
  }
}

/** readIfPresentSync without blocking the caller's thread. */
async function readIfPresent(file: string, maxBytes: number, what: string): Promise<Buffer | null> {
  try {
    return await readRegularFile(file, { maxBytes, what });
  } catch (error) {
    if (error instanceof UnsafeFileError && error.code === 'ENOENT') return null;
    return unsafe(error);
  }
}

/** A JSON file's value; text that is not JSON is a RunFolderError naming the file. */
function parseJson(bytes: Buffer, file: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new RunFolderError(file, null, `is not valid JSON (${(error as Error).message})`);
  }
}

function parseInfo(bytes: Buffer, file: string): StoredRunInfo {
  return checkRunInfo(parseJson(bytes, file), file);
}

/**
 * Whether run.json says running but no live run.lock backs it. The caller reads run.json again before calling the
 * run interrupted: the writer may have closed the run between the two reads, and its final run.json is the truth.
 */
function writerGone(info: StoredRunInfo, folder: string): boolean {
  return info.status === 'running' && lockState(folder) !== 'live';
}

/** A run killed or crashed mid-run, as its metrics show it: Resume offers it. */
function asInterrupted(info: StoredRunInfo, { steps, evals }: MetricsRecords): StoredRunInfo {
  const last = steps.at(-1);
  return {
    ...info, status: 'interrupted', steps_completed: last?.step ?? 0, final_loss: last?.loss ?? null,
    final_val_loss: evals.at(-1)?.val_loss ?? info.final_val_loss,
    message: 'the process training this run ended without closing it (killed or crashed); resume continues it from its newest checkpoint',
  };
}

function missingInfo(file: string): never {
  throw new RunFolderError(file, null, 'no such file', 'ENOENT');
}

/** A run folder's run.json, checked; a run whose writer died shows as interrupted. Throws a RunFolderError. */
export function readRunInfo(folder: string): StoredRunInfo {
  const file = runFile(folder, 'info');
  const read = () => parseInfo(readIfPresentSync(file, MAX_INFO_BYTES, 'run.json') ?? missingInfo(file), file);
  const first = read();
  if (!writerGone(first, folder)) return first;
  const again = read();
  return again.status === 'running' ? asInterrupted(again, readMetrics(folder)) : again;
}

/** readRunInfo without blocking the caller's thread. */
export async function loadRunInfo(folder: string): Promise<StoredRunInfo> {
  const file = runFile(folder, 'info');
  const read = async () => parseInfo((await readIfPresent(file, MAX_INFO_BYTES, 'run.json')) ?? missingInfo(file), file);
  const first = await read();
  if (!writerGone(first, folder)) return first;
  const again = await read();
  return again.status === 'running' ? asInterrupted(again, parseMetrics((await loadMetricsText(folder)).text, runFile(folder, 'metrics'))) : again;
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
  return parseMetrics(readIfPresentSync(file, MAX_RECORDS_BYTES, 'metrics file')?.toString('utf8') ?? '', file);
}

/** metrics.jsonl's complete lines as text and their length in bytes (where a tail continues). */
async function loadMetricsText(folder: string): Promise<{ text: string; bytes: number }> {
  const bytes = (await readIfPresent(runFile(folder, 'metrics'), MAX_RECORDS_BYTES, 'metrics file')) ?? Buffer.alloc(0);
  const complete = bytes.lastIndexOf(0x0a) + 1;
  return { text: bytes.subarray(0, complete).toString('utf8'), bytes: complete };
}

/** A run folder's grad_norms.jsonl (complete lines), checked; none when it has no such file. */
export function readGradNorms(folder: string): GradNormsRecord[] {
  const file = runFile(folder, 'gradNorms');
  return parseGradNorms(readIfPresentSync(file, MAX_RECORDS_BYTES, 'gradient-norms file')?.toString('utf8') ?? '', file);
}

/** readGradNorms without blocking the caller's thread. */
export async function loadGradNorms(folder: string): Promise<GradNormsRecord[]> {
  const file = runFile(folder, 'gradNorms');
  return parseGradNorms((await readIfPresent(file, MAX_RECORDS_BYTES, 'gradient-norms file'))?.toString('utf8') ?? '', file);
}

/**
 * Drops the metrics.jsonl and grad_norms.jsonl records of steps after `lastStep` (and a line torn by a crash), so a
 * resumed run re-does those steps without duplicating them; returns the metrics kept. Only the lock's holder calls this.
 */
export function truncateRecords(folder: string, lastStep: number): MetricsRecords {
  const { steps, evals } = readMetrics(folder);
  const kept = { steps: steps.filter((r) => r.step <= lastStep), evals: evals.filter((r) => r.step <= lastStep) };
  // A step's evaluation follows its step line, as the writer appends them.
  const ordered = [...kept.steps, ...kept.evals].map((r) => ({ r, order: r.step + ('val_loss' in r ? 0.5 : 0) })).sort((a, b) => a.order - b.order);
  writeFileAtomic(runFile(folder, 'metrics'), ordered.map(({ r }) => `${JSON.stringify(r)}\n`).join(''));
  const norms = readGradNorms(folder).filter((r) => r.step <= lastStep);
  writeFileAtomic(runFile(folder, 'gradNorms'), norms.map((r) => `${JSON.stringify(r)}\n`).join(''));
  return kept;
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
  const bytes = await readIfPresent(file, MAX_CONFIG_BYTES, 'config.json');
  return bytes === null ? null : checkResolvedConfig(parseJson(bytes, file), file);
}
