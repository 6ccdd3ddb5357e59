// Sweeps: plan (every trial checked before anything trains), drive (trials as ordinary runs, early stopping, stop and
// resume) and report. The CLI and the extension each bring a TrialRunner; sweep.json is src/node/sweepFolder's.
export { SweepDriver, bestTrial, sweepConfigFile, trialMetric, type SweepContext, type SweepObserver, type TrialLaunch, type TrialRun, type TrialRunner } from './driver';
export { describeValues, planSweep, sweepBlockOf, type SweepPlan, type SweepPlanOptions } from './plan';
export { ChildTrialRunner } from './childTrials';
export { createSweep, openSweep, type OpenedSweep } from './start';
export { resumableSweep, type ResumableSweep } from './resumable';
export { bestLine, rankedTrials, sweepTable } from './table';
