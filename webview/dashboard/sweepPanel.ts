import type { SweepTrialView, SweepView } from '../../src/protocol/dashboard';
import type { EvalColumns, StepColumns } from '../../src/protocol/metricColumns';
import { formatValue } from '../charts/format';
import { LineColumns } from '../charts/lineColumns';
import { MetricChart, type DrawnLine } from '../charts/metricChart';
import { axisPosition, formatSweepValue, sortTrials, valueAxis, valueColor, type SweepSortKey, type ValueAxis } from '../charts/sweepScale';
import { blend, type ChartTheme } from '../charts/theme';
import { h } from './dom';

/** What the sweep view asks of the dashboard. */
export interface SweepPanelEvents {
  /** A trial's run's metrics (the dashboard holds every run of the config, trials included). */
  series(runId: string): { steps: StepColumns; evals: EvalColumns } | undefined;
  /** Open VS Code's diff of the two runs' resolved configs. */
  openDiff(runA: string, runB: string): void;
}

const SVG = 'http://www.w3.org/2000/svg';
const SCATTER = { width: 240, height: 170, left: 46, right: 10, top: 10, bottom: 34 };
const PARALLEL = { height: 220, top: 24, bottom: 30, side: 60 };

function svg(tag: string, attrs: Record<string, string | number>, children: (Node | string)[] = []): SVGElement {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  element.append(...children);
  return element;
}

const trialLabel = (trial: SweepTrialView) => `trial ${trial.index + 1}`;

/**
 * The sweep view: every trial's metric curve overlaid and coloured by a chosen swept key, the final metric against
 * each key (log axis for keys spanning more than a decade), parallel coordinates when two or more keys are swept,
 * and a sortable table. Clicking a trial (row, curve point, scatter dot or line) focuses it: its curve is drawn on
 * top, the others dimmed, and its config can be diffed against the best trial's.
 */
export class SweepPanel {
  readonly element: HTMLElement;
  private readonly status = h('p', { class: 'sweep-status', attrs: { 'data-testid': 'sweep-status', 'aria-live': 'polite' } });
  private readonly colorBy = h('select', { attrs: { 'data-testid': 'sweep-color-by', 'aria-label': 'Colour the trials by' } });
  private readonly chart: MetricChart;
  private readonly scatter = h('div', { class: 'sweep-scatter', attrs: { 'data-testid': 'sweep-scatter' } });
  private readonly parallel = h('div', { class: 'sweep-parallel', attrs: { 'data-testid': 'sweep-parallel' } });
  private readonly table = h('table', { class: 'sweep-table', attrs: { 'data-testid': 'sweep-table' } });
  private readonly focusText = h('span', { class: 'sweep-focus', attrs: { 'data-testid': 'sweep-focus' } });
  private readonly diffButton = h('button', { class: 'sweep-button', attrs: { type: 'button', 'data-testid': 'sweep-diff', disabled: true }, text: 'Open config diff against the best' });
  private sweep: SweepView | null = null;
  private focused: number | null = null;
  private sortBy: SweepSortKey = { kind: 'metric' };
  private descending = false;

  constructor(private theme: ChartTheme, private readonly events: SweepPanelEvents) {
    const canvas = h('canvas', { attrs: { role: 'img', 'aria-label': 'The trials’ curves of the sweep’s metric, coloured by the chosen key', 'aria-describedby': 'sweep-status' } });
    const box = h('div', { class: 'canvas-box' }, [canvas]);
    this.colorBy.addEventListener('change', () => this.render());
    this.diffButton.addEventListener('click', () => this.openDiff());
    this.element = h('section', { class: 'chart-card chart-wide sweep-card', attrs: { 'data-chart': 'sweep', hidden: true, 'aria-labelledby': 'title-sweep', 'data-testid': 'sweep-view' } }, [
      h('header', { class: 'chart-header' }, [
        h('h2', { attrs: { id: 'title-sweep' }, text: 'Sweep' }), h('span', { class: 'spacer' }),
        h('label', { class: 'sweep-label', text: 'Colour by ' }, [this.colorBy]),
      ]),
      this.status,
      h('div', { class: 'sweep-grid' }, [box, this.scatter]),
      this.parallel,
      h('div', { class: 'sweep-actions' }, [this.focusText, this.diffButton]),
      h('div', { class: 'sweep-table-box' }, [this.table]),
    ]);
    this.chart = new MetricChart(canvas, { xAxis: 'step', log: false, theme });
  }

  setTheme(theme: ChartTheme): void {
    this.theme = theme;
    this.chart.setOptions({ xAxis: 'step', log: false, theme });
  }

