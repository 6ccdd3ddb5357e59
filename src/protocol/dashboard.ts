import type { EvalMetrics, StepMetrics } from '../engine/train/metrics';
import type { BrowserTrainerToHost, HostToBrowserTrainer } from './browserTrainer';
import type { RunInfo } from './runInfo';

/** One run of the selected config with its whole history. */
export interface RunSeries {
  info: RunInfo;
  steps: StepMetrics[];
  evals: EvalMetrics[];
}

/** The learning rate the config's schedule gives every step, shown dashed before and during a run. */
export interface SchedulePreview {
  /** lr of steps 1..lrs.length. */
  lrs: number[];
  /** The config's grad_clip (0 = off), drawn as a line on the gradient-norm chart. */
  gradClip: number;
  /** Set when the config in the editor does not validate; the last valid preview is kept. */
  error: string | null;
}

// Host → dashboard webview. Pushes are Did….

/** The dashboard now follows this config; replaces everything shown. */
export interface DidSelectConfig {
  type: 'DidSelectConfig';
  /** Absolute path of the config file, or null when no config is selected. */
  configFile: string | null;
  configName: string | null;
  runs: RunSeries[];
  schedule: SchedulePreview | null;
  /** Why the backend of the active run was chosen (e.g. "auto: no WebGPU adapter passed the self-test"). */
  backendNote: string | null;
}

/** New metrics of a run, batched (at most losslab.metricsRate messages a second, nothing dropped). */
export interface DidAppendMetrics {
  type: 'DidAppendMetrics';
  runId: string;
  steps: StepMetrics[];
  evals: EvalMetrics[];
}

/**
 * New per-parameter pre-clip gradient norms of a run (its grad_norms.jsonl), sent after the DidAppendMetrics of the same
 * steps and batched with them; the history of a run follows its DidSelectConfig. Column-wise, names sent once:
 * `norms[i][j]` is the norm of `parameters[j]` at `steps[i]` (null where that step did not record it). A history
 * longer than MAX_GRAD_NORM_STEPS comes pooled: each entry holds the largest norm of consecutive steps, `steps[i]`
 * the last of them.
 */
export interface DidAppendGradNorms {
  type: 'DidAppendGradNorms';
  runId: string;
  parameters: string[];
  steps: number[];
  norms: (number | null)[][];
}

/** A value a sweep gave a config key. */
export type SweepValue = number | string | boolean;

/** One trial of a sweep as the sweep view shows it (from sweep.json). */
export interface SweepTrialView {
  index: number;
  /** The trial's run (a run of the followed config); null before its run folder exists. */
  runId: string | null;
  status: 'pending' | 'running' | 'finished' | 'stopped' | 'failed' | 'pruned';
  /** The swept keys' values, by dotted key ("optimizer.lr"). */
  values: Record<string, SweepValue>;
  /** The sweep's metric: final when finished, at the early-stop step when pruned; null before any. */
  metric: number | null;
  step: number;
}

/** The followed config's newest sweep, as sweep.json (read by the sweep folder's owner) describes it. */
export interface SweepView {
  sweepId: string;
  method: 'grid' | 'random';
  /** Lower is better. */
  metric: 'val_loss' | 'loss';
  /** The swept keys, in the config's order. */
  parameters: string[];
  status: 'running' | 'finished' | 'stopped' | 'failed';
  trials: SweepTrialView[];
  /** The best finished trial's run, or null while none has finished. */
  bestRunId: string | null;
  message: string | null;
}

/**
 * The followed config's newest sweep: sent after DidSelectConfig and again whenever its sweep.json changes (a sweep
 * that trains rewrites it after every trial change); null when the config has no sweep.
 */
export interface DidUpdateSweep {
  type: 'DidUpdateSweep';
  sweep: SweepView | null;
}

/** A run started or changed status (paused, stopped, finished, failed). */
export interface DidUpdateRun {
  type: 'DidUpdateRun';
  info: RunInfo;
}

/** The config in the editor changed: a new schedule preview. */
export interface DidUpdateSchedule {
  type: 'DidUpdateSchedule';
  schedule: SchedulePreview;
}

/**
 * Hand a message to the dashboard's browser trainer, a Web Worker the page starts from dist/webview/trainer.js on
 * first use (typed arrays arrive as binary and are transferred on, not copied).
 */
