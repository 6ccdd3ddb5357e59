import { readSweep, sweepDriverAlive, type SweepSummary, type SweepTrial } from '../sweepFolder';
import { sweepConfigFile } from './driver';

/** A sweep that `sweep --resume` (or Resume Sweep) would continue: its folder, sweep.json, config and progress. */
export interface ResumableSweep {
  folder: string;
  summary: SweepSummary;
  configFile: string;
  /** Trials that have ended (finished, pruned or failed). */
  done: number;
  /** 'running' in sweep.json with no live driver: the process training it was killed. */
  interrupted: boolean;
}

const ENDED = new Set<SweepTrial['status']>(['finished', 'pruned', 'failed']);

/** The sweep in `folder` if it can be resumed: trials left to train and no live driver; null otherwise (or unreadable). */
export function resumableSweep(folder: string): ResumableSweep | null {
  let summary: SweepSummary;
  try {
    summary = readSweep(folder);
  } catch {
    return null;
  }
  const done = summary.trials.filter((t) => ENDED.has(t.status)).length;
  if (summary.status === 'finished' || done === summary.trials.length || sweepDriverAlive(folder)) return null;
  return { folder, summary, configFile: sweepConfigFile(folder, summary), done, interrupted: summary.status === 'running' };
}