  /** Shows a sweep (null hides the view); the focused trial and sort order survive updates of the same sweep. */
  setSweep(sweep: SweepView | null): void {
    if (sweep?.sweepId !== this.sweep?.sweepId) this.focused = null;
    this.sweep = sweep;
    this.element.hidden = sweep === null;
    if (!sweep) return;
    const keys = sweep.parameters;
    const options = [...this.colorBy.options].map((o) => o.value);
    if (options.join('\n') !== keys.join('\n')) {
      const chosen = keys.includes(this.colorBy.value) ? this.colorBy.value : keys[0];
      this.colorBy.replaceChildren(...keys.map((key) => h('option', { attrs: { value: key }, text: key })));
      if (chosen) this.colorBy.value = chosen;
    }
    this.render();
  }

  /** Redraws everything from the current sweep and the runs' metrics (new steps of a training trial). */
  render(): void {
    const sweep = this.sweep;
    if (!sweep) return;
    const key = this.colorBy.value;
    const axis = valueAxis(sweep.trials, key);
    const color = (trial: SweepTrialView) => valueColor(axis, trial.values[key]);
    this.status.textContent = statusText(sweep);
    this.drawCurves(sweep, color);
    this.drawScatter(sweep, color);
    this.drawParallel(sweep, color);
    this.drawTable(sweep, color);
    const focused = this.focusedTrial();
    const best = sweep.trials.find((trial) => trial.runId !== null && trial.runId === sweep.bestRunId);
    this.focusText.textContent = focused ? focusText(sweep, focused, best) : 'Click a trial to focus it.';
    this.diffButton.disabled = !(focused?.runId && best?.runId && focused.runId !== best.runId);
  }

  private focusedTrial(): SweepTrialView | undefined {
    return this.sweep?.trials.find((trial) => trial.index === this.focused);
  }

  private focus(index: number): void {
    this.focused = this.focused === index ? null : index;
    this.render();
  }

  private openDiff(): void {
    const focused = this.focusedTrial();
    const best = this.sweep?.bestRunId;
    if (focused?.runId && best) this.events.openDiff(focused.runId, best);
  }

  // A dimmed colour for the trials not focused (when one is).
  private shade(trial: SweepTrialView, color: string): string {
    return this.focused === null || this.focused === trial.index ? color : blend(color, this.theme.background, 0.3);
  }

  private drawCurves(sweep: SweepView, color: (trial: SweepTrialView) => string): void {
    const lines: DrawnLine[] = [];
    for (const trial of sweep.trials) {
      const series = trial.runId ? this.events.series(trial.runId) : undefined;
      if (!series) continue;
      const columns = new LineColumns();
      if (sweep.metric === 'val_loss') columns.appendDrawable(series.evals.step, series.evals.val_loss, false);
      else columns.appendDrawable(series.steps.step, series.steps.loss, false);
      const focused = this.focused === trial.index;
      lines.push({
        key: `trial-${trial.index}`, metric: sweep.metric, role: sweep.metric === 'val_loss' ? 'eval' : 'main', secondary: false, columns,
        color: this.shade(trial, color(trial)), label: `${trialLabel(trial)}${focused ? ' (focused)' : ''}`,
      });
    }
    // The focused trial is drawn last, on top.
    lines.sort((a, b) => Number(a.label.endsWith('(focused)')) - Number(b.label.endsWith('(focused)')));
    this.chart.setLines(lines);
    this.chart.refresh();
  }

