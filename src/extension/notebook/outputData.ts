// The data of a run output, shared by the extension host (which writes it into the .labnb file) and the notebook
// renderer (which draws it). No VS Code API and no Node built-ins: the renderer bundles this file too.
import type { GradNormColumns } from '../../engine/train/gradNormGrid';
import type { StoredRunStatus } from '../../protocol/runInfo';

/** The MIME type of Loss Lab's chart outputs; the notebook renderer draws it. */
export const RUN_OUTPUT_MIME = 'application/vnd.losslab.run+json';

/** Most points stored per series in the file; longer runs are decimated (first and last kept). */
export const MAX_STORED_POINTS = 400;
/** Most steps of per-parameter gradient norms stored in the file (pooled: each keeps the largest of its steps). */
export const MAX_STORED_GRAD_NORM_STEPS = 120;

/**
 * One run's curves, column-wise: `step[i]` goes with `loss[i]`, `lr[i]`, … Stored decimated; live outputs hold
 * every point received so far.
 */
export interface RunSeries {
  step: number[];
  loss: number[];
  lr: number[];
  grad_norm: number[];
  grad_norm_clipped: number[];
  tokens_per_sec: number[];
  /** Validation evaluations as [step, val_loss] pairs. */
  evals: [number, number][];
}

/** What the summary line says about a run. */
export interface RunSummary {
  status: 'queued' | StoredRunStatus;
  steps: number;
  totalSteps: number;
  finalLoss: number | null;
  finalValLoss: number | null;
  tokensPerSec: number | null;
  /** Mean share of padded target positions over the steps so far; absent in outputs saved before it was kept. */
  padFraction?: number | null;
  /** e.g. "cpu". */
  backend: string;
  message: string | null;
}

/** One run as an output shows it. */
export interface OutputRun {
  /** The config's name, the label a compare cell uses. */
  name: string;
  runId: string;
  /** The run folder, relative to the notebook's folder ('/'-separated). */
  folder: string;
  gradClip: number | null;
  summary: RunSummary;
  series: RunSeries;
  /** The finished run's per-parameter pre-clip gradient norms (grad_norms.jsonl, pooled); absent while it trains. */
  gradNorms?: GradNormColumns;
}

/** A config cell's output (one run) or a compare cell's (several runs overlaid). */
export interface RunOutputData {
  kind: 'run' | 'compare';
  runs: OutputRun[];
  /** Set while the run trains: the renderer subscribes for live metrics under this id. */
  live?: boolean;
}

/** Renderer → host: send me what this run has so far, then its new metrics. */
export interface SubscribeMessage {
  type: 'subscribe';
  runId: string;
}

/** Host → renderer: new points (and the latest summary) of a run. */
export interface AppendMessage {
  type: 'append';
  runId: string;
  /** The new points; with `reset`, every point so far. */
  series: RunSeries;
  summary: RunSummary;
  /** true: `series` replaces what the renderer has (an answer to subscribe). */
  reset: boolean;
}

export function emptySeries(): RunSeries {
  return { step: [], loss: [], lr: [], grad_norm: [], grad_norm_clipped: [], tokens_per_sec: [], evals: [] };
}

/** Keeps at most `max` points of every step series (evenly spaced indices, first and last always kept). */
export function decimateSeries(series: RunSeries, max = MAX_STORED_POINTS): RunSeries {
  const n = series.step.length;
  if (n <= max) return series;
  const indices: number[] = [];
  for (let i = 0; i < max; i++) indices.push(Math.round((i * (n - 1)) / (max - 1)));
  const pick = (values: number[]) => indices.map((i) => values[i]);
  return {
    step: pick(series.step), loss: pick(series.loss), lr: pick(series.lr), grad_norm: pick(series.grad_norm),
    grad_norm_clipped: pick(series.grad_norm_clipped), tokens_per_sec: pick(series.tokens_per_sec),
    evals: series.evals.length > max ? series.evals.filter((_, i) => i % Math.ceil(series.evals.length / max) === 0) : series.evals,
  };
}

/** True when `value` has the shape of RunOutputData (a file or a message may hold anything). */
export function isRunOutputData(value: unknown): value is RunOutputData {
  if (typeof value !== 'object' || value === null) return false;
  const data = value as Partial<RunOutputData>;
  return (data.kind === 'run' || data.kind === 'compare') && Array.isArray(data.runs) && data.runs.every(isOutputRun);
}

function isOutputRun(value: unknown): value is OutputRun {
  if (typeof value !== 'object' || value === null) return false;
  const run = value as Partial<OutputRun>;
  const series = run.series as Partial<RunSeries> | undefined;
  return typeof run.name === 'string' && typeof run.runId === 'string' && typeof run.folder === 'string'
    && typeof run.summary === 'object' && run.summary !== null && typeof series === 'object' && series !== null
    && (['step', 'loss', 'lr', 'grad_norm', 'grad_norm_clipped', 'tokens_per_sec', 'evals'] as const).every((key) => Array.isArray(series[key]))
    && (run.gradNorms === undefined || isGradNormColumns(run.gradNorms));
}

function isGradNormColumns(value: unknown): value is GradNormColumns {
  if (typeof value !== 'object' || value === null) return false;
  const columns = value as Partial<GradNormColumns>;
  return Array.isArray(columns.parameters) && columns.parameters.every((p) => typeof p === 'string') && Array.isArray(columns.steps)
    && Array.isArray(columns.norms) && columns.norms.length === columns.steps.length && columns.norms.every(Array.isArray);
}
