import type { BackendChoice } from '../config/types';
import type { EvalMetrics, NonFiniteReport, StepMetrics } from '../engine/train/metrics';
import type { AdapterSummary, GpuFailure, RunInfo, RunSweepTag } from './runInfo';

// Host → training worker. Requests are imperative.

/** Start training a config file; answered by DidStartRun or DidFail with the same requestId. */
export interface StartRun {
  type: 'StartRun';
  requestId: string;
  configFile: string;
  /** Dotted-path overrides of config keys, e.g. { "training.steps": 10 }. */
  overrides: Record<string, unknown>;
  /** Used when the config says `backend: auto` and the user set losslab.defaultBackend. */
  backend?: BackendChoice;
  /** Run folder to use instead of `.losslab/runs/<name>/<id>/` beside the config. */
  outDir?: string;
  /** Continue this stopped, failed or paused run folder from its newest complete checkpoint instead of starting a new run. */
  resumeFrom?: string;
  /** Why this run must not use WebGPU (losslab.trainingLocation is cpu, or its GPU failed): it trains on a CPU-path backend. */
  withoutGpu?: string;
  /** Set when a sweep trains the run: run.json names it, and trials of one config may train at once. */
  sweep?: RunSweepTag;
  /** Stop cleanly after this step, leaving the run resumable (a sweep's early stopping). */
  stopAfterStep?: number;
}

/** Stop a run after the step in progress (honoured within a second). */
export interface StopRun {
  type: 'StopRun';
  runId: string;
}

/** Continue a run that paused (after a non-finite step, or on request). */
export interface ResumeRun {
  type: 'ResumeRun';
  runId: string;
}

/** Look for WebGPU here (adapter, device, write-and-read-back self-test) without training; answered by DidProbeWebGpu. */
export interface ProbeWebGpu {
  type: 'ProbeWebGpu';
  requestId: string;
  /** Accept a software adapter (what `backend: webgpu` does; `auto` wants a real GPU). */
  allowFallback: boolean;
}

export type HostToWorker = StartRun | StopRun | ResumeRun | ProbeWebGpu;

// Training worker → host. Pushes are Did….

/** A run started: its folder exists and run.json is written. */
export interface DidStartRun {
  type: 'DidStartRun';
  requestId: string;
  runId: string;
  folder: string;
  info: RunInfo;
}

/** One or more optimizer steps finished (already appended to metrics.jsonl). */
export interface DidStep {
  type: 'DidStep';
  runId: string;
  metrics: StepMetrics[];
}

/** A validation evaluation finished. */
export interface DidEval {
  type: 'DidEval';
  runId: string;
  metrics: EvalMetrics;
}

/**
 * The run paused itself. After a non-finite step `nonFinite` names the step and parameter, and the run waits for
 * ResumeRun or StopRun. After a GPU failure `gpuFailure` says which and the run has ended in the worker (no DidFinish
 * follows): it continues with a StartRun whose `resumeFrom` is its folder, on the CPU.
 */
export interface DidPause {
  type: 'DidPause';
  runId: string;
  message: string;
  nonFinite: NonFiniteReport | null;
  gpuFailure: GpuFailure | null;
}

/** The run ended normally or was stopped. */
export interface DidFinish {
  type: 'DidFinish';
  runId: string;
  info: RunInfo;
}

/** A StartRun could not start (runId null), or a run failed; `message` is for the user, already located. */
export interface DidFail {
  type: 'DidFail';
  requestId: string | null;
  runId: string | null;
  message: string;
}

/** Something the user should know about a run's folder (a dead writer's lock taken over, a checkpoint set aside). */
export interface DidNotice {
  type: 'DidNotice';
  requestId: string;
  message: string;
}

/** What a ProbeWebGpu found: `passed` when a backend passed its self-test; `adapter` even when it did not. */
export interface DidProbeWebGpu {
  type: 'DidProbeWebGpu';
  requestId: string;
  passed: boolean;
  adapter: AdapterSummary | null;
  /** One sentence: which adapter passed, or why none did. */
  reason: string;
}

export type WorkerToHost = DidStartRun | DidStep | DidEval | DidPause | DidFinish | DidFail | DidNotice | DidProbeWebGpu;
