import { basename, join } from 'node:path';
import type { RunSweepTag } from '../../protocol/runInfo';
import { checkpointSteps, newRunId, readMetrics, readRunInfo, type MetricsRecords } from '../runFolder';
import { SweepWriter, relativeToBase, resolveFromBase, trialRunFolder, type SweepSummary, type SweepTrial } from '../sweepFolder';

/** One trial's run as the driver asks for it: a new run folder, or the trial's stopped run continued from its checkpoint. */
export interface TrialLaunch {
  index: number;
  configFile: string;
  /** The sweep's shared overrides, then the trial's values: exactly what `train --set` would be given. */
  overrides: Record<string, unknown>;
  tag: RunSweepTag;
  runDir: string;
  resume: boolean;
  /** Early stopping's step: the run stops cleanly there, resumable. */
  stopAfterStep?: number;
}

/** A trial training: `stop` asks it to stop after its step; `done` resolves when it has ended, with why it could not run (or null). */
export interface TrialRun {
  stop(): void;
  done: Promise<string | null>;
}

/** How trials train: child `losslab train` processes (CLI), or the extension's training worker (VS Code). */
export interface TrialRunner {
  start(launch: TrialLaunch): TrialRun;
}

export interface SweepObserver {
  /** sweep.json was rewritten; `trial` is the one whose status changed (none for the sweep's own changes). */
  onChange?(summary: SweepSummary, trial?: SweepTrial): void;
}

/** What the driver needs besides sweep.json: the config and where new trial runs go. */
export interface SweepContext {
  configFile: string;
  /** The folder new trial run folders are created in (the config's runs folder). */
  runsFolder: string;
}

const UNFINISHED = new Set<SweepTrial['status']>(['pending', 'running', 'stopped']);

/**
 * Trains a sweep's unfinished trials, `parallel` at a time, as ordinary run folders: with early_stop, every trial
 * first trains to at_step, the best `keep` fraction goes on and the rest are pruned. sweep.json is rewritten after
 * every trial's status change. `stop` stops the running trials after their step; the sweep can be resumed.
 */
export class SweepDriver {
  private stopping = false;
  private readonly running = new Map<number, TrialRun>();

  constructor(private readonly writer: SweepWriter, private summary: SweepSummary, private readonly context: SweepContext, private readonly runner: TrialRunner, private readonly observer: SweepObserver = {}) {}

  get state(): SweepSummary {
    return this.summary;
  }

  get folder(): string {
    return this.writer.folder;
  }

  stop(): void {
    this.stopping = true;
    for (const run of this.running.values()) run.stop();
  }

  async run(): Promise<SweepSummary> {
    try {
      this.update(() => Object.assign(this.summary, { status: 'running', finished: null, message: null }));
      for (;;) {
        const halving = this.summary.early_stop;
        await this.runPhase(halving && !halving.decided ? halving.at_step : undefined);
        if (this.stopping || !halving || halving.decided) break;
        this.prune(halving.at_step, halving.keep);
      }
      const failed = this.summary.trials.every((t) => t.status === 'failed');
      this.update(() => {
        const s = this.summary;
        s.status = this.stopping ? 'stopped' : failed ? 'failed' : 'finished';
        s.message = this.stopping ? 'stopped on request; sweep --resume continues it' : failed ? 'every trial failed' : null;
        s.finished = new Date().toISOString();
      });
      return this.summary;
    } finally {
      this.writer.release();
    }
  }

  private async runPhase(target: number | undefined): Promise<void> {
    const queue = this.summary.trials.filter((t) => UNFINISHED.has(t.status) && (target === undefined || t.step < target));
    const slots = Math.max(1, Math.min(this.summary.parallel, queue.length));
    await Promise.all(Array.from({ length: slots }, async () => {
      for (let trial = queue.shift(); trial && !this.stopping; trial = queue.shift()) await this.runTrial(trial, target);
    }));
  }

