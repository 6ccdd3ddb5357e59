import type * as vscode from 'vscode';
import type { EvalMetrics, StepMetrics } from '../../engine/train/metrics';
import type { RunInfo } from '../../protocol/runInfo';

/** A run's new metrics as they arrive from the worker (already written to the run store by the worker). */
export interface RunMetricsEvent {
  runId: string;
  configFile: string;
  steps: StepMetrics[];
  evals: EvalMetrics[];
}

/** What the training side tells the rest of the extension (dashboard, status bar, CodeLens, tests). */
export interface TrainingEvents {
  /** A run started, paused, resumed, finished, stopped or failed (RunInfo carries status and message). */
  readonly onDidChangeRun: vscode.Event<RunInfo>;
  /** New steps/evals of a run, in order, none dropped. */
  readonly onDidReceiveMetrics: vscode.Event<RunMetricsEvent>;
  /** The runs currently training, by id. */
  activeRuns(): readonly RunInfo[];
  /** Starts training a config file; resolves once the run has started (its folder exists). */
  train(configFile: vscode.Uri, overrides?: Record<string, unknown>): Promise<{ runId: string; folder: string }>;
  stop(runId?: string): Promise<void>;
  resume(runId: string): Promise<void>;
  /** Continues a run paused by a GPU failure on the CPU from its newest checkpoint; resolves once it runs again. */
  resumeOnCpu(runFolder: string, info: RunInfo): Promise<{ runId: string; folder: string }>;
}
