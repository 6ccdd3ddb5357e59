import type { EvalMetrics, NonFiniteReport, StepMetrics } from './metrics';
import type { StepResult, Trainer } from './trainer';

export type RunStatus = 'running' | 'paused' | 'stopped' | 'finished' | 'failed';

/** What the loop is doing: a training step, an evaluation, or a checkpoint (so an error can say where it struck). */
export type RunPhase = 'step' | 'eval' | 'checkpoint';

/** What a training run reports as it goes; every callback may be async (e.g. to write to disk). */
export interface RunObserver {
  onStep?(metrics: StepMetrics, result: StepResult): void | Promise<void>;
  onEval?(metrics: EvalMetrics): void | Promise<void>;
  /** Called every training.checkpoint_interval steps. */
  onCheckpoint?(step: number): void | Promise<void>;
  /** The run paused itself because a loss or gradient was not finite. */
  onNonFinite?(report: NonFiniteReport): void | Promise<void>;
  onStatus?(status: RunStatus): void | Promise<void>;
}

/**
 * Drives a Trainer to its last step: evaluation and checkpoint intervals, pause, resume and stop. The CLI, the
 * extension's worker and the notebook all run training through this loop.
 */
export class TrainingRun {
  private statusValue: RunStatus = 'paused';
  private wake: (() => void) | null = null;
  private stopRequested = false;
  private phaseValue: RunPhase = 'step';

  constructor(private readonly trainer: Trainer, private readonly observer: RunObserver = {}) {}

  get status(): RunStatus {
    return this.statusValue;
  }

  get phase(): RunPhase {
    return this.phaseValue;
  }

  /** Asks the loop to stop after the step in progress; `run()` then resolves with 'stopped'. */
  stop(): void {
    this.stopRequested = true;
    this.wake?.();
  }

  /** Pauses after the step in progress until `resume()`. */
  pause(): void {
    if (this.statusValue === 'running') void this.setStatus('paused');
  }

  resume(): void {
    if (this.statusValue !== 'paused') return;
    void this.setStatus('running');
    this.wake?.();
  }

  /** Trains until the last step, a stop, or an error (which it rethrows after reporting 'failed'). */
  async run(): Promise<RunStatus> {
    const t = this.trainer;
    const { eval_interval: evalEvery, checkpoint_interval: checkpointEvery } = t.config.training;
    await this.setStatus('running');
    try {
      while (t.step < t.totalSteps) {
        await this.waitWhilePaused();
        if (this.stopRequested) return await this.setStatus('stopped');
        this.phaseValue = 'step';
        const result = await t.trainStep();
        if (result.nonFinite) {
          await this.setStatus('paused');
          await this.observer.onNonFinite?.(result.nonFinite);
          continue;
        }
        await this.observer.onStep?.(result.metrics, result);
        const last = t.step === t.totalSteps;
        this.phaseValue = 'eval';
        if (evalEvery > 0 && (t.step % evalEvery === 0 || last)) await this.observer.onEval?.(await t.evaluate());
        this.phaseValue = 'checkpoint';
        if (checkpointEvery > 0 && t.step % checkpointEvery === 0 && !last) await this.observer.onCheckpoint?.(t.step);
        await yieldToEventLoop();
      }
      return await this.setStatus('finished');
    } catch (error) {
      await this.setStatus('failed');
      throw error;
    }
  }

  private async waitWhilePaused(): Promise<void> {
    while (this.statusValue === 'paused' && !this.stopRequested) {
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
  }

  private async setStatus(status: RunStatus): Promise<RunStatus> {
    this.statusValue = status;
    await this.observer.onStatus?.(status);
    return status;
  }
}

/** Lets messages such as Stop be handled between steps. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
