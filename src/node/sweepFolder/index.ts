// The sweep folder's one owner: `.losslab/sweeps/<config name>/<sweep id>/` with sweep.json and sweep.lock. Every
// reader and writer of a sweep goes through these exports; trials are ordinary run folders (src/node/runFolder).
export {
  SWEEP_FORMAT_VERSION, SWEEP_STATUSES, TRIAL_STATUSES, checkSweepSummary,
  type SweepBest, type SweepParameter, type SweepStatus, type SweepSummary, type SweepTrial, type SweepValue, type TrialStatus,
} from './checks';
export { SWEEP_FILES, listSweepIds, relativeToBase, resolveFromBase, sweepBase, sweepFile, sweepsFolder } from './layout';
export { latestSweep, listSweeps, readSweep, sweepDriverAlive, trialRunFolder } from './reader';
export { SweepWriter } from './writer';
