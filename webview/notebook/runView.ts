// One output: a compare legend, the summary line(s) and three charts (loss, learning rate, gradient norm) drawn with
// the dashboard's chart code. A live output keeps growing as the host sends new points.
import { GradNormGrid, formatNorm, fromGradNormColumns, gradNormSummary } from '../../src/engine/train/gradNormGrid';
import type { StepMetrics } from '../../src/engine/train/metrics';
import type { OutputRun, RunOutputData, RunSeries, RunSummary } from '../../src/extension/notebook/outputData';
import { packEvals, packSteps } from '../../src/protocol/metricColumns';
import { summaryLine } from '../../src/extension/notebook/summaryText';
import { HeatmapChart } from '../charts/heatmapChart';
import { MetricChart, type DrawnLine } from '../charts/metricChart';
import { RunLines, type ChartKind, type SeriesSettings } from '../charts/series';
import { gradientNormSummary, learningRateSummary, lossSummary, runLatest } from '../charts/summary';
import { readTheme, type ChartTheme } from '../charts/theme';

const CHARTS: { kind: ChartKind; title: string }[] = [
  { kind: 'loss', title: 'Loss' },
  { kind: 'lr', title: 'Learning rate' },
  { kind: 'grad-norm', title: 'Gradient norm' },
];

const SETTINGS: SeriesSettings = { xAxis: 'step', smoothing: 0.6, log: { loss: false, lr: false, 'grad-norm': false, throughput: false } };

interface ViewRun {
  run: OutputRun;
  lines: RunLines;
}

export class RunView {
  private readonly runs: ViewRun[];
  private readonly charts = new Map<ChartKind, { chart: MetricChart; summary: HTMLElement }>();
  private readonly summaries: HTMLElement;
  private readonly theme: ChartTheme;
  private redrawPending = false;

  constructor(private readonly element: HTMLElement, readonly data: RunOutputData) {
    this.theme = readTheme((name) => getComputedStyle(document.documentElement).getPropertyValue(name), document.body.className);
    // A compare overlay shows raw curves: smoothing several runs hides the very differences being compared.
    const settings = data.kind === 'compare' ? { ...SETTINGS, smoothing: 0 } : SETTINGS;
    this.runs = data.runs.map((run) => ({ run, lines: linesOf(run, settings) }));
    this.summaries = element.ownerDocument.createElement('div');
    this.summaries.className = 'losslab-summaries';
    element.replaceChildren(this.summaries);
    // The charts are built while detached: MetricChart's hover plugin would run before its constructor returns if
    // chart.js could render at once, on a canvas already laid out.
    const grid = element.ownerDocument.createElement('div');
    grid.className = 'losslab-charts';
    for (const { kind, title } of CHARTS) {
      const card = element.ownerDocument.createElement('section');
      card.className = 'losslab-chart';
      card.dataset.chart = kind;
      const heading = element.ownerDocument.createElement('h4');
      heading.textContent = title;
      const box = element.ownerDocument.createElement('div');
      box.className = 'losslab-canvas-box';
      const canvas = element.ownerDocument.createElement('canvas');
      canvas.setAttribute('role', 'img');
      canvas.setAttribute('aria-label', `${title} chart`);
      box.append(canvas);
      const summary = element.ownerDocument.createElement('p');
      summary.className = 'losslab-chart-summary';
      summary.dataset.testid = `notebook-summary-${kind}`;
      card.append(heading, box, summary);
      grid.append(card);
      this.charts.set(kind, { chart: new MetricChart(canvas, { xAxis: 'step', log: false, theme: this.theme }), summary });
    }
    element.append(grid);
    const single = data.kind === 'run' ? data.runs[0] : undefined;
    if (single?.gradNorms) element.append(this.gradNormCard(single.name, single.gradNorms));
    this.redraw();
  }

