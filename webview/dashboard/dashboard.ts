import { includeValues, robustRange } from '../charts/autoscale';
import { formatTick } from '../charts/format';
import { LineColumns } from '../charts/lineColumns';
import type { DrawnLine, MetricChartOptions } from '../charts/metricChart';
import { CHART_KINDS, type RunLines, previewPoints, type ChartKind, type SeriesSettings } from '../charts/series';
import { SmoothingCache } from '../charts/smoothingCache';
import type { ChartTheme } from '../charts/theme';
import type { DashboardToHost } from '../../src/protocol/dashboard';
import { ChartPanel } from './chartPanel';
import { Controls } from './controls';
import { dashboardText, emptyChartText, visibleRunLines } from './dashboardText';
import { h } from './dom';
import { GRAD_LAYERS_CHART, GradNormPanel } from './gradNormPanel';
import { DashboardModel, type DashboardUpdate, type ModelChange } from './model';
import { RedrawScheduler, type RedrawWork } from './redrawScheduler';
import { RunList } from './runList';
import { SweepPanel } from './sweepPanel';
import { runTimeLabel } from './status';
import type { DashboardUiState } from './uiState';

/** How the dashboard talks to whoever hosts it (the VS Code webview API, or a test page). */
export interface DashboardHost {
  send(message: DashboardToHost): void;
  saveState(state: DashboardUiState): void;
}

/** A request to bring one chart into view, e.g. the learning-rate chart for "Preview Learning-Rate Schedule". */
export interface DashboardFocus {
  chart: ChartKind;
  token: string;
}

/** The name of the user-timing measure of each redraw. */
const DRAW_MEASURE = 'losslab-dashboard-draw';

/** A clip threshold above this multiple of the data's range is left off-chart (named in the summary). */
const CLIP_IN_RANGE = 3;

/**
 * The dashboard: applies host messages to the model, keeps one RunLines per visible run (appended in place
 * while training), and redraws charts, autoscale, summaries and the run list through a RedrawScheduler.
 */
export class Dashboard {
  private readonly model = new DashboardModel();
  private readonly panels: Record<ChartKind, ChartPanel>;
  private readonly controls: Controls;
  private readonly runList: RunList;
  private lines = new Map<string, RunLines>();
  /** Smoothed values survive rebuilds: toggling smoothing off and on again does not smooth every run again. */
  private readonly smoothingCache = new SmoothingCache();
  private drawn: Record<ChartKind, DrawnLine[]> = { loss: [], lr: [], 'grad-norm': [], throughput: [] };
  private readonly scheduler = new RedrawScheduler((work) => this.draw(work), {
    now: () => performance.now(),
    frame: (callback) => requestAnimationFrame(callback),
    timer: (callback, ms) => setTimeout(callback, ms),
  });
  private readonly gradNormPanel: GradNormPanel;
  /** The heatmap is redrawn only when its run's norms or the choice of run changed, not with every chart frame. */
  private gradNormsChanged = true;
  private readonly sweepPanel: SweepPanel;
  /** A trial of the shown sweep gained steps: its curve is redrawn with the next frame. */
  private sweepChanged = false;
  private hoverX: number | null = null;
  private focusPending: ChartKind | null;

  /** `focus` asks to bring a chart into view once (its token is remembered, so reloads of the page do not). */
  constructor(root: HTMLElement, private state: DashboardUiState, private theme: ChartTheme, private readonly host: DashboardHost, focus: DashboardFocus | null) {
    this.focusPending = focus && focus.token !== state.focusToken ? focus.chart : null;
    if (focus) this.state.focusToken = focus.token;
    this.controls = new Controls(state, {
      onTrain: () => host.send({ type: 'Train' }),
      onStop: (runId) => host.send({ type: 'StopTraining', runId }),
      onResume: (runId) => host.send({ type: 'ResumeTraining', runId }),
      onSmoothing: (smoothing) => this.changeSmoothing(smoothing),
      onXAxis: (xAxis) => this.changeSettings({ xAxis }),
      onFitAll: (fitAll) => this.changeState({ fitAll }, false),
    });
    this.runList = new RunList({
      onToggleRun: (runId, visible) => this.changeSettings({ hiddenRuns: visible ? this.state.hiddenRuns.filter((id) => id !== runId) : [...this.state.hiddenRuns, runId] }),
      onSelectRun: (runId, selected) => this.changeState({ selectedRuns: selected ? [...this.state.selectedRuns.filter((id) => id !== runId), runId].slice(-2) : this.state.selectedRuns.filter((id) => id !== runId) }, false),
      onCompare: (runA, runB) => host.send({ type: 'OpenConfigDiff', runA, runB }),
    });
    this.panels = Object.fromEntries(CHART_KINDS.map((kind) => [kind, new ChartPanel(kind, this.chartOptions(kind), {
      onLogChange: (k, log) => this.changeSettings({ log: { ...this.state.log, [k]: log } }),
      onSave: (k, dataUrl) => host.send({ type: 'SaveChartImage', chart: k, dataUrl }),
      onHover: (x) => this.hover(x),
    })])) as Record<ChartKind, ChartPanel>;
    this.gradNormPanel = new GradNormPanel(theme, (dataUrl) => host.send({ type: 'SaveChartImage', chart: GRAD_LAYERS_CHART, dataUrl }));
    this.sweepPanel = new SweepPanel(theme, {
      series: (runId) => this.model.run(runId),
      openDiff: (runA, runB) => host.send({ type: 'OpenConfigDiff', runA, runB }),
    });
    root.replaceChildren(h('main', { class: 'dashboard' }, [
      this.controls.header, this.controls.toolbar, this.runList.element, this.sweepPanel.element,
      h('div', { class: 'charts' }, [...CHART_KINDS.map((kind) => this.panels[kind].element), this.gradNormPanel.element]),
    ]));
    window.addEventListener('resize', () => {
      this.gradNormsChanged = true;
      this.redraw(false);
    });
    this.rebuild();
  }

