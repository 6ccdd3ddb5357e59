// The .labnb file format: pretty-printed JSON with a fixed key order, one object per cell, source as an array of
// lines and number arrays on one line, so that a notebook diffs line by line. No VS Code API (unit-tested in Node).
import { decimateSeries, isRunOutputData, type RunOutputData, type RunSeries } from './outputData';

export const LABNB_FORMAT = 'losslab-notebook';
export const LABNB_VERSION = 1;

/** What a cell is: prose, a config to train, or an overlay of other cells' runs. */
export type LabCellKind = 'markdown' | 'config' | 'compare';

/** An output as stored: a run chart (or compare overlay), or the error a run ended with. */
export type StoredOutput = RunOutputData | { kind: 'error'; message: string };

/** One cell of a .labnb file. */
export interface LabCell {
  kind: LabCellKind;
  source: string;
  outputs: StoredOutput[];
}

/** A whole .labnb file. */
export interface LabNotebook {
  cells: LabCell[];
}

/** Thrown for a file that is not a Loss Lab notebook; the message says what is wrong. */
export class LabnbFormatError extends Error {}

/** Reads a .labnb text; an empty text is an empty notebook. */
export function parseLabnb(text: string): LabNotebook {
  if (text.trim() === '') return { cells: [] };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new LabnbFormatError(`not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof json !== 'object' || json === null || !Array.isArray((json as { cells?: unknown }).cells)) {
    throw new LabnbFormatError('a Loss Lab notebook is a JSON object with a "cells" array.');
  }
  const cells = (json as { cells: unknown[] }).cells.map((cell, index) => parseCell(cell, index));
  return { cells };
}

function parseCell(value: unknown, index: number): LabCell {
  if (typeof value !== 'object' || value === null) throw new LabnbFormatError(`cell ${index + 1} is not an object.`);
  const cell = value as { kind?: unknown; source?: unknown; outputs?: unknown };
  const kind = cell.kind;
  if (kind !== 'markdown' && kind !== 'config' && kind !== 'compare') {
    throw new LabnbFormatError(`cell ${index + 1} has kind ${JSON.stringify(kind)}; expected "markdown", "config" or "compare".`);
  }
  const source = Array.isArray(cell.source) ? cell.source.map(String).join('\n') : typeof cell.source === 'string' ? cell.source : '';
  // Outputs that do not parse are dropped rather than failing the whole notebook: they are only a cache of runs.
  const outputs = Array.isArray(cell.outputs) ? cell.outputs.filter(isStoredOutput) : [];
  return { kind, source, outputs: kind === 'markdown' ? [] : outputs };
}

function isStoredOutput(value: unknown): value is StoredOutput {
  if (isRunOutputData(value)) return true;
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'error' && typeof (value as { message?: unknown }).message === 'string';
}

/** Writes a notebook as diff-friendly JSON (ends with a newline); run outputs are decimated and rounded. */
export function stringifyLabnb(notebook: LabNotebook): string {
  const file = {
    format: LABNB_FORMAT,
    version: LABNB_VERSION,
    cells: notebook.cells.map((cell) => ({ kind: cell.kind, source: cell.source.split('\n'), outputs: cell.outputs.map(storedForm) })),
  };
  return `${pretty(file, '')}\n`;
}

// The stored form of an output: fixed key order, at most MAX_STORED_POINTS per series, 6 significant digits.
function storedForm(output: StoredOutput): StoredOutput {
  if (output.kind === 'error') return { kind: 'error', message: output.message };
  return {
    kind: output.kind,
    runs: output.runs.map((run) => ({
      name: run.name,
      runId: run.runId,
      folder: run.folder,
      gradClip: run.gradClip,
      summary: {
        status: run.summary.status, steps: run.summary.steps, totalSteps: run.summary.totalSteps,
        finalLoss: run.summary.finalLoss, finalValLoss: run.summary.finalValLoss, tokensPerSec: run.summary.tokensPerSec,
        ...(run.summary.padFraction === undefined ? {} : { padFraction: run.summary.padFraction }),
        backend: run.summary.backend, message: run.summary.message,
      },
      series: roundSeries(decimateSeries(run.series)),
      ...(run.gradNorms ? { gradNorms: { ...run.gradNorms, norms: run.gradNorms.norms.map((row) => row.map((v) => (v === null ? null : roundNumber(v)))) } } : {}),
    })),
  };
}

function roundSeries(series: RunSeries): RunSeries {
  const round = (values: number[]) => values.map(roundNumber);
  return {
    step: series.step, loss: round(series.loss), lr: round(series.lr), grad_norm: round(series.grad_norm),
    grad_norm_clipped: round(series.grad_norm_clipped), tokens_per_sec: round(series.tokens_per_sec),
    evals: series.evals.map(([step, loss]) => [step, roundNumber(loss)]),
  };
}

function roundNumber(value: number): number {
  return Number.isFinite(value) ? Number(value.toPrecision(6)) : value;
}

// JSON.stringify with 2-space indent, except that arrays of numbers (or of number pairs) stay on one line.
function pretty(value: unknown, indent: string): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every(isFlat)) return `[${value.map((item) => JSON.stringify(item)).join(', ')}]`;
    const inner = indent + '  ';
    return `[\n${value.map((item) => inner + pretty(item, inner)).join(',\n')}\n${indent}]`;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    const inner = indent + '  ';
    return `{\n${entries.map(([key, v]) => `${inner}${JSON.stringify(key)}: ${pretty(v, inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function isFlat(item: unknown): boolean {
  return typeof item === 'number' || item === null || (Array.isArray(item) && item.every((x) => typeof x === 'number' || x === null));
}