  // A finished run's per-parameter norms as the dashboard's heatmap, the cell under the pointer in the canvas's tooltip.
  private gradNormCard(name: string, columns: NonNullable<OutputRun['gradNorms']>): HTMLElement {
    const document = this.element.ownerDocument;
    const grid = new GradNormGrid();
    grid.append(fromGradNormColumns(columns));
    const card = document.createElement('section');
    card.className = 'losslab-chart losslab-heatmap';
    card.dataset.chart = 'grad-layers';
    const heading = document.createElement('h4');
    heading.textContent = 'Gradient norms by layer';
    const box = document.createElement('div');
    const canvas = document.createElement('canvas');
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', 'Gradient norms by layer chart');
    box.append(canvas);
    const summary = document.createElement('p');
    summary.className = 'losslab-chart-summary';
    summary.dataset.testid = 'notebook-summary-grad-layers';
    summary.textContent = gradNormSummary(grid, name);
    card.append(heading, box, summary);
    const chart = new HeatmapChart(canvas, this.theme, 300);
    requestAnimationFrame(() => chart.draw(grid));
    canvas.addEventListener('mousemove', (event) => {
      const cell = chart.cellAt(event.offsetX, event.offsetY);
      const steps = cell && (cell.column.firstStep === cell.column.lastStep ? `step ${cell.column.firstStep}` : `steps ${cell.column.firstStep}–${cell.column.lastStep}`);
      canvas.title = cell ? `${cell.parameter.name}, ${steps}: ${Number.isFinite(cell.value) ? formatNorm(cell.value) : '–'}` : '';
    });
    return card;
  }

  /** The run ids this view shows live (a subscribe goes out for each). */
  get liveRunIds(): string[] {
    return this.data.live ? this.runs.map(({ run }) => run.runId) : [];
  }

  /** New points of a live run (or, with `reset`, all of them). */
  append(runId: string, series: RunSeries, summary: RunSummary, reset: boolean): void {
    const target = this.runs.find(({ run }) => run.runId === runId);
    if (!target) return;
    if (reset) target.lines = new RunLines(runId, this.data.kind === 'compare' ? { ...SETTINGS, smoothing: 0 } : SETTINGS);
    appendSeries(target.lines, series);
    target.run = { ...target.run, summary };
    if (!this.redrawPending) {
      this.redrawPending = true;
      requestAnimationFrame(() => this.redraw());
    }
  }

  dispose(): void {
    for (const { chart } of this.charts.values()) chart.destroy();
    this.element.replaceChildren();
  }

  private redraw(): void {
    this.redrawPending = false;
    const compare = this.data.kind === 'compare';
    this.summaries.replaceChildren(...this.runs.map(({ run }, index) => {
      const line = this.element.ownerDocument.createElement('div');
      line.className = 'losslab-summary';
      line.dataset.testid = compare ? `notebook-summary-run-${index}` : 'notebook-summary';
      line.dataset.status = run.summary.status;
      if (compare) {
        const swatch = this.element.ownerDocument.createElement('span');
        swatch.className = 'losslab-swatch';
        swatch.style.background = this.color(index);
        line.append(swatch, `${run.name}: `);
      }
      line.append(summaryLine(run.summary));
      return line;
    }));
    if (compare) this.summaries.dataset.testid = 'notebook-compare';
    const latest = this.runs.map(({ run, lines }) => runLatest(run.name, lines));
    for (const [kind, { chart, summary }] of this.charts) {
      chart.setLines(this.runs.flatMap(({ run, lines }, index) => lines.lines[kind].map((line): DrawnLine => ({ ...line, color: this.color(index), label: `${run.name} · ${line.metric}` }))));
      if (kind === 'grad-norm') {
        const clips = [...new Set(this.runs.map(({ run }) => run.gradClip).filter((clip): clip is number => clip !== null))];
        chart.setReferences(clips.map((value) => ({ value, label: `clip ${value}` })));
      }
      chart.refresh();
      summary.textContent = kind === 'loss' ? lossSummary(latest) : kind === 'lr' ? learningRateSummary(latest, null)
        : gradientNormSummary(latest, this.runs.length === 1 ? this.runs[0].run.gradClip ?? 0 : null);
    }
  }

  private color(index: number): string {
    return this.theme.runColors[index % this.theme.runColors.length];
  }
}

function linesOf(run: OutputRun, settings: SeriesSettings): RunLines {
  const lines = new RunLines(run.runId, settings);
  appendSeries(lines, run.series);
  return lines;
}

// The stored columns into the step columns RunLines reads (tokens and time are not stored: x is the step).
function appendSeries(lines: RunLines, series: RunSeries): void {
  const steps: StepMetrics[] = series.step.map((step, i) => ({
    step, loss: num(series.loss[i]), lr: num(series.lr[i]), grad_norm: num(series.grad_norm[i]),
    grad_norm_clipped: num(series.grad_norm_clipped[i]), tokens: 0, tokens_per_sec: num(series.tokens_per_sec[i]), time_ms: 0,
  }));
  lines.appendSteps(packSteps(steps));
  lines.appendEvals(packEvals(series.evals.map(([step, val_loss]) => ({ step, val_loss: num(val_loss) }))));
}

// JSON stores NaN and Infinity as null.
function num(value: number | null | undefined): number {
  return typeof value === 'number' ? value : Number.NaN;
}
