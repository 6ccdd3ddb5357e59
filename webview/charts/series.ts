import type { EvalMetrics, StepMetrics } from '../../src/engine/train/metrics';
import { EmaSmoother } from './smoothing';

/** What the x axis measures: optimizer steps, tokens trained on so far, or seconds since the run started. */
export type XAxisMode = 'step' | 'tokens' | 'time';

/** The four charts of a run. */
export type ChartKind = 'loss' | 'lr' | 'grad-norm' | 'throughput';

export const CHART_KINDS: readonly ChartKind[] = ['loss', 'lr', 'grad-norm', 'throughput'];

/** One chart point, in chart.js's internal format (so charts can skip parsing). */
export interface Point {
  x: number;
  y: number;
}

/** How a line is drawn: raw values faint behind their smoothed line, evaluations as markers, previews dashed. */
export type LineRole = 'raw' | 'smoothed' | 'eval' | 'preview';

/** One drawn line: its points grow in place as metrics arrive. */
export interface LineSeries {
  /** Unique within a chart, e.g. "20261129-031502-3fa2/train/smoothed". */
  key: string;
  /** What it measures, e.g. "train", "validation", "after clipping". */
  metric: string;
  role: LineRole;
  /** A secondary metric of the same run (post-clip norm) is drawn dashed. */
  secondary: boolean;
  points: Point[];
}

/** How the series are computed. */
export interface SeriesSettings {
  xAxis: XAxisMode;
  /** EMA weight in [0, 1); 0 = raw values only. */
  smoothing: number;
  /** Log-scaled charts drop values ≤ 0, which a logarithmic axis cannot place. */
  log: Readonly<Record<ChartKind, boolean>>;
}

interface MetricSpec {
  id: string;
  metric: string;
  value: (s: StepMetrics) => number;
  smooth: boolean;
  secondary: boolean;
}

const STEP_METRICS: Record<ChartKind, MetricSpec[]> = {
  loss: [{ id: 'train', metric: 'train', value: (s) => s.loss, smooth: true, secondary: false }],
  lr: [{ id: 'lr', metric: 'learning rate', value: (s) => s.lr, smooth: false, secondary: false }],
  'grad-norm': [
    { id: 'pre', metric: 'before clipping', value: (s) => s.grad_norm, smooth: true, secondary: false },
    { id: 'post', metric: 'after clipping', value: (s) => s.grad_norm_clipped, smooth: true, secondary: true },
  ],
  throughput: [{ id: 'tps', metric: 'tokens/s', value: (s) => s.tokens_per_sec, smooth: true, secondary: false }],
};

/** The latest value of a metric, with its smoothed value when the metric is smoothed. */
export interface LatestValue {
  step: number;
  value: number;
  smoothed: number | null;
}

/**
 * One run's lines on every chart, kept up to date incrementally: appends cost only the new points, so a live
 * run never rebuilds its 100 000-point series. Settings changes (x axis, smoothing, log) rebuild from scratch.
 */
export class RunLines {
  readonly lines: Record<ChartKind, LineSeries[]>;
  private readonly smoothers = new Map<string, EmaSmoother>();
  private readonly latestValues = new Map<string, LatestValue>();
  private readonly stepXs: { step: number; tokens: number; seconds: number }[] = [];
  private tokensSoFar = 0;
  private lastEval: EvalMetrics | null = null;

  constructor(readonly runId: string, private readonly settings: SeriesSettings) {
    this.lines = { loss: [], lr: [], 'grad-norm': [], throughput: [] };
    for (const kind of Object.keys(STEP_METRICS) as ChartKind[]) {
      for (const spec of STEP_METRICS[kind]) {
        if (spec.smooth && settings.smoothing > 0) this.lines[kind].push(this.line(spec, 'raw'));
        this.lines[kind].push(this.line(spec, spec.smooth ? 'smoothed' : 'raw'));
        if (spec.smooth) this.smoothers.set(spec.id, new EmaSmoother(settings.smoothing));
      }
    }
    this.lines.loss.push({ key: `${runId}/val/eval`, metric: 'validation', role: 'eval', secondary: false, points: [] });
  }