  receive(message: DashboardUpdate): void {
    this.applyChange(this.model.apply(message));
  }

  /** The theme changed (VS Code switched colour theme): recolour everything. */
  setTheme(theme: ChartTheme): void {
    this.theme = theme;
    for (const kind of CHART_KINDS) this.panels[kind].setOptions(this.chartOptions(kind));
    this.gradNormPanel.setTheme(theme);
    this.sweepPanel.setTheme(theme);
    this.sweepChanged = true;
    this.gradNormsChanged = true;
    this.assignLines();
  }

  private applyChange(change: ModelChange): void {
    switch (change.kind) {
      case 'reset':
        this.state.configFile = this.model.configFile;
        this.host.saveState(this.state);
        this.sweepPanel.setSweep(this.model.sweep);
        this.rebuild();
        if (this.focusPending) {
          this.panels[this.focusPending].focus();
          this.focusPending = null;
        }
        return;
      case 'run':
        if (change.added) this.rebuild();
        else this.redraw(true);
        return;
      case 'append': {
        const lines = this.lines.get(change.runId);
        lines?.appendSteps(change.steps);
        lines?.appendEvals(change.evals);
        if (this.model.sweep?.trials.some((trial) => trial.runId === change.runId)) this.sweepChanged = true;
        this.redraw(false);
        return;
      }
      case 'schedule':
        this.assignLines();
        return;
      case 'sweep':
        this.sweepPanel.setSweep(this.model.sweep);
        return;
      case 'gradNorms':
        if (change.runId === this.gradNormRunId()) this.gradNormsChanged = true;
        this.redraw(false);
        return;
      case 'none':
        return;
    }
  }

  private changeSettings(patch: Partial<DashboardUiState>): void {
    this.changeState(patch, true);
  }

  // Only the smoothed lines change: each run's lines are smoothed again in place, not rebuilt.
  private changeSmoothing(smoothing: number): void {
    this.state = { ...this.state, smoothing };
    this.host.saveState(this.state);
    for (const lines of this.lines.values()) lines.setSmoothing(smoothing);
    this.assignLines();
  }

  private changeState(patch: Partial<DashboardUiState>, rebuildLines: boolean): void {
    this.state = { ...this.state, ...patch };
    this.host.saveState(this.state);
    if (rebuildLines) {
      for (const kind of CHART_KINDS) this.panels[kind].setOptions(this.chartOptions(kind));
      this.rebuild();
    } else {
      this.redraw(true);
    }
  }

  private get settings(): SeriesSettings {
    return { xAxis: this.state.xAxis, smoothing: this.state.smoothing, log: this.state.log };
  }

  private chartOptions(kind: ChartKind): MetricChartOptions {
    return { xAxis: this.state.xAxis, log: this.state.log[kind], theme: this.theme };
  }

  // Recomputes every visible run's lines from the model (settings changed, or the runs did).
  private rebuild(): void {
    this.lines = visibleRunLines(this.model.runs, this.state.hiddenRuns, this.settings, this.smoothingCache);
    this.assignLines();
  }

