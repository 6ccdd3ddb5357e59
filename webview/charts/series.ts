import { wasClipped } from '../../src/engine/train/gradNormGrid';
import type { EvalMetrics } from '../../src/engine/train/metrics';
import { STEP_FIELDS, type EvalColumns, type StepColumns } from '../../src/protocol/metricColumns';
import { grown, LineColumns } from './lineColumns';
import { MetricTable } from './metricTable';
import { SmoothedSeries, type ReplayStep, type SmoothingCache } from './smoothingCache';

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

/**
 * How a line is drawn: `main` at full strength (smoothed when smoothing is on), `raw` faint behind its smoothed
 * line, evaluations as markers, previews dashed, events (clipped steps) as marks without a line.
 */
export type LineRole = 'raw' | 'main' | 'eval' | 'preview' | 'event';

/** One drawn line: its point columns grow in place as metrics arrive. */
export interface LineSeries {
  /** Unique within a chart, e.g. "20261129-031502-3fa2/train/main". */
  key: string;
  /** What it measures, e.g. "train", "validation", "after clipping". */
  metric: string;
  role: LineRole;
  /** A secondary metric of the same run (post-clip norm) is drawn dashed. */
  secondary: boolean;
  columns: LineColumns;
}

/** A line of a run, kept as columns. */
export class ColumnLine implements LineSeries {
  columns = new LineColumns();

  constructor(readonly key: string, readonly metric: string, readonly role: LineRole, readonly secondary: boolean) {}

  /** The points as objects (a copy: for reading a line, never for drawing it). */
  get points(): Point[] {
    return this.columns.toPoints();
  }
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
  field: 'loss' | 'lr' | 'grad_norm' | 'grad_norm_clipped' | 'tokens_per_sec';
  smooth: boolean;
  secondary: boolean;
}

