import { pausedByGpuFailure } from '../../protocol/runInfo';
import type { TrainingManager } from '../training/trainingManager';
import { explainIfUntrusted, trustedOrExplain } from '../training/workspaceTrust';
import { pickRun } from './runPicker';
import { showRunError } from './notify';

const RESUMABLE: ReadonlySet<string> = new Set(['stopped', 'failed', 'paused', 'interrupted']);

/**
 * `losslab.resume`: continues a stopped or failed run from its newest complete checkpoint through the training
 * worker (a paused run just resumes; one paused by a GPU failure resumes on the CPU). Resolves with the run, or
 * undefined when nothing was resumed.
 */
export async function resumeRun(training: TrainingManager, arg: unknown): Promise<{ runId: string; folder: string } | undefined> {
  if (!trustedOrExplain('resume a run')) return undefined;
  const trainedHere = (runId: string) => training.activeRuns().some((active) => active.id === runId);
  const run = await pickRun(arg, {
    title: 'Loss Lab: Train: Resume a Run…',
    // A run another process is writing is let through: the worker's claim on its run.lock refuses it, naming that process.
    accept: (info) => RESUMABLE.has(info.status) || (info.status === 'running' && !trainedHere(info.id)),
    noneReason: 'stopped, failed, paused or interrupted',
  });
  if (!run) return undefined;
  try {
    if (run.info.status === 'paused' && !pausedByGpuFailure(run.info)) {
      await training.resume(run.info.id);
      return { runId: run.info.id, folder: run.folder };
    }
    if (pausedByGpuFailure(run.info)) return await training.resumeOnCpu(run.folder, run.info);
    return await training.resumeFromCheckpoint(run.folder, run.info.config_file);
  } catch (error) {
    if (explainIfUntrusted(error)) return undefined;
    await showRunError(`could not resume ${run.info.name} (${run.info.id})`, error);
    return undefined;
  }
}
