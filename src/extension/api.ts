import type { RunInfo } from '../protocol/runInfo';
import type { DashboardRegistration, DashboardTestHooks } from './dashboard/testHooks';
import type { TrainingEvents } from './training/events';
import type { TrainingManager } from './training/trainingManager';

/** What `activate` returns: the extension's surface for the VS Code–hosted tests (and other extensions). */
export interface LossLabApi {
  training: TrainingEvents;
  /** Resolves with the run's final RunInfo once it has finished, stopped or failed. */
  whenRunEnds(runId: string): Promise<RunInfo>;
  /** Terminates the training worker as a crash would; resolves once its runs are marked failed. */
  killWorkerForTesting(): Promise<void>;
  /** The id of the worker thread a run of this session trained in (extension host only); undefined for others. */
  workerThreadForTesting(runId: string): number | undefined;
  /** The open dashboard's message log and inbound channel, recorded only in test mode; undefined when none is open. */
  dashboardForTesting(): DashboardTestHooks | undefined;
}

export function createApi(training: TrainingManager, dashboard: DashboardRegistration): LossLabApi {
  return {
    training,
    whenRunEnds: (runId) => training.whenRunEnds(runId),
    killWorkerForTesting: () => training.killWorkerForTesting(),
    workerThreadForTesting: (runId) => training.workerThreadForTesting(runId),
    dashboardForTesting: () => dashboard.dashboardForTesting(),
  };
}