const STEP_METRICS: Record<ChartKind, MetricSpec[]> = {
  loss: [{ id: 'train', metric: 'train', field: 'loss', smooth: true, secondary: false }],
  lr: [{ id: 'lr', metric: 'learning rate', field: 'lr', smooth: false, secondary: false }],
  'grad-norm': [
    { id: 'pre', metric: 'before clipping', field: 'grad_norm', smooth: true, secondary: false },
    { id: 'post', metric: 'after clipping', field: 'grad_norm_clipped', smooth: true, secondary: true },
  ],
  throughput: [{ id: 'tps', metric: 'tokens/s', field: 'tokens_per_sec', smooth: true, secondary: false }],
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
  readonly lines: Record<ChartKind, ColumnLine[]>;
  private readonly targets: {
    kind: ChartKind; spec: MetricSpec; raw: ColumnLine | null; main: ColumnLine; smoothed: SmoothedSeries | null; log: boolean;
    /** An earlier step's raw value, to smooth again from the start should the cache hold another history. */
    replay: ReplayStep;
  }[] = [];
  /** The steps appended, as columns (copied: the model's views last only until its next append). */
  private readonly records = MetricTable.empty(STEP_FIELDS, 'step');
  private readonly evalLine: ColumnLine;
  /** The steps whose gradients were clipped, marked at their pre-clip norm. */
  private readonly clipLine: ColumnLine;
  private clippedSteps = 0;
  private readonly latestValues = new Map<string, LatestValue>();
  /** Each step's x on the chosen axis. */
  private xData = new Float64Array(64);
  private lastSeconds = 0;
  private tokensSoFar = 0;
  private lastEval: EvalMetrics | null = null;

  /** `cache` keeps smoothed values across rebuilds (a smoothing toggle back to an earlier weight then costs no smoothing). */
  constructor(readonly runId: string, private settings: SeriesSettings, private readonly cache: SmoothingCache | null = null) {
    this.lines = { loss: [], lr: [], 'grad-norm': [], throughput: [] };
    for (const kind of CHART_KINDS) {
      for (const spec of STEP_METRICS[kind]) {
        const smoothed = spec.smooth && settings.smoothing > 0;
        const raw = smoothed ? this.line(spec, 'raw') : null;
        const main = this.line(spec, 'main');
        this.lines[kind].push(...(raw ? [raw, main] : [main]));
        const series = smoothed ? this.smoothedSeries(spec, settings.smoothing) : null;
        const replay: ReplayStep = (i) => ({ step: this.records.columns.step[i], value: this.records.columns[spec.field][i] });
        this.targets.push({ kind, spec, raw, main, smoothed: series, log: settings.log[kind], replay });
      }
    }
    this.evalLine = new ColumnLine(`${runId}/val/eval`, 'validation', 'eval', false);
    this.lines.loss.push(this.evalLine);
    this.clipLine = new ColumnLine(`${runId}/clipped/event`, 'clipped step', 'event', false);
    this.lines['grad-norm'].push(this.clipLine);
  }

  /** How many steps so far were clipped, of how many. */
  get clipping(): { clipped: number; steps: number } {
    return { clipped: this.clippedSteps, steps: this.records.length };
  }

  /** The last step seen (steps at or before it are ignored, so a history resend never duplicates points). */
  get lastStep(): number {
    return this.records.length ? this.records.last('step') : 0;
  }

  /** Mean tokens and seconds per step so far (to place the schedule preview on a tokens or time axis). */
  get pace(): { tokensPerStep: number; secondsPerStep: number } | null {
    const step = this.lastStep;
    return this.records.length ? { tokensPerStep: this.tokensSoFar / step, secondsPerStep: this.lastSeconds / step } : null;
  }

  latest(id: 'train' | 'lr' | 'pre' | 'post' | 'tps'): LatestValue | null {
    return this.latestValues.get(id) ?? null;
  }

  get latestEval(): EvalMetrics | null {
    return this.lastEval;
  }

  /** Appends the steps after the last one seen: x and raw values are copied whole, only smoothing goes step by step. */
  appendSteps(steps: StepColumns): void {
    const start = this.records.length;
    const fresh = this.records.append(steps);
    const count = fresh.step.length;
    if (count === 0) return;
    if (this.records.length > this.xData.length) this.xData = grown(this.xData, this.records.length);
    const xs = this.xData.subarray(start, start + count);
    const { tokens } = fresh;
    const onTokens = this.settings.xAxis === 'tokens';
    let tokensSoFar = this.tokensSoFar;
    for (let i = 0; i < count; i++) {
      tokensSoFar += Number.isFinite(tokens[i]) ? tokens[i] : 0;
      if (onTokens) xs[i] = tokensSoFar;
    }
    this.tokensSoFar = tokensSoFar;
    this.lastSeconds = fresh.time_ms[count - 1] / 1000;
    if (this.settings.xAxis === 'step') xs.set(fresh.step);
    else if (this.settings.xAxis === 'time') for (let i = 0; i < count; i++) xs[i] = fresh.time_ms[i] / 1000;
    const last = count - 1;
    for (const target of this.targets) {
      const raws = fresh[target.spec.field];
      target.raw?.columns.appendDrawable(xs, raws, target.log);
      const ys = target.smoothed ? target.smoothed.extend(start, fresh.step, raws, target.replay) : raws;
      target.main.columns.appendDrawable(xs, ys, target.log);
      this.latestValues.set(target.spec.id, { step: fresh.step[last], value: raws[last], smoothed: target.smoothed ? ys[last] : null });
    }
    const { grad_norm: norms, grad_norm_clipped: clippedNorms } = fresh;
    for (let i = 0; i < count; i++) {
      if (!wasClipped({ grad_norm: norms[i], grad_norm_clipped: clippedNorms[i] })) continue;
      this.clippedSteps++;
      if (this.drawable('grad-norm', norms[i])) this.clipLine.columns.push(xs[i], norms[i]);
    }
  }

  /**
   * Smooths with another weight in place: the raw lines are kept (the unsmoothed main line becomes the raw line and
   * back), and only the smoothed lines are computed again, from the cache where it holds them. Lines then differ: redraw.
   */
  setSmoothing(weight: number): void {
    if (weight === this.settings.smoothing) return;
    this.settings = { ...this.settings, smoothing: weight };
    for (const target of this.targets) {
      if (!target.spec.smooth) continue;
      const list = this.lines[target.kind];
      if (weight === 0) {
        if (target.raw) {
          target.main.columns = target.raw.columns;
          list.splice(list.indexOf(target.raw), 1);
        }
        target.raw = null;
        target.smoothed = null;
      } else {
        if (!target.raw) {
          target.raw = this.line(target.spec, 'raw');
          target.raw.columns = target.main.columns;
          list.splice(list.indexOf(target.main), 0, target.raw);
        }
        target.smoothed = this.smoothedSeries(target.spec, weight);
        this.resmooth(target.main, target.smoothed, target.spec, target.log, target.replay);
      }
      const latest = this.latestValues.get(target.spec.id);
      if (latest) this.latestValues.set(target.spec.id, { ...latest, smoothed: target.smoothed ? target.smoothed.at(this.records.length - 1, latest.step, latest.value, target.replay) : null });
    }
  }

  private resmooth(main: ColumnLine, series: SmoothedSeries, spec: MetricSpec, log: boolean, replay: ReplayStep): void {
    const { step, [spec.field]: raws } = this.records.columns;
    main.columns = new LineColumns();
    main.columns.appendDrawable(this.xData.subarray(0, raws.length), series.extend(0, step, raws, replay), log);
  }

  private smoothedSeries(spec: MetricSpec, weight: number): SmoothedSeries {
    return this.cache?.series(`${this.runId}/${spec.id}`, weight) ?? new SmoothedSeries(weight);
  }

  appendEvals(evals: EvalColumns): void {
    for (let i = 0; i < evals.step.length; i++) {
      const e = { step: evals.step[i], val_loss: evals.val_loss[i] };
      if (this.lastEval && e.step <= this.lastEval.step) continue;
      this.lastEval = e;
      const index = this.indexOfStep(e.step);
      if (index < 0 || !this.drawable('loss', e.val_loss)) continue;
      this.evalLine.columns.push(this.xData[index], e.val_loss);
    }
  }

  private drawable(kind: ChartKind, y: number): boolean {
    return drawableOn(this.settings.log[kind], y);
  }

  private indexOfStep(step: number): number {
    let lo = 0;
    const steps = this.records.columns.step;
    let hi = steps.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const value = steps[mid];
      if (value === step) return mid;
      if (value < step) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  private line(spec: MetricSpec, role: LineRole): ColumnLine {
    return new ColumnLine(`${this.runId}/${spec.id}/${role}`, spec.metric, role, spec.secondary);
  }
}

/** Whether a value can be drawn: finite, and above 0 on a log scale (which cannot place 0 or less). */
function drawableOn(log: boolean, y: number): boolean {
  return Number.isFinite(y) && (!log || y > 0);
}

/**
 * The schedule preview's points on the chosen x axis. On a tokens or time axis, steps are placed at a run's
 * mean pace; without a run there is no pace, and null says the preview cannot be placed.
 */
export function previewPoints(lrs: readonly number[], settings: SeriesSettings, pace: RunLines['pace']): Point[] | null {
  let perStep = 1;
  if (settings.xAxis !== 'step') {
    if (!pace) return null;
    perStep = settings.xAxis === 'tokens' ? pace.tokensPerStep : pace.secondsPerStep;
  }
  const points: Point[] = [];
  for (let i = 0; i < lrs.length; i++) {
    const y = lrs[i];
    if (Number.isFinite(y) && (!settings.log.lr || y > 0)) points.push({ x: (i + 1) * perStep, y });
  }
  return points;
}

/** Index of the point whose x is nearest to `x` in x-ascending points; -1 when there are none. */
export function nearestIndex(points: readonly Point[], x: number): number {
  if (points.length === 0) return -1;
  let lo = 0;
  let hi = points.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (points[mid].x <= x) lo = mid;
    else hi = mid;
  }
  return Math.abs(points[hi].x - x) < Math.abs(points[lo].x - x) ? hi : lo;
}