  /** The last step seen (steps at or before it are ignored, so a history resend never duplicates points). */
  get lastStep(): number {
    return this.stepXs.length ? this.stepXs[this.stepXs.length - 1].step : 0;
  }

  /** Mean tokens and seconds per step so far (to place the schedule preview on a tokens or time axis). */
  get pace(): { tokensPerStep: number; secondsPerStep: number } | null {
    const last = this.stepXs[this.stepXs.length - 1];
    return last ? { tokensPerStep: last.tokens / last.step, secondsPerStep: last.seconds / last.step } : null;
  }

  latest(id: 'train' | 'lr' | 'pre' | 'post' | 'tps'): LatestValue | null {
    return this.latestValues.get(id) ?? null;
  }

  get latestEval(): EvalMetrics | null {
    return this.lastEval;
  }

  appendSteps(steps: readonly StepMetrics[]): void {
    for (const s of steps) {
      if (s.step <= this.lastStep) continue;
      this.tokensSoFar += Number.isFinite(s.tokens) ? s.tokens : 0;
      this.stepXs.push({ step: s.step, tokens: this.tokensSoFar, seconds: s.time_ms / 1000 });
      const x = this.xOf(this.stepXs.length - 1);
      for (const kind of Object.keys(STEP_METRICS) as ChartKind[]) {
        for (const spec of STEP_METRICS[kind]) this.appendValue(kind, spec, s.step, x, spec.value(s));
      }
    }
  }

  appendEvals(evals: readonly EvalMetrics[]): void {
    const line = this.lines.loss[this.lines.loss.length - 1];
    for (const e of evals) {
      if (this.lastEval && e.step <= this.lastEval.step) continue;
      this.lastEval = e;
      const index = this.indexOfStep(e.step);
      if (index < 0 || !this.drawable('loss', e.val_loss)) continue;
      line.points.push({ x: this.xOf(index), y: e.val_loss });
    }
  }

  private appendValue(kind: ChartKind, spec: MetricSpec, step: number, x: number, raw: number): void {
    const [first, second] = this.lines[kind].filter((l) => l.key.startsWith(`${this.runId}/${spec.id}/`));
    const smoother = this.smoothers.get(spec.id);
    const smoothed = smoother ? smoother.push(step, raw) : null;
    this.latestValues.set(spec.id, { step, value: raw, smoothed });
    if (second) {
      if (this.drawable(kind, raw)) first.points.push({ x, y: raw });
      if (smoothed !== null && this.drawable(kind, smoothed)) second.points.push({ x, y: smoothed });
    } else {
      const y = smoothed ?? raw;
      if (this.drawable(kind, y)) first.points.push({ x, y });
    }
  }

  private drawable(kind: ChartKind, y: number): boolean {
    return Number.isFinite(y) && (!this.settings.log[kind] || y > 0);
  }

  private xOf(index: number): number {
    const p = this.stepXs[index];
    return this.settings.xAxis === 'step' ? p.step : this.settings.xAxis === 'tokens' ? p.tokens : p.seconds;
  }

  private indexOfStep(step: number): number {
    let lo = 0;
    let hi = this.stepXs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const value = this.stepXs[mid].step;
      if (value === step) return mid;
      if (value < step) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  private line(spec: MetricSpec, role: LineRole): LineSeries {
    return { key: `${this.runId}/${spec.id}/${role}`, metric: spec.metric, role, secondary: spec.secondary, points: [] };
  }
}

/**
 * The schedule preview's points on the chosen x axis. On a tokens or time axis, steps are placed at a run's
 * mean pace; without a run there is no pace, and null says the preview cannot be placed.
 */
export function previewPoints(lrs: readonly number[], settings: SeriesSettings, pace: RunLines['pace']): Point[] | null {
  if (settings.xAxis !== 'step' && !pace) return null;
  const perStep = settings.xAxis === 'step' ? 1 : settings.xAxis === 'tokens' ? pace!.tokensPerStep : pace!.secondsPerStep;
  const points: Point[] = [];
  for (let i = 0; i < lrs.length; i++) {
    const y = lrs[i];
    if (Number.isFinite(y) && (!settings.log.lr || y > 0)) points.push({ x: (i + 1) * perStep, y });
  }
  return points;
}
