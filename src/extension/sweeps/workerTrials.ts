import * as vscode from 'vscode';
import type { TrialLaunch, TrialRun, TrialRunner } from '../../node/sweep';
import type { TrainingManager } from '../training/trainingManager';

/**
 * Trains each of a sweep's trials in a training worker of its own, the path Train takes otherwise (Workspace Trust gate
 * included): each trial is a StartRun with the trial's values as overrides, its sweep tag and early stopping's step.
 */
export class WorkerTrialRunner implements TrialRunner {
  constructor(private readonly training: TrainingManager, private readonly configFile: vscode.Uri) {}

  start(launch: TrialLaunch): TrialRun {
    let runId: string | null = null;
    let stopRequested = false;
    const done = (async (): Promise<string | null> => {
      try {
        const started = await this.training.trainSweepTrial(this.configFile, {
          overrides: launch.overrides, sweep: launch.tag, ...(launch.stopAfterStep !== undefined ? { stopAfterStep: launch.stopAfterStep } : {}),
          ...(launch.resume ? { resumeFrom: launch.runDir } : { outDir: launch.runDir }),
        });
        runId = started.runId;
        if (stopRequested) void this.training.stop(runId);
        const info = await this.training.whenRunEnds(runId);
        return info.status === 'failed' ? info.message ?? 'the trial failed' : null;
      } catch (error) {
        return error instanceof Error ? error.message : String(error);
      }
    })();
    return {
      stop: () => {
        stopRequested = true;
        if (runId) void this.training.stop(runId);
      },
      done,
    };
  }
}
