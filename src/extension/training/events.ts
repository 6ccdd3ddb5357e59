import type * as vscode from 'vscode';
import type { EvalMetrics, StepMetrics } from '../../engine/train/metrics';
import type { BrowserTrainerToHost, HostToBrowserTrainer } from '../../protocol/browserTrainer';
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

/** How the dashboard reaches the browser trainer its webview hosts. */
export interface BrowserTrainerPort {
  post(message: HostToBrowserTrainer): void;
}

/** The training side's end of the dashboard's browser-trainer relay. */
export interface BrowserTrainerRelay {
  /** The dashboard offers to host the browser trainer: `connect` opens (or reveals) it for a config, ready to relay. */
  useBrowserTrainerHost(host: { connect(configFile: vscode.Uri): Promise<BrowserTrainerPort> }): vscode.Disposable;
  /** A message the dashboard relayed from its browser trainer (already validated). */
  relayFromBrowser(message: BrowserTrainerToHost): Promise<void>;
  /** The dashboard webview hosting the browser trainer went away while it trained. */
  browserTrainerLost(reason: string): void;
}
