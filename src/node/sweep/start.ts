import { join } from 'node:path';
import { newRunId } from '../runFolder';
import {
  SWEEP_FORMAT_VERSION, SweepWriter, readSweep, relativeToBase, sweepsFolder, type SweepSummary, type SweepValue,
} from '../sweepFolder';
import { UserError } from '../userError';
import { sweepConfigFile } from './driver';
import type { SweepPlan } from './plan';

/** A sweep folder held for driving: its writer (sweep.lock taken), its summary and its config file. */
export interface OpenedSweep {
  writer: SweepWriter;
  summary: SweepSummary;
  configFile: string;
}

/** Creates `.losslab/sweeps/<name>/<sweep id>/` and its sweep.json with every trial pending. */
export function createSweep(plan: SweepPlan, onNotice?: (message: string) => void): OpenedSweep {
  const { loaded, spec } = plan;
  const id = newRunId();
  const folder = join(sweepsFolder(loaded.file, loaded.config.name), id);
  const summary: SweepSummary = {
    version: SWEEP_FORMAT_VERSION, sweep_id: id, config: relativeToBase(folder, loaded.file), config_name: loaded.config.name,
    method: spec.method, metric: spec.metric, parameters: spec.parameters, seed: plan.seed, status: 'running',
    started: new Date().toISOString(), finished: null, parallel: plan.parallel,
    early_stop: spec.early_stop ? { ...spec.early_stop, decided: false } : null, message: null,
    overrides: plan.overrides as Record<string, SweepValue>,
    trials: plan.trials.map((values, index) => ({ index, run_id: '', run_dir: '', values, metric: null, status: 'pending', step: 0, message: null })),
    best: null,
  };
  return { writer: SweepWriter.create(folder, summary, onNotice), summary, configFile: loaded.file };
}

/** Takes a sweep folder to continue it (`--resume`): a finished sweep has nothing left and is refused. */
export function openSweep(folder: string, options: { parallel?: number; onNotice?: (message: string) => void } = {}): OpenedSweep {
  const summary = readSweep(folder);
  if (summary.status === 'finished' || summary.trials.every((t) => t.status === 'finished' || t.status === 'pruned' || t.status === 'failed')) {
    throw new UserError(`${folder}: the sweep has no trial left to train (${summary.status}); start a new sweep to train again`);
  }
  const writer = SweepWriter.open(folder, options.onNotice);
  if (options.parallel !== undefined) summary.parallel = options.parallel;
  return { writer, summary, configFile: sweepConfigFile(folder, summary) };
}
