import { GradNormGrid, fromGradNormColumns } from '../../src/engine/train/gradNormGrid';
import type { EvalMetrics, StepMetrics } from '../../src/engine/train/metrics';
import type { HostToDashboard, RelayToTrainer, RunSeries, SchedulePreview, SweepView } from '../../src/protocol/dashboard';
import type { RunInfo } from '../../src/protocol/runInfo';

/** What a host message changed, so the view redraws no more than that. */
export type ModelChange =
  | { kind: 'reset' }
  | { kind: 'append'; runId: string; steps: StepMetrics[]; evals: EvalMetrics[] }
  | { kind: 'run'; runId: string; added: boolean }
  | { kind: 'schedule' }
  | { kind: 'gradNorms'; runId: string }
  | { kind: 'sweep' }
  | { kind: 'none' };

/** The host's messages about what the dashboard shows (the trainer relay goes elsewhere). */
export type DashboardUpdate = Exclude<HostToDashboard, RelayToTrainer>;

/**
 * Everything the dashboard knows about the followed config: its runs with their whole history and the schedule
 * preview. Host messages are applied here; appends that repeat steps already held are dropped, so a history
 * resend overlapping a live batch never draws a point twice.
 */
export class DashboardModel {
  configFile: string | null = null;
  configName: string | null = null;
  backendNote: string | null = null;
  schedule: SchedulePreview | null = null;
  /** Oldest first (run ids sort by start time). */
  runs: RunSeries[] = [];
  /** Each run's per-parameter gradient norms, by run id (only runs that have sent some). */
  gradNorms = new Map<string, GradNormGrid>();
  /** The config's newest sweep, or null when it has none. */
  sweep: SweepView | null = null;

  apply(message: DashboardUpdate): ModelChange {
    switch (message.type) {
      case 'DidSelectConfig':
        this.configFile = message.configFile;
        this.configName = message.configName;
        this.backendNote = message.backendNote;
        this.schedule = message.schedule;
        this.runs = message.runs.map((r) => ({ info: r.info, steps: r.steps.slice(), evals: r.evals.slice() })).sort(byId);
        this.gradNorms = new Map();
        this.sweep = null;
        return { kind: 'reset' };
      case 'DidUpdateRun':
        return this.updateRun(message.info);
      case 'DidAppendMetrics':
        return this.append(message.runId, message.steps, message.evals);
      case 'DidAppendGradNorms':
        return this.appendGradNorms(message.runId, fromGradNormColumns(message));
      case 'DidUpdateSweep':
        this.sweep = message.sweep;
        return { kind: 'sweep' };
      case 'DidUpdateSchedule':
        this.schedule = message.schedule;
        return { kind: 'schedule' };
    }
  }

  run(runId: string): RunSeries | undefined {
    return this.runs.find((r) => r.info.id === runId);
  }

  /** The newest run: the one the header describes and the Train/Stop button acts on. */
  get latest(): RunSeries | null {
    return this.runs[this.runs.length - 1] ?? null;
  }

  private updateRun(info: RunInfo): ModelChange {
    const existing = this.run(info.id);
    if (existing) {
      existing.info = info;
      return { kind: 'run', runId: info.id, added: false };
    }
    this.runs.push({ info, steps: [], evals: [] });
    this.runs.sort(byId);
    return { kind: 'run', runId: info.id, added: true };
  }

  private appendGradNorms(runId: string, records: ReturnType<typeof fromGradNormColumns>): ModelChange {
    if (!this.run(runId)) return { kind: 'none' };
    let grid = this.gradNorms.get(runId);
    if (!grid) this.gradNorms.set(runId, (grid = new GradNormGrid()));
    const before = grid.stepCount;
    grid.append(records);
    return grid.stepCount === before ? { kind: 'none' } : { kind: 'gradNorms', runId };
  }

  private append(runId: string, steps: StepMetrics[], evals: EvalMetrics[]): ModelChange {
    const run = this.run(runId);
    if (!run) return { kind: 'none' };
    const lastStep = run.steps[run.steps.length - 1]?.step ?? 0;
    const lastEval = run.evals[run.evals.length - 1]?.step ?? 0;
    const newSteps = steps.filter((s) => s.step > lastStep);
    const newEvals = evals.filter((e) => e.step > lastEval);
    // A loop, not push(...): a spread of 100 000 arguments overflows the stack.
    for (const s of newSteps) run.steps.push(s);
    for (const e of newEvals) run.evals.push(e);
    if (newSteps.length === 0 && newEvals.length === 0) return { kind: 'none' };
    return { kind: 'append', runId, steps: newSteps, evals: newEvals };
  }
}

function byId(a: RunSeries, b: RunSeries): number {
  return a.info.id < b.info.id ? -1 : a.info.id > b.info.id ? 1 : 0;
}