  // Hands each chart its lines: raw series first (behind), newest run last (on top), the preview behind all.
  private assignLines(): void {
    const several = this.lines.size > 1;
    for (const kind of CHART_KINDS) {
      const drawn: DrawnLine[] = [];
      for (const [runId, lines] of this.lines) {
        const color = this.colorOf(runId);
        const prefix = several ? `${runTimeLabel(runId).slice(11)} · ` : '';
        for (const line of lines.lines[kind]) drawn.push({ ...line, color, label: `${prefix}${line.metric}` });
      }
      drawn.sort((a, b) => Number(b.role === 'raw') - Number(a.role === 'raw'));
      if (kind === 'lr') {
        const points = this.model.schedule ? previewPoints(this.model.schedule.lrs, this.settings, this.newestLines()?.pace ?? null) : null;
        if (points) drawn.unshift({ key: 'preview', metric: 'schedule preview', role: 'preview', secondary: false, columns: LineColumns.fromPoints(points), color: this.theme.preview, label: 'schedule preview' });
      }
      this.drawn[kind] = drawn;
      this.panels[kind].chart.setLines(drawn);
    }
    this.redraw(true);
  }

  /** Asks for a redraw: `now` for structural changes (everything, next frame), else a live append (rate-limited). */
  private redraw(now: boolean): void {
    this.scheduler.request(now);
  }

  private draw(work: RedrawWork): void {
    const start = performance.now();
    for (const kind of CHART_KINDS) this.drawChart(kind, work.rescale);
    if (this.hoverX !== null) this.hover(this.hoverX);
    if (work.rescale || this.gradNormsChanged) this.drawGradNorms();
    if (this.sweepChanged) {
      this.sweepChanged = false;
      this.sweepPanel.render();
    }
    this.updateText();
    // One user-timing entry, the latest draw's (DevTools' performance panel and `npm run bench:dashboard` read it).
    performance.clearMeasures(DRAW_MEASURE);
    performance.measure(DRAW_MEASURE, { start });
  }

  // The run whose norms the heatmap shows: the last one selected in the run list, else the newest visible one with norms.
  private gradNormRunId(): string | null {
    const visible = this.model.runs.map((run) => run.info.id).filter((id) => !this.state.hiddenRuns.includes(id));
    const selected = [...this.state.selectedRuns].reverse().find((id) => visible.includes(id));
    return selected ?? [...visible].reverse().find((id) => this.model.gradNorms.has(id)) ?? null;
  }

  private drawGradNorms(): void {
    this.gradNormsChanged = false;
    const runId = this.gradNormRunId();
    const run = runId ? this.model.run(runId) : undefined;
    this.gradNormPanel.show(runId ? this.model.gradNorms.get(runId) ?? null : null, runId ? `run ${runId}` : '', run?.info.status === 'running');
  }

  private drawChart(kind: ChartKind, rescale: boolean): void {
    const panel = this.panels[kind];
    panel.setEmptyNote(this.drawn[kind].some((line) => line.columns.length > 0) ? null : emptyChartText(this.model, this.lines.size));
    if (!rescale) {
      panel.chart.refresh();
      return;
    }
    const log = this.state.log[kind];
    let range = robustRange(this.drawn[kind].map((line) => line.columns.ys), this.state.fitAll, { log });
    const clip = this.model.schedule?.gradClip ?? 0;
    if (kind === 'grad-norm') {
      const showClip = clip > 0 && (this.state.fitAll || !range || clip <= CLIP_IN_RANGE * range.max);
      if (showClip) range = includeValues(range, [clip], log);
      panel.chart.setReferences(clip > 0 ? [{ value: clip, label: `clip ${formatTick(clip)}` }] : []);
    }
    panel.chart.setRange(range);
    panel.chart.refresh();
  }

  // Every redraw, like the charts: the header, summaries and run list say the step the charts show.
  private updateText(): void {
    const text = dashboardText(this.model, this.lines);
    for (const kind of CHART_KINDS) this.panels[kind].setSummary(text.summaries[kind], text.busy);
    const newest = this.model.latest;
    this.controls.setConfig(this.model.configName, this.model.configFile);
    this.controls.setStatus(text.status, text.backend, text.busy);
    this.controls.setActiveRun(newest?.info ?? null, this.model.configFile !== null);
    this.runList.render(this.model.runs.map((run) => ({
      run, color: this.colorOf(run.info.id), visible: !this.state.hiddenRuns.includes(run.info.id), selected: this.state.selectedRuns.includes(run.info.id),
    })));
  }

  private hover(x: number | null): void {
    this.hoverX = x;
    for (const kind of CHART_KINDS) {
      const panel = this.panels[kind];
      panel.showReadout(panel.chart.hover(x), x);
    }
  }

  private colorOf(runId: string): string {
    const index = Math.max(0, this.model.runs.findIndex((r) => r.info.id === runId));
    return this.theme.runColors[index % this.theme.runColors.length];
  }

  private newestLines(): RunLines | undefined {
    return [...this.lines.values()].pop();
  }
}
