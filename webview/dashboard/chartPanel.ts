import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import { formatDuration, formatTick, formatValue } from '../charts/format';
import { MetricChart, type HoverReadout, type MetricChartOptions } from '../charts/metricChart';
import type { ChartKind, XAxisMode } from '../charts/series';
import { h, icon, ICONS } from './dom';

interface LegendEntry {
  /** solid / dashed / eval marker / preview dash / threshold. */
  style: 'solid' | 'dashed' | 'eval' | 'preview' | 'threshold' | 'event';
  text: string;
}

interface PanelSpec {
  title: string;
  /** Spoken before the summary, e.g. "Loss chart". */
  description: string;
  legend: LegendEntry[];
}

const PANELS: Record<ChartKind, PanelSpec> = {
  loss: { title: 'Loss', description: 'Loss chart: training loss per step and validation loss where evaluated', legend: [{ style: 'solid', text: 'train' }, { style: 'eval', text: 'validation' }] },
  lr: { title: 'Learning rate', description: 'Learning-rate chart: the rate each step used and the schedule previewed from the config', legend: [{ style: 'solid', text: 'actual' }, { style: 'preview', text: 'schedule preview' }] },
  'grad-norm': {
    title: 'Gradient norm', description: 'Gradient-norm chart: global gradient norm before and after clipping, and the clip threshold',
    legend: [{ style: 'solid', text: 'before clipping' }, { style: 'dashed', text: 'after clipping' }, { style: 'threshold', text: 'clip threshold' }, { style: 'event', text: 'clipped step' }],
  },
  throughput: { title: 'Tokens / s', description: 'Throughput chart: training tokens per second', legend: [{ style: 'solid', text: 'tokens/s' }] },
};

/** What a panel reports back to the dashboard. */
export interface ChartPanelEvents {
  onLogChange(kind: ChartKind, log: boolean): void;
  onSave(kind: ChartKind, dataUrl: string): void;
  /** The pointer is over x (null: it left the plot). */
  onHover(x: number | null): void;
}

/** One chart card: title, legend, log toggle, PNG button, the canvas with a hover readout, and the text summary. */
export class ChartPanel {
  readonly element: HTMLElement;
  readonly chart: MetricChart;
  private readonly summary: HTMLElement;
  private readonly readout: HTMLElement;
  private readonly emptyNote = h('div', { class: 'empty-note', attrs: { hidden: true, 'aria-hidden': 'true' } });
  private readonly logToggle: HTMLElementTagNameMap['vscode-checkbox'];
  private xAxis: XAxisMode;

  constructor(readonly kind: ChartKind, options: MetricChartOptions, events: ChartPanelEvents) {
    const spec = PANELS[kind];
    this.xAxis = options.xAxis;
    const canvas = h('canvas', { attrs: { role: 'img', 'aria-label': spec.description, 'aria-describedby': `summary-${kind}` } });
    this.readout = h('div', { class: 'readout', attrs: { hidden: true, 'aria-hidden': 'true' } });
    this.summary = h('p', { class: 'summary', attrs: { id: `summary-${kind}`, 'aria-live': 'polite', 'data-testid': `summary-${kind}` } });
    this.logToggle = h('vscode-checkbox', { attrs: { label: 'Log scale', 'data-testid': `log-${kind}` } });
    this.logToggle.checked = options.log;
    this.logToggle.addEventListener('change', () => events.onLogChange(kind, this.logToggle.checked));
    const save = h('button', {
      class: 'icon-button', attrs: { type: 'button', title: 'Save as PNG', 'aria-label': `Save the ${spec.title.toLowerCase()} chart as PNG` },
      on: { click: () => events.onSave(kind, this.chart.toPng()) },
    }, [icon(ICONS.save)]);
    const legend = h('ul', { class: 'legend', attrs: { 'aria-label': 'Line styles' } }, spec.legend.map((entry) =>
      h('li', {}, [h('span', { class: `swatch swatch-${entry.style}`, attrs: { 'aria-hidden': 'true' } }), entry.text])));
    const box = h('div', { class: 'canvas-box' }, [canvas, this.emptyNote, this.readout]);
    this.element = h('section', { class: 'chart-card', attrs: { 'data-chart': kind, tabindex: '-1', 'aria-labelledby': `title-${kind}` } }, [
      h('header', { class: 'chart-header' }, [
        h('h2', { attrs: { id: `title-${kind}` }, text: spec.title }), legend, h('span', { class: 'spacer' }), this.logToggle, save,
      ]),
      box,
      this.summary,
    ]);
    this.chart = new MetricChart(canvas, options);
    canvas.addEventListener('mousemove', (event) => events.onHover(this.chart.xAtPixel(event.offsetX, event.offsetY)));
    canvas.addEventListener('mouseleave', () => events.onHover(null));
  }