  private drawScatter(sweep: SweepView, color: (trial: SweepTrialView) => string): void {
    const measured = sweep.trials.filter((trial) => trial.metric !== null && Number.isFinite(trial.metric));
    const metrics = measured.map((trial) => trial.metric as number);
    const [low, high] = metrics.length ? [Math.min(...metrics), Math.max(...metrics)] : [0, 1];
    const pad = (high - low) * 0.08 || Math.abs(high) * 0.05 || 1;
    const { width, height, left, right, top, bottom } = SCATTER;
    const y = (metric: number) => top + (1 - (metric - (low - pad)) / (high - low + 2 * pad)) * (height - top - bottom);
    this.scatter.replaceChildren(...sweep.parameters.map((key) => {
      const axis = valueAxis(sweep.trials, key);
      const x = (trial: SweepTrialView) => left + 8 + axisPosition(axis, trial.values[key]) * (width - left - right - 16);
      const ticks = axisTicks(axis);
      return svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'sweep-plot', 'data-key': key, 'aria-label': `Final ${sweep.metric} against ${key}${axis.kind === 'numeric' && axis.log ? ' (log axis)' : ''}` }, [
        svg('rect', { x: left, y: top, width: width - left - right, height: height - top - bottom, class: 'plot-area' }),
        ...[low, high].map((v) => svg('text', { x: left - 4, y: y(v), 'text-anchor': 'end', 'dominant-baseline': 'middle', class: 'tick' }, [formatValue(v)])),
        ...ticks.map(({ value, label }) => svg('text', { x: left + 8 + axisPosition(axis, value) * (width - left - right - 16), y: height - bottom + 13, 'text-anchor': 'middle', class: 'tick' }, [label])),
        svg('text', { x: (left + width - right) / 2, y: height - 4, 'text-anchor': 'middle', class: 'axis-title' }, [`${key}${axis.kind === 'numeric' && axis.log ? ' (log)' : ''}`]),
        ...measured.map((trial) => {
          const dot = svg('circle', {
            cx: x(trial), cy: y(trial.metric as number), r: this.focused === trial.index ? 6 : 4, fill: this.shade(trial, color(trial)),
            class: this.focused === trial.index ? 'dot focused' : 'dot', 'data-trial': trial.index,
          }, [svg('title', {}, [`${trialLabel(trial)}: ${key} ${formatSweepValue(trial.values[key])}, ${sweep.metric} ${formatValue(trial.metric as number)}`])]);
          dot.addEventListener('click', () => this.focus(trial.index));
          return dot;
        }),
      ]);
    }));
  }

  // Parallel coordinates: an axis per swept key and one for the metric, a polyline per trial.
  private drawParallel(sweep: SweepView, color: (trial: SweepTrialView) => string): void {
    this.parallel.hidden = sweep.parameters.length < 2;
    if (this.parallel.hidden) return this.parallel.replaceChildren();
    const width = Math.max(360, this.parallel.clientWidth || 720);
    const { height, top, bottom, side } = PARALLEL;
    const metricValues = sweep.trials.map((t) => t.metric).filter((m): m is number => m !== null && Number.isFinite(m));
    const metricAxis: ValueAxis = metricValues.length ? { kind: 'numeric', min: Math.min(...metricValues), max: Math.max(...metricValues), log: false } : { kind: 'numeric', min: 0, max: 1, log: false };
    const axes = [...sweep.parameters.map((key) => ({ title: key, axis: valueAxis(sweep.trials, key), value: (t: SweepTrialView) => t.values[key] as number | string | boolean | undefined })),
      { title: sweep.metric, axis: metricAxis, value: (t: SweepTrialView) => (t.metric === null ? undefined : t.metric) }];
    const ax = (i: number) => side + (i * (width - 2 * side)) / (axes.length - 1);
    const ay = (position: number) => top + (1 - position) * (height - top - bottom);
    const children: SVGElement[] = [];
    axes.forEach(({ title, axis }, i) => {
      children.push(svg('line', { x1: ax(i), x2: ax(i), y1: top, y2: height - bottom, class: 'axis-line' }));
      children.push(svg('text', { x: ax(i), y: height - bottom + 16, 'text-anchor': 'middle', class: 'axis-title' }, [`${title}${axis.kind === 'numeric' && axis.log ? ' (log)' : ''}`]));
      for (const { value, label } of axisTicks(axis)) children.push(svg('text', { x: ax(i) - 5, y: ay(axisPosition(axis, value)), 'text-anchor': 'end', 'dominant-baseline': 'middle', class: 'tick' }, [label]));
    });
    const ordered = [...sweep.trials].sort((a, b) => Number(a.index === this.focused) - Number(b.index === this.focused));
    for (const trial of ordered) {
      const points = axes.map(({ axis, value }, i) => [ax(i), ay(axisPosition(axis, value(trial)))] as const).filter(([, py]) => Number.isFinite(py));
      if (points.length < 2) continue;
      const line = svg('polyline', {
        points: points.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(' '), fill: 'none', stroke: this.shade(trial, color(trial)),
        'stroke-width': this.focused === trial.index ? 3 : 1.6, class: 'trial-line', 'data-trial': trial.index,
      }, [svg('title', {}, [`${trialLabel(trial)}: ${sweep.parameters.map((k) => `${k} ${formatSweepValue(trial.values[k])}`).join(', ')}`])]);
      line.addEventListener('click', () => this.focus(trial.index));
      children.push(line);
    }
    this.parallel.replaceChildren(svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'Parallel coordinates: each trial’s swept values and its metric' }, children));
  }

  private drawTable(sweep: SweepView, color: (trial: SweepTrialView) => string): void {
    const columns: { label: string; sort: SweepSortKey }[] = [
      { label: '#', sort: { kind: 'index' } }, { label: 'status', sort: { kind: 'status' } },
      ...sweep.parameters.map((key) => ({ label: key, sort: { kind: 'value', key } as SweepSortKey })), { label: sweep.metric, sort: { kind: 'metric' } },
    ];
    const sameSort = (sort: SweepSortKey) => sort.kind === this.sortBy.kind && (sort.kind !== 'value' || (this.sortBy.kind === 'value' && sort.key === this.sortBy.key));
    const head = h('tr', {}, columns.map(({ label, sort }) => {
      const active = sameSort(sort);
      const button = h('button', { class: 'sort-button', attrs: { type: 'button', 'data-testid': `sweep-sort-${label}` }, text: `${label}${active ? (this.descending ? ' ▼' : ' ▲') : ''}` });
      button.addEventListener('click', () => {
        this.descending = active ? !this.descending : false;
        this.sortBy = sort;
        this.render();
      });
      return h('th', { attrs: { 'aria-sort': active ? (this.descending ? 'descending' : 'ascending') : 'none' } }, [button]);
    }));
    const rows = sortTrials(sweep.trials, this.sortBy, this.descending).map((trial) => {
      const best = trial.runId !== null && trial.runId === sweep.bestRunId;
      const swatch = h('span', { class: 'readout-swatch' });
      swatch.style.background = color(trial);
      const row = h('tr', { class: `${this.focused === trial.index ? 'focused' : ''}${best ? ' best' : ''}`.trim(), attrs: { 'data-testid': `sweep-trial-${trial.index + 1}`, tabindex: '0', 'aria-selected': String(this.focused === trial.index) } }, [
        h('td', {}, [swatch, String(trial.index + 1)]), h('td', { text: `${trial.status}${best ? ' (best)' : ''}` }),
        ...sweep.parameters.map((key) => h('td', { text: formatSweepValue(trial.values[key]) })),
        h('td', { text: trial.metric === null ? '–' : formatValue(trial.metric) }),
      ]);
      row.addEventListener('click', () => this.focus(trial.index));
      row.addEventListener('keydown', (event) => {
        if (event.key === 'Enter' || event.key === ' ') this.focus(trial.index);
      });
      return row;
    });
    this.table.replaceChildren(h('thead', {}, [head]), h('tbody', {}, rows));
  }
}

