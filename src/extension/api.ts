import type { RunInfo } from '../protocol/runInfo';
import type { TrainingEvents } from './training/events';
import type { TrainingManager } from './training/trainingManager';

/** What `activate` returns: the extension's surface for the VS Code–hosted tests (and other extensions). */
export interface LossLabApi {
  training: TrainingEvents;
  /** Resolves with the run's final RunInfo once it has finished, stopped or failed. */
  whenRunEnds(runId: string): Promise<RunInfo>;
  /** Terminates the training worker as a crash would; resolves once its runs are marked failed. */
  killWorkerForTesting(): Promise<void>;
}

export function createApi(training: TrainingManager): LossLabApi {
  return {
    training,
    whenRunEnds: (runId) => training.whenRunEnds(runId),
    killWorkerForTesting: () => training.killWorkerForTesting(),
  };
}
