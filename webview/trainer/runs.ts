import { acquireWebGpu, WebGpuBackend, WebGpuError } from '../../src/engine/backends/webgpu';
import type { StepMetrics } from '../../src/engine/train/metrics';
import { TrainingRun } from '../../src/engine/train/run';
import { Trainer } from '../../src/engine/train/trainer';
import type { BrowserTrainerFailureKind, BrowserTrainerToHost, TrainPrepared } from '../../src/protocol/browserTrainer';
import {
  deserializePreparedData, recordToState, recordsToTensors, stateToRecord, tensorsToRecords, type TensorRecord, type TrainerStateRecord,
} from '../../src/protocol/trainingTransfer';

export interface BrowserRunsOptions {
  send: (message: BrowserTrainerToHost) => void;
  /** `navigator.gpu` of the worker; undefined where the browser has WebGPU off. */
  gpu: GPU | undefined;
  /** Steps finished within this many milliseconds go to the host as one DidStep (default 30). */
  stepBatchMs?: number;
}

/** The run being trained, from its TrainPrepared until its DidFinish or DidFail. */
interface ActiveRun {
  runId: string;
  run: TrainingRun | null;
  stopRequested: boolean;
  pendingSteps: StepMetrics[];
  pendingNorms: Float64Array[];
  flushTimer: ReturnType<typeof setTimeout> | null;
  lastFlush: number;
}

/**
 * Trains one run at a time on the worker's WebGPU device. Every outcome, including unexpected errors, becomes a
 * message; nothing throws out of `start`.
 */
export class BrowserRuns {
  private active: ActiveRun | null = null;
  private readonly stepBatchMs: number;

  constructor(private readonly options: BrowserRunsOptions) {
    this.stepBatchMs = options.stepBatchMs ?? 30;
  }

  async start(request: TrainPrepared): Promise<void> {
    const { runId } = request;
    if (this.active) {
      this.fail(runId, 'error', `this worker is already training run ${this.active.runId}; stop it before starting ${runId}`);
      return;
    }
    const active: ActiveRun = { runId, run: null, stopRequested: false, pendingSteps: [], pendingNorms: [], flushTimer: null, lastFlush: 0 };
    this.active = active;
    let backend: WebGpuBackend | null = null;
    try {
      if (!this.options.gpu) {
        this.fail(runId, 'no-adapter', 'this webview has no navigator.gpu: WebGPU is turned off or not supported here');
        return;
      }
      const availability = await acquireWebGpu({ allowFallback: request.allowFallbackAdapter, gpu: this.options.gpu });
      if (!availability.backend || !availability.adapter) {
        this.fail(runId, 'no-adapter', `no usable WebGPU adapter in the webview: ${availability.reason}`);
        return;
      }
      // A backend of the run's own over the shared, self-tested device, so its buffers go when the run ends.
      backend = WebGpuBackend.create(availability.backend.device, availability.adapter);
      const trainer = new Trainer(request.config, deserializePreparedData(request.data), { backend });
      if (request.resume) trainer.restore(recordsToTensors(request.resume.weights), recordToState(request.resume.state));
      this.send({
        type: 'DidStartRun', runId,
        backend: { name: backend.name, description: backend.description, reason: availability.reason },
        adapter: availability.adapter, parameters: trainer.model.params.count, parameterNames: [...trainer.parameterNames],
      });
      const run = this.trainingRun(active, trainer);
      active.run = run;
      if (active.stopRequested) run.stop();
      const status = await run.run();
      this.flushSteps(active);
      const ending = status === 'finished' ? 'finished' : 'stopped';
      this.send({ type: 'DidFinish', runId, status: ending, step: trainer.step, ...(await snapshot(trainer)) });
    } catch (error) {
      this.flushSteps(active);
      this.fail(runId, failureKind(error), error instanceof Error ? error.message : String(error));
    } finally {
      if (active.flushTimer) clearTimeout(active.flushTimer);
      backend?.destroy();
      this.active = null;
    }
  }

  /** Stops the run after the step in progress; a paused run stops at once. Unknown ids (ended runs) are ignored. */
  stop(runId: string): void {
    if (this.active?.runId !== runId) return;
    this.active.stopRequested = true;
    this.active.run?.stop();
  }

  resume(runId: string): void {
    if (this.active?.runId === runId) this.active.run?.resume();
  }

  private trainingRun(active: ActiveRun, trainer: Trainer): TrainingRun {
    const { runId } = active;
    return new TrainingRun(trainer, {
      onStep: (metrics, result) => {
        active.pendingSteps.push(metrics);
        active.pendingNorms.push(result.parameterNorms.slice());
        // A slow step goes out at once; fast ones gather until stepBatchMs has passed since the last DidStep.
        const wait = active.lastFlush + this.stepBatchMs - performance.now();
        if (wait <= 0) this.flushSteps(active);
        else active.flushTimer ??= setTimeout(() => this.flushSteps(active), wait);
      },
      onEval: (metrics) => {
        this.flushSteps(active);
        this.send({ type: 'DidEval', runId, metrics });
      },
      onNonFinite: (report) => {
        this.flushSteps(active);
        const where = report.parameter ? `the gradient of ${report.parameter}` : `the loss (${report.loss})`;
        this.send({ type: 'DidPause', runId, message: `step ${report.step}: ${where} is not finite; the update was skipped and the run paused`, nonFinite: report });
      },
      onCheckpoint: async (step) => {
        this.flushSteps(active);
        this.send({ type: 'DidCheckpoint', runId, step, ...(await snapshot(trainer)) });
      },
    });
  }

  private flushSteps(active: ActiveRun): void {
    if (active.flushTimer) clearTimeout(active.flushTimer);
    active.flushTimer = null;
    if (active.pendingSteps.length === 0) return;
    const message = { type: 'DidStep' as const, runId: active.runId, metrics: active.pendingSteps, parameterNorms: active.pendingNorms };
    active.pendingSteps = [];
    active.pendingNorms = [];
    active.lastFlush = performance.now();
    this.send(message);
  }

  private fail(runId: string, kind: BrowserTrainerFailureKind, message: string): void {
    this.send({ type: 'DidFail', runId, kind, message });
  }

  private send(message: BrowserTrainerToHost): void {
    this.options.send(message);
  }
}

/** The trainer's weights and state as records, read back from the device. */
async function snapshot(trainer: Trainer): Promise<{ weights: TensorRecord[]; state: TrainerStateRecord }> {
  const weights = tensorsToRecords(await trainer.weights());
  return { weights, state: stateToRecord(await trainer.state()) };
}

/** Device loss and out-of-memory are told apart: the host offers to resume those on the CPU. */
function failureKind(error: unknown): BrowserTrainerFailureKind {
  if (error instanceof WebGpuError && (error.kind === 'device-lost' || error.kind === 'out-of-memory')) return error.kind;
  return 'error';
}