  private async runTrial(trial: SweepTrial, target: number | undefined): Promise<void> {
    const previous = trialRunFolder(this.folder, trial);
    // A trial whose run ended after its sweep's driver was killed (a child trains on) is taken as it ended.
    if (previous !== null && finishedRun(previous)) return this.update(() => Object.assign(trial, this.outcome(previous, target, null)), trial);
    const resume = previous !== null && checkpointSteps(previous).length > 0;
    const runDir = resume && previous ? previous : join(this.context.runsFolder, newRunId());
    this.update(() => Object.assign(trial, { status: 'running', run_id: basename(runDir), run_dir: relativeToBase(this.folder, runDir) }), trial);
    const run = this.runner.start({
      index: trial.index, configFile: this.context.configFile, overrides: { ...this.summary.overrides, ...trial.values },
      tag: { id: this.summary.sweep_id, trial: trial.index, values: trial.values }, runDir, resume, stopAfterStep: target,
    });
    this.running.set(trial.index, run);
    if (this.stopping) run.stop();
    const failure = await run.done;
    this.running.delete(trial.index);
    this.update(() => Object.assign(trial, this.outcome(runDir, target, failure)), trial);
  }

  /** A trial's state after its run ended, read from its run folder. */
  private outcome(runDir: string, target: number | undefined, failure: string | null): Partial<SweepTrial> {
    let info;
    let records: MetricsRecords;
    try {
      info = readRunInfo(runDir);
      records = readMetrics(runDir);
    } catch (error) {
      return { status: 'failed', message: failure ?? (error instanceof Error ? error.message : String(error)) };
    }
    const step = info.steps_completed;
    const reachedTarget = target !== undefined && step >= target;
    const metric = trialMetric(records, this.summary.metric, target);
    if (info.status === 'finished') return { status: 'finished', step, metric, message: null };
    // A stop the sweep did not ask for (a non-finite loss) ends the trial.
    if (info.status === 'stopped' && (this.stopping || reachedTarget) && !info.message) return { status: 'stopped', step, metric, message: null };
    return { status: 'failed', step, metric, message: info.message ?? failure ?? `the run ended ${info.status}` };
  }

  /** Successive halving at `atStep`: the best `keep` fraction of the trials that got there go on, the others are pruned. */
  private prune(atStep: number, keep: number): void {
    const arrived = this.summary.trials.filter((t) => t.status !== 'failed' && t.step >= atStep && t.metric !== null);
    const ranked = [...arrived].sort((a, b) => (a.metric as number) - (b.metric as number) || a.index - b.index);
    const kept = Math.max(1, Math.ceil(keep * ranked.length));
    this.update(() => {
      for (const trial of ranked.slice(kept)) Object.assign(trial, { status: 'pruned', message: `pruned at step ${atStep}: not among the best ${kept} of ${ranked.length}` });
      if (this.summary.early_stop) this.summary.early_stop.decided = true;
    });
  }

  /** Applies a change, then rewrites sweep.json (with the best trial recomputed) and tells the observer. */
  private update(change: () => void, trial?: SweepTrial): void {
    change();
    this.summary.best = bestTrial(this.summary);
    this.writer.write(this.summary);
    this.observer.onChange?.(this.summary, trial);
  }
}

function finishedRun(folder: string): boolean {
  try {
    return readRunInfo(folder).status === 'finished';
  } catch {
    return false;
  }
}

/** The sweep's metric of a run: the last val_loss or loss, at or before `atStep` when given. */
export function trialMetric(records: MetricsRecords, metric: SweepSummary['metric'], atStep?: number): number | null {
  const upTo = <T extends { step: number }>(list: T[]) => (atStep === undefined ? list : list.filter((r) => r.step <= atStep));
  return metric === 'loss' ? upTo(records.steps).at(-1)?.loss ?? null : upTo(records.evals).at(-1)?.val_loss ?? null;
}

/** The finished trial with the lowest metric (the earlier trial on a tie), or null before one has finished. */
export function bestTrial(summary: SweepSummary): SweepSummary['best'] {
  const finished = summary.trials.filter((t) => t.status === 'finished' && t.metric !== null);
  const best = finished.reduce<SweepTrial | null>((a, b) => (a === null || (b.metric as number) < (a.metric as number) ? b : a), null);
  return best ? { run_dir: best.run_dir, run_id: best.run_id, values: best.values, metric: best.metric as number } : null;
}

/** The absolute config file a sweep trains. */
export function sweepConfigFile(folder: string, summary: SweepSummary): string {
  return resolveFromBase(folder, summary.config);
}
