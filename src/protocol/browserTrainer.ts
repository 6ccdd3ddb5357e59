import type { LabConfig } from '../config/types';
import type { AdapterSummary } from '../engine/backends/webgpu/adapter';
import type { NonFiniteReport, StepMetrics } from '../engine/train/metrics';
import type { PreparedDataRecord, TensorRecord, TrainerStateRecord } from './trainingTransfer';
import type { DidEval } from './worker';

// The webview-hosted training path: the extension host (through the dashboard webview, which only relays) drives a
// Web Worker that trains on `navigator.gpu`. The host does all file I/O (config, datasets, run store, checkpoints);
// the worker only computes. Every message is plain data plus typed arrays, so it survives both VS Code's
// webview.postMessage (JSON, with typed arrays sent as binary) and the worker's structured clone; tensors are
// Float32Array over ordinary ArrayBuffers (never SharedArrayBuffer), listed as transferables by `transferablesOf`.
//
// The worker is the bundle dist/webview/trainer.js. A webview cannot start a Worker from its resource URL (another
// origin): fetch the bundle and start it from a blob: URL, with `worker-src blob:` in the webview's CSP. Order is
// kept: a run's pending DidStep is always sent before its DidEval, DidPause, DidCheckpoint, DidFinish or DidFail.

// Host → browser training worker. Requests are imperative.

/** Where a run continues from: a checkpoint the host read from the run folder (or received in a DidCheckpoint). */
export interface ResumePoint {
  /** Optimizer steps the checkpoint has completed; equal to `state.step`. Training continues at step + 1. */
  step: number;
  /** Every parameter by state-dict name (tied weights under both names), as `Trainer.weights()` returns them. */
  weights: TensorRecord[];
  /** Optimizer moments, update count and data position, as `Trainer.state()` returns them. */
  state: TrainerStateRecord;
}

/**
 * Train one run on this worker's WebGPU device. Answered by DidStartRun then DidStep… and DidFinish, or by DidFail
 * (e.g. kind 'no-adapter' when `navigator.gpu` gives no usable adapter: the host then falls back to the CPU).
 * One run at a time: a second TrainPrepared while one trains is answered by DidFail kind 'error'.
 */
export interface TrainPrepared {
  type: 'TrainPrepared';
  /** Chosen by the host (its run folder's name); every reply carries it. */
  runId: string;
  /** The resolved config (`loadConfigFile(...).config`), overrides applied. */
  config: LabConfig;
  /** `prepareData(config, files)` on the host, through `serializePreparedData`. */
  data: PreparedDataRecord;
  /** Continue from this checkpoint instead of from the seed's initial weights. */
  resume?: ResumePoint;
  /** Accept a software adapter (SwiftShader, lavapipe): correct but slower than the CPU backend. */
  allowFallbackAdapter: boolean;
}

/** Stop the run after the step in progress; answered by DidFinish with status 'stopped'. A paused run stops at once. */
export interface StopRun {
  type: 'StopRun';
  runId: string;
}

/** Continue a run that paused itself (DidPause after a non-finite step). */
export interface ResumeRun {
  type: 'ResumeRun';
  runId: string;
}

export type HostToBrowserTrainer = TrainPrepared | StopRun | ResumeRun;

// Browser training worker → host. Pushes are Did….

/** The run has a device and a model and starts training. The host writes run.json from this (backend, adapter). */
export interface DidStartRun {
  type: 'DidStartRun';
  runId: string;
  /** For run.json's `backend`: name 'webgpu', the adapter in words, and why this adapter was chosen. */
  backend: { name: string; description: string; reason: string };
  /** The adapter the run uses, for the dashboard and run.json. */
  adapter: AdapterSummary;
  /** Trainable parameter count (run.json's `parameters`). */
  parameters: number;
  /** State-dict names in the order of every DidStep's `parameterNorms`. */
  parameterNames: string[];
}

/**
 * Optimizer steps that finished, gathered for about 30 ms. For each i the host calls
 * `RunWriter.step(metrics[i], parameterNames, parameterNorms[i])`.
 */
export interface DidStep {
  type: 'DidStep';
  runId: string;
  metrics: StepMetrics[];
  /** Pre-clip gradient norm of each parameter, in DidStartRun's `parameterNames` order; one array per step. */
  parameterNorms: Float64Array[];
}

/** A validation evaluation finished: the same message the extension-host worker sends. */
export type { DidEval };

/**
 * The run paused itself: the loss or a gradient was not finite, so the update was skipped. It waits for ResumeRun
 * (which retries the step) or StopRun. Earlier steps were already sent.
 */
export interface DidPause {
  type: 'DidPause';
  runId: string;
  /** One sentence for the user. */
  message: string;
  nonFinite: NonFiniteReport;
}

/**
 * A checkpoint, every training.checkpoint_interval steps (not after the last step: DidFinish carries that). The host
 * writes it with `writeCheckpoint` so the run can resume — on the CPU too, after a DidFail 'device-lost'.
 */
export interface DidCheckpoint {
  type: 'DidCheckpoint';
  runId: string;
  step: number;
  weights: TensorRecord[];
  state: TrainerStateRecord;
}

/** The run ended: trained its last step ('finished') or was stopped. Carries the final weights and state. */
export interface DidFinish {
  type: 'DidFinish';
  runId: string;
  status: 'finished' | 'stopped';
  /** Optimizer steps completed. */
  step: number;
  weights: TensorRecord[];
  state: TrainerStateRecord;
}

/**
 * Why a run failed. 'no-adapter': no usable WebGPU adapter here (the host trains on the CPU instead). 'device-lost'
 * and 'out-of-memory': the GPU gave up mid-run; the host offers to resume on the CPU from the last DidCheckpoint.
 * 'error': anything else (a bad message, a bug).
 */
export type BrowserTrainerFailureKind = 'no-adapter' | 'device-lost' | 'out-of-memory' | 'error';

/** A TrainPrepared could not start, or its run failed. Steps finished before the failure were sent first. */
export interface DidFail {
  type: 'DidFail';
  runId: string;
  kind: BrowserTrainerFailureKind;
  /** One sentence for the user, e.g. the adapter search's reason. */
  message: string;
}

export type BrowserTrainerToHost = DidStartRun | DidStep | DidEval | DidPause | DidCheckpoint | DidFinish | DidFail;

/**
 * Bounds the host holds every browser-trainer message to (with exact key sets, validateBrowserTrainerMessage): far
 * above any real run's, low enough that a hostile webview cannot make the host or the run folder grow without end.
 */
export const BROWSER_TRAINER_LIMITS = {
  /** Characters of a sentence (DidPause, DidFail) or a backend / adapter text. */
  messageChars: 4096,
  /** Parameters of a model (names in DidStartRun, norms per step). */
  parameters: 10_000,
  /** Tensors in a weights or optimizer-state list. */
  tensors: 40_000,
  /** Steps in one DidStep (they are gathered for about 30 ms). */
  stepsPerMessage: 10_000,
} as const;