export interface RelayToTrainer {
  type: 'RelayToTrainer';
  message: HostToBrowserTrainer;
}

export type HostToDashboard = DidSelectConfig | DidAppendMetrics | DidAppendGradNorms | DidUpdateRun | DidUpdateSchedule | DidUpdateSweep | RelayToTrainer;

// Dashboard webview → host. Requests are imperative.

/** The webview has loaded and wants the current state. */
export interface Ready {
  type: 'Ready';
}

/** Open VS Code's diff editor on the resolved configs of two runs. */
export interface OpenConfigDiff {
  type: 'OpenConfigDiff';
  runA: string;
  runB: string;
}

/** Train the dashboard's config. */
export interface Train {
  type: 'Train';
}

/** Stop a running run. */
export interface StopTraining {
  type: 'StopTraining';
  runId: string;
}

/** Resume a run that paused. */
export interface ResumeTraining {
  type: 'ResumeTraining';
  runId: string;
}

/** Save a chart as PNG (data URL of the canvas). */
export interface SaveChartImage {
  type: 'SaveChartImage';
  chart: string;
  dataUrl: string;
}

/** A message from the dashboard's browser trainer, passed on as it came; the host validates its contents before use. */
export interface DidRelayFromTrainer {
  type: 'DidRelayFromTrainer';
  message: BrowserTrainerToHost;
}

export type DashboardToHost = Ready | OpenConfigDiff | Train | StopTraining | ResumeTraining | SaveChartImage | DidRelayFromTrainer;

/** A run folder's name: never `.` or `..`, which would name a folder above the run. */
const RUN_ID = /^(?!\.+$)[A-Za-z0-9._-]{1,128}$/;
const CHART = /^[a-z-]{1,32}$/;
const PNG_PREFIX = 'data:image/png;base64,';
const MAX_IMAGE_CHARS = 16 * 1024 * 1024;

/** Validates a message from the webview: exact keys, types and bounds, nothing else gets through. */
export function validateDashboardMessage(raw: unknown): DashboardToHost | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'not an object';
  const m = raw as Record<string, unknown>;
  const keys = Object.keys(m).sort().join(',');
  const runId = (value: unknown) => typeof value === 'string' && RUN_ID.test(value);
  switch (m.type) {
    case 'Ready':
    case 'Train':
      return keys === 'type' ? { type: m.type } : `${m.type}: unexpected keys ${keys}`;
    case 'OpenConfigDiff':
      return keys === 'runA,runB,type' && runId(m.runA) && runId(m.runB)
        ? { type: 'OpenConfigDiff', runA: m.runA as string, runB: m.runB as string } : 'OpenConfigDiff: needs runA and runB run ids';
    case 'StopTraining':
    case 'ResumeTraining':
      return keys === 'runId,type' && runId(m.runId) ? { type: m.type, runId: m.runId as string } : `${m.type}: needs a run id`;
    case 'DidRelayFromTrainer':
      return keys === 'message,type' && isTrainerEnvelope(m.message)
        ? { type: 'DidRelayFromTrainer', message: m.message as unknown as BrowserTrainerToHost } : 'DidRelayFromTrainer: needs a message from the trainer with its type and run id';
    case 'SaveChartImage':
      return keys === 'chart,dataUrl,type' && typeof m.chart === 'string' && CHART.test(m.chart) && typeof m.dataUrl === 'string'
        && m.dataUrl.startsWith(PNG_PREFIX) && m.dataUrl.length <= MAX_IMAGE_CHARS
        ? { type: 'SaveChartImage', chart: m.chart, dataUrl: m.dataUrl } : 'SaveChartImage: needs a chart name and a PNG data URL';
    default:
      return `unknown message type ${JSON.stringify(m.type)?.slice(0, 40)}`;
  }
}

const TRAINER_PUSHES = new Set(['DidStartRun', 'DidStep', 'DidEval', 'DidPause', 'DidCheckpoint', 'DidFinish', 'DidFail']);

/** The envelope of a relayed trainer message: a known push naming a run (its body is checked where it is used). */
function isTrainerEnvelope(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const m = value as Record<string, unknown>;
  return typeof m.type === 'string' && TRAINER_PUSHES.has(m.type) && typeof m.runId === 'string' && RUN_ID.test(m.runId);
}
