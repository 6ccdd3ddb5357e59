import { formatNorm, gradNormSummary, type GradNormGrid } from '../../src/engine/train/gradNormGrid';
import { HeatmapChart } from '../charts/heatmapChart';
import type { ChartTheme } from '../charts/theme';
import { h, icon, ICONS } from './dom';

/** The chart's name in messages (PNG export) and test ids. */
export const GRAD_LAYERS_CHART = 'grad-layers';

/**
 * The "Gradient norms by layer" card: the heatmap of one run's per-parameter pre-clip norms, a readout of the cell
 * under the pointer (parameter, steps, norm) and the summary naming the largest norm.
 */
export class GradNormPanel {
  readonly element: HTMLElement;
  private readonly chart: HeatmapChart;
  private readonly canvas = h('canvas', { attrs: { 'data-testid': `heatmap-${GRAD_LAYERS_CHART}`, role: 'img', 'aria-label': 'Gradient norms by layer: every parameter’s pre-clip gradient norm per step, colour on a log scale', 'aria-describedby': `summary-${GRAD_LAYERS_CHART}` } });
  private readonly readout = h('div', { class: 'readout', attrs: { hidden: true, 'aria-hidden': 'true', 'data-testid': `readout-${GRAD_LAYERS_CHART}` } });
  private readonly summary = h('p', { class: 'summary', attrs: { id: `summary-${GRAD_LAYERS_CHART}`, 'aria-live': 'polite', 'data-testid': `summary-${GRAD_LAYERS_CHART}` } });
  private readonly runLabel = h('span', { class: 'chart-subtitle' });
  private readonly emptyNote = h('div', { class: 'empty-note', attrs: { 'aria-hidden': 'true' } });
  private grid: GradNormGrid | null = null;

  constructor(theme: ChartTheme, onSave: (dataUrl: string) => void) {
    this.chart = new HeatmapChart(this.canvas, theme);
    const save = h('button', {
      class: 'icon-button', attrs: { type: 'button', title: 'Save as PNG', 'aria-label': 'Save the gradient norms by layer chart as PNG' },
      on: { click: () => onSave(this.chart.toPng()) },
    }, [icon(ICONS.save)]);
    const box = h('div', { class: 'canvas-box heatmap-box' }, [this.canvas, this.emptyNote, this.readout]);
    this.element = h('section', { class: 'chart-card chart-wide', attrs: { 'data-chart': GRAD_LAYERS_CHART, tabindex: '-1', 'aria-labelledby': `title-${GRAD_LAYERS_CHART}` } }, [
      h('header', { class: 'chart-header' }, [
        h('h2', { attrs: { id: `title-${GRAD_LAYERS_CHART}` }, text: 'Gradient norms by layer' }), this.runLabel, h('span', { class: 'spacer' }), save,
      ]),
      box,
      this.summary,
    ]);
    this.canvas.addEventListener('mousemove', (event) => this.hover(event.offsetX, event.offsetY));
    this.canvas.addEventListener('mouseleave', () => (this.readout.hidden = true));
  }

  setTheme(theme: ChartTheme): void {
    this.chart.setTheme(theme);
  }

  /** Shows one run's grid (null: no run has norms yet); `label` names the run, e.g. "run 20261208-004300-ab12". */
  show(grid: GradNormGrid | null, label: string, busy: boolean): void {
    this.grid = grid;
    this.chart.draw(grid && grid.stepCount > 0 ? grid : null);
    const empty = !grid || grid.stepCount === 0;
    this.emptyNote.hidden = !empty;
    this.emptyNote.textContent = empty ? 'No gradient norms yet: they appear with the first step.' : '';
    this.runLabel.textContent = grid ? label : '';
    const text = grid ? gradNormSummary(grid, label) : 'Gradient norms by layer: no steps yet.';
    if (this.summary.textContent !== text) this.summary.textContent = text;
    this.summary.setAttribute('aria-busy', String(busy));
  }

  private hover(x: number, y: number): void {
    const cell = this.grid ? this.chart.cellAt(x, y) : null;
    if (!cell) {
      this.readout.hidden = true;
      return;
    }
    const { column } = cell;
    const steps = column.firstStep === column.lastStep ? `step ${column.firstStep}` : `steps ${column.firstStep}–${column.lastStep} (largest)`;
    this.readout.replaceChildren(
      h('div', { class: 'readout-title', text: cell.parameter.name }),
      h('div', { class: 'readout-row' }, [h('span', { class: 'readout-label', text: steps }), h('span', { class: 'readout-value', text: Number.isFinite(cell.value) ? formatNorm(cell.value) : '–' })]),
    );
    this.readout.hidden = false;
    const width = this.readout.offsetWidth;
    const boxWidth = this.readout.parentElement?.clientWidth ?? 0;
    this.readout.style.left = `${Math.max(0, cell.pixelX + 10 + width > boxWidth ? x - 14 - width : cell.pixelX + 10)}px`;
    this.readout.style.top = `${Math.max(0, cell.pixelY - 8)}px`;
  }
}
