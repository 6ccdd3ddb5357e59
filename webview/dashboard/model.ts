import { GradNormGrid, fromGradNormColumns } from '../../src/engine/train/gradNormGrid';
import type { RelayToTrainer, SchedulePreview, SweepView } from '../../src/protocol/dashboard';
import { EVAL_FIELDS, STEP_FIELDS, type EvalColumns, type PackedHostMessage, type StepColumns } from '../../src/protocol/metricColumns';
import type { RunInfo } from '../../src/protocol/runInfo';
import { MetricTable } from '../charts/metricTable';

type StepField = (typeof STEP_FIELDS)[number];
type EvalField = (typeof EVAL_FIELDS)[number];

/** One run of the followed config with its whole history, kept as the host's columns. */
export class DashboardRun {
  private readonly stepTable: MetricTable<StepField>;
  private readonly evalTable: MetricTable<EvalField>;

  constructor(public info: RunInfo, steps?: StepColumns, evals?: EvalColumns) {
    this.stepTable = steps ? new MetricTable(STEP_FIELDS, steps, 'step') : MetricTable.empty(STEP_FIELDS, 'step');
    this.evalTable = evals ? new MetricTable(EVAL_FIELDS, evals, 'step') : MetricTable.empty(EVAL_FIELDS, 'step');
  }

  /** Every step's metrics (views, valid until the next append). */
  get steps(): StepColumns {
    return this.stepTable.columns;
  }

  get evals(): EvalColumns {
    return this.evalTable.columns;
  }

  /** The last step received, 0 before any. */
  get lastStep(): number {
    return this.stepTable.length ? this.stepTable.last('step') : 0;
  }

  /** The newest step's value of `field`, or null before any step. */
  latestStep(field: StepField): number | null {
    return this.stepTable.length ? this.stepTable.last(field) : null;
  }

  /** The newest validation loss, or null before any evaluation. */
  get latestValLoss(): number | null {
    return this.evalTable.length ? this.evalTable.last('val_loss') : null;
  }

  /** Appends the steps and evaluations after those held; returns the ones added. */
  append(steps: StepColumns, evals: EvalColumns): { steps: StepColumns; evals: EvalColumns } {
    return { steps: this.stepTable.append(steps), evals: this.evalTable.append(evals) };
  }
}

/** What a host message changed, so the view redraws no more than that. */
export type ModelChange =
  | { kind: 'reset' }
  | { kind: 'append'; runId: string; steps: StepColumns; evals: EvalColumns }
  | { kind: 'run'; runId: string; added: boolean }
  | { kind: 'schedule' }
  | { kind: 'gradNorms'; runId: string }
  | { kind: 'sweep' }
  | { kind: 'none' };

/** The host's messages about what the dashboard shows (the trainer relay goes elsewhere). */
export type DashboardUpdate = Exclude<PackedHostMessage, RelayToTrainer>;

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
  runs: DashboardRun[] = [];
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
        this.runs = message.runs.map((r) => new DashboardRun(r.info, r.steps, r.evals)).sort(byId);
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

  run(runId: string): DashboardRun | undefined {
    return this.runs.find((r) => r.info.id === runId);
  }

  /** The newest run: the one the header describes and the Train/Stop button acts on. */
  get latest(): DashboardRun | null {
    return this.runs[this.runs.length - 1] ?? null;
  }

  private updateRun(info: RunInfo): ModelChange {
    const existing = this.run(info.id);
    if (existing) {
      existing.info = info;
      return { kind: 'run', runId: info.id, added: false };
    }
    this.runs.push(new DashboardRun(info));
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

  private append(runId: string, steps: StepColumns, evals: EvalColumns): ModelChange {
    const run = this.run(runId);
    if (!run) return { kind: 'none' };
    const added = run.append(steps, evals);
    if (added.steps.step.length === 0 && added.evals.step.length === 0) return { kind: 'none' };
    return { kind: 'append', runId, ...added };
  }
}

function byId(a: DashboardRun, b: DashboardRun): number {
  return a.info.id < b.info.id ? -1 : a.info.id > b.info.id ? 1 : 0;
}
