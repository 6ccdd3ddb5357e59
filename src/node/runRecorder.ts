import type { Tensor as StoredTensor } from '../engine/io/safetensors';
import type { EvalMetrics, NonFiniteReport, StepMetrics } from '../engine/train/metrics';
import type { RunPhase, RunStatus } from '../engine/train/run';
import type { TrainerState } from '../engine/train/trainer';
import type { NamedTensor } from '../engine/train/weights';
import type { GpuFailure } from '../protocol/runInfo';
import { writeCheckpoint, type RunFingerprint } from './runFolder';
import type { RunInfo, RunWriter } from './runFolder';

/**
 * The run folder's side of one training session, whoever computes it (a Trainer in this process, or a browser
 * worker the host relays for): metrics, checkpoints, the final checkpoint, and how the run ends in run.json.
 */
export class RunRecorder {
  private lastCheckpointStep: number;
  /** The non-finite step that paused the run, until it runs again; its wording follows how the run ends. */
  private pausedBy: NonFiniteReport | null = null;
  /** A non-finite step used up a batch since the last checkpoint, so that checkpoint's data position is behind. */
  private batchSkippedSinceCheckpoint = false;

  constructor(
    readonly writer: RunWriter,
    private readonly fingerprint: RunFingerprint,
    private readonly metadata: Record<string, string>,
    lastCheckpointStep: number,
  ) {
    this.lastCheckpointStep = lastCheckpointStep;
  }

  get info(): RunInfo {
    return this.writer.info;
  }

  get folder(): string {
    return this.writer.folder;
  }

  /** The newest complete checkpoint's step (0 when there is none). */
  get lastCheckpoint(): number {
    return this.lastCheckpointStep;
  }

  step(metrics: StepMetrics, parameterNames: readonly string[], parameterNorms: Float64Array): void {
    this.writer.step(metrics, parameterNames, parameterNorms);
  }

  evaluation(metrics: EvalMetrics): void {
    this.writer.evaluation(metrics);
  }

  /** A non-finite step paused the run: run.json says which step and why, in the words the UI shows. */
  nonFinite(report: NonFiniteReport): void {
    this.pausedBy = report;
    this.batchSkippedSinceCheckpoint = true;
    this.writer.status('paused', nonFiniteMessage(report, 'paused'));
  }

  /**
   * Records 'running' (again), 'stopped' or 'finished'; 'paused' and 'failed' come with their reasons through
   * nonFinite, gpuFailure and fail. A run stopped while paused by a non-finite step says so in those words.
   */
  status(status: RunStatus): void {
    if (status !== 'running' && status !== 'stopped' && status !== 'finished') return;
    const pausedBy = this.pausedBy;
    this.pausedBy = null;
    if (status === 'stopped' && pausedBy) this.writer.status('stopped', nonFiniteMessage(pausedBy, 'stopped'));
    else {
      // Running again after a non-finite pause: the pause's message no longer describes the run.
      if (status === 'running' && pausedBy) this.writer.info.message = null;
      this.writer.status(status);
    }
  }

  /** Writes the checkpoint of `state.step` (weights and trainer state) so the run can resume from it. */
  checkpoint(weights: Map<string, NamedTensor>, state: TrainerState): void {
    writeCheckpoint(this.writer.folder, { weights, state, fingerprint: this.fingerprint, metadata: this.metadata });
    this.lastCheckpointStep = state.step;
    this.batchSkippedSinceCheckpoint = false;
  }

  /**
   * After the last step or a stop: a checkpoint of `step` unless the newest one holds this very state (a skipped
   * non-finite batch moves the data position, so its step's checkpoint is rewritten), then checkpoints/final.safetensors.
   */
  async finish(step: number, weights: Map<string, NamedTensor>, state: () => Promise<TrainerState> | TrainerState): Promise<void> {
    if (step === 0) return;
    if (step > this.lastCheckpointStep || this.batchSkippedSinceCheckpoint) this.checkpoint(weights, await state());
    this.writer.checkpoint('final', toStored(weights), { step: String(step), ...this.metadata });
  }

  /**
   * The GPU gave up: the run pauses for good in this session with every completed step kept, and run.json says how it
   * resumes on the CPU. Returns the one-sentence message.
   */
  gpuFailure(kind: GpuFailure['kind'], phase: RunPhase): string {
    const step = this.writer.info.steps_completed;
    const message = gpuFailureMessage(kind, phase, step, this.lastCheckpointStep);
    // A failure while saving the final checkpoint comes after 'finished' was recorded: the run has not finished.
    Object.assign(this.writer.info, { gpu_failure: { kind, step, checkpoint_step: this.lastCheckpointStep }, finished_at: null });
    this.writer.status('paused', message);
    return message;
  }

  fail(message: string): void {
    this.writer.status('failed', message);
  }

  close(): void {
    this.writer.close();
  }
}

/** "step 7: the loss is NaN; the update was skipped and the run stopped" (or "paused" while it waits). */
export function nonFiniteMessage(report: NonFiniteReport, outcome: 'paused' | 'stopped'): string {
  const what = report.parameter ? `the gradient of ${report.parameter} is not finite (loss ${report.loss})` : `the loss is ${report.loss}`;
  return `step ${report.step}: ${what}; the update was skipped and the run ${outcome}`;
}

/** "The WebGPU device was lost during step 4; steps 1–3 are kept: resume on the CPU from checkpoint step 2." */
export function gpuFailureMessage(kind: GpuFailure['kind'], phase: RunPhase, completed: number, checkpointStep: number): string {
  const what = kind === 'device-lost' ? 'The WebGPU device was lost' : 'The GPU ran out of memory';
  const when = phase === 'step' ? `during step ${completed + 1}` : phase === 'eval' ? `during the evaluation after step ${completed}` : `while saving the checkpoint of step ${completed}`;
  const kept = completed > 1 ? `steps 1–${completed} are kept` : completed === 1 ? 'step 1 is kept' : 'no step had completed';
  const resume = checkpointStep > 0 ? `resume on the CPU from checkpoint step ${checkpointStep}` : 'resume on the CPU from the start (no checkpoint was saved yet)';
  return `${what} ${when}, so the run paused (${kept}): ${resume}.`;
}

export function toStored(weights: Map<string, NamedTensor>): Record<string, StoredTensor> {
  const out: Record<string, StoredTensor> = {};
  for (const [name, t] of weights) out[name] = { dtype: 'F32', shape: t.shape, data: t.data };
  return out;
}