  setOptions(options: MetricChartOptions): void {
    this.xAxis = options.xAxis;
    this.logToggle.checked = options.log;
    this.chart.setOptions(options);
  }

  /** A note over an empty chart ("No steps yet."); null removes it. */
  setEmptyNote(text: string | null): void {
    this.emptyNote.hidden = text === null;
    if (text !== null && this.emptyNote.textContent !== text) this.emptyNote.textContent = text;
  }

  /** `busy` while a run trains: the words change with every batch, so screen readers announce them once it ends. */
  setSummary(text: string, busy: boolean): void {
    if (this.summary.textContent !== text) this.summary.textContent = text;
    this.summary.setAttribute('aria-busy', String(busy));
  }

  /** Shows the values at the hovered x next to the crosshair (null hides them). */
  showReadout(readout: HoverReadout | null, x: number | null): void {
    const rows = readout?.items.filter((item) => item.line.role !== 'raw') ?? [];
    if (!readout || x === null || rows.length === 0) {
      this.readout.hidden = true;
      return;
    }
    const raw = new Map(readout.items.filter((i) => i.line.role === 'raw').map((i) => [i.line.key.replace(/\/raw$/, ''), i.point.y]));
    const title = this.xAxis === 'step' ? `step ${Math.round(x)}` : this.xAxis === 'tokens' ? `${formatTick(x)} tokens` : formatDuration(x);
    this.readout.replaceChildren(h('div', { class: 'readout-title', text: title }), ...rows.map(({ line, point }) => {
      const rawValue = raw.get(line.key.replace(/\/main$/, ''));
      const color = line.role === 'preview' ? 'var(--vscode-descriptionForeground)' : line.color;
      const swatch = h('span', { class: 'readout-swatch' });
      swatch.style.background = color;
      return h('div', { class: 'readout-row' }, [
        swatch, h('span', { class: 'readout-label', text: line.label }), h('span', { class: 'readout-value', text: formatValue(point.y) }),
        ...(rawValue !== undefined ? [h('span', { class: 'readout-raw', text: `raw ${formatValue(rawValue)}` })] : []),
      ]);
    }));
    this.readout.hidden = false;
    // Beside the crosshair, on the side with more room, placed without measuring it: a measurement here forced a layout
    // of the page for each of the four charts on every pointer move (bench:dashboard --profile: most of the hover's script time).
    const leftHalf = readout.pixelX < readout.width / 2;
    this.readout.style.left = leftHalf ? `${readout.pixelX + 14}px` : '';
    this.readout.style.right = leftHalf ? '' : `${Math.max(0, readout.width - readout.pixelX + 14)}px`;
  }

  /** Scrolls the card into view and outlines it for a moment (Preview Learning-Rate Schedule). */
  focus(): void {
    this.element.scrollIntoView({ block: 'start' });
    this.element.focus({ preventScroll: true });
    this.element.classList.add('flash');
    setTimeout(() => this.element.classList.remove('flash'), 1600);
  }
}