function statusText(sweep: SweepView): string {
  const counts = new Map<string, number>();
  for (const trial of sweep.trials) counts.set(trial.status, (counts.get(trial.status) ?? 0) + 1);
  const tally = [...counts].map(([status, n]) => `${n} ${status}`).join(', ');
  const best = sweep.trials.find((trial) => trial.runId !== null && trial.runId === sweep.bestRunId);
  const bestText = best && best.metric !== null ? ` Best ${sweep.metric} ${formatValue(best.metric)}: ${trialLabel(best)} (${valuesText(sweep, best)}).` : '';
  return `Sweep ${sweep.sweepId} (${sweep.method}, ${sweep.status}): ${sweep.trials.length} trials over ${sweep.parameters.join(', ')} — ${tally}.${bestText}${sweep.message ? ` ${sweep.message}` : ''}`;
}

function valuesText(sweep: SweepView, trial: SweepTrialView): string {
  return sweep.parameters.map((key) => `${key} ${formatSweepValue(trial.values[key])}`).join(', ');
}

function focusText(sweep: SweepView, trial: SweepTrialView, best: SweepTrialView | undefined): string {
  const metric = trial.metric === null ? `no ${sweep.metric} yet` : `${sweep.metric} ${formatValue(trial.metric)}`;
  const versus = best && best !== trial && best.metric !== null && trial.metric !== null ? ` (${formatValue(trial.metric - best.metric)} from the best, ${trialLabel(best)})` : best === trial ? ' (the best)' : '';
  return `Focused: ${trialLabel(trial)} — ${valuesText(sweep, trial)}; ${metric}${versus}.`;
}

// A few labelled values of an axis: its ends (and the decades between, on a log axis), or every category.
function axisTicks(axis: ValueAxis): { value: number | string; label: string }[] {
  if (axis.kind === 'category') return axis.categories.map((c) => ({ value: c, label: c }));
  if (axis.min === axis.max) return [{ value: axis.min, label: formatSweepValue(axis.min) }];
  const ends = [axis.min, axis.max];
  if (!axis.log) return ends.map((v) => ({ value: v, label: formatSweepValue(v) }));
  const decades: number[] = [];
  for (let e = Math.ceil(Math.log10(axis.min)); e <= Math.floor(Math.log10(axis.max)); e++) decades.push(10 ** e);
  return [...new Set([axis.min, ...decades, axis.max])].map((v) => ({ value: v, label: formatSweepValue(v) }));
}
