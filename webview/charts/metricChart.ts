import {
  Chart, LineController, LineElement, LinearScale, LogarithmicScale, PointElement,
  type ChartDataset, type Scale,
} from 'chart.js';
import type { AxisRange } from './autoscale';
import { DecimatedLines } from './decimate';
import { backgroundPlugin, referencePlugin, type ReferenceLine } from './chartPlugins';
import { durationStep, formatDuration, formatTick, isLogTickLabelled } from './format';
import type { LineSeries, Point, XAxisMode } from './series';
import { blend, type ChartTheme } from './theme';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale);

/** A line with the colour and name it is drawn with. */
export interface DrawnLine extends LineSeries {
  color: string;
  /** Name in readouts, e.g. "run 03:15:02 · train". */
  label: string;
}


/** What a chart shows besides its lines. */
export interface MetricChartOptions {
  xAxis: XAxisMode;
  log: boolean;
  theme: ChartTheme;
}

/** The points nearest to a hovered x, one per line, with the crosshair's pixel position. */
export interface HoverReadout {
  pixelX: number;
  /** The chart's width in CSS pixels. */
  width: number;
  items: { line: DrawnLine; point: Point }[];
}

type LineChart = Chart<'line', Point[]>;

const X_TITLES: Record<XAxisMode, string> = { step: 'step', tokens: 'tokens', time: 'wall time' };

/**
 * One metric chart on a canvas, built once and updated in place: lines are given as point columns that the
 * caller keeps growing, so a live append is a `refresh()`, not a rebuild. Chart.js is handed only each line's
 * min-max decimation to twice the chart's width over the shown x range (a few thousand points, however long the
 * run), and hover reads the full columns by binary search, which keeps 10 runs of 100 000 points interactive. Free of any VS Code API (the notebook renderer reuses it).
 */
export class MetricChart {
  private readonly chart: LineChart;
  private lines: DrawnLine[] = [];
  private readonly decimated = new DecimatedLines();
  private references: ReferenceLine[] = [];
  private hoverX: number | null = null;
  /** The crosshair and hover dots live on a canvas above the chart, so hovering never re-rasterizes the chart. */
  private readonly overlay: HTMLCanvasElement;

  /** `canvas` must sit in a positioned container (the overlay canvas is placed over it there). */
  constructor(canvas: HTMLCanvasElement, private options: MetricChartOptions) {
    this.overlay = document.createElement('canvas');
    this.overlay.setAttribute('aria-hidden', 'true');
    Object.assign(this.overlay.style, { position: 'absolute', left: '0', top: '0', pointerEvents: 'none' });
    canvas.after(this.overlay);
    this.chart = new Chart(canvas, {
      type: 'line',
      data: { datasets: [] },
      options: {
        animation: false,
        parsing: false,
        normalized: true,
        spanGaps: true,
        responsive: true,
        maintainAspectRatio: false,
        events: [],
        indexAxis: 'x',
        layout: { padding: { top: 6, right: 10 } },
        plugins: {
          legend: { display: false },
          tooltip: { enabled: false },
        },
        scales: { x: { type: 'linear' }, y: { type: 'linear' } },
      },
      plugins: [backgroundPlugin(() => this.options.theme), referencePlugin(() => this.references, () => this.options.theme), { id: 'losslabHover', afterRender: () => this.drawHover() }],
    });
    this.applyOptions();
  }

  /** Replaces the drawn lines (same chart, new datasets). */
  setLines(lines: DrawnLine[]): void {
    this.lines = lines;
    this.chart.data.datasets = lines.map((line) => this.dataset(line));
  }

  setReferences(references: ReferenceLine[]): void {
    this.references = references;
  }

  setOptions(options: MetricChartOptions): void {
    this.options = options;
    this.applyOptions();
    this.chart.data.datasets = this.lines.map((line) => this.dataset(line));
  }

  /** Fixes the y range (null: chart.js fits every point). */
  setRange(range: AxisRange | null): void {
    const y = this.chart.options.scales?.y;
    if (!y) return;
    y.min = range?.min;
    y.max = range?.max;
  }

  /** Redraws after lines grew or options changed; cheap enough to call for every live batch. */
  refresh(): void {
    this.fitX();
    this.decimate();
    this.chart.update('none');
  }

  // Two points (a bucket's min and max) per CSS pixel of the chart's width, over the x range shown.
  private decimate(): void {
    const x = this.chart.options.scales?.x;
    const xMin = typeof x?.min === 'number' ? x.min : -Infinity;
    const xMax = typeof x?.max === 'number' ? x.max : Infinity;
    const buckets = Math.max(1, Math.ceil(this.chart.width || 600));
    this.lines.forEach((line, i) => {
      const dataset = this.chart.data.datasets[i];
      if (dataset) dataset.data = this.decimated.points(line.columns, xMin, xMax, buckets);
    });
  }

  // Explicit x bounds at the data's extent: ticks then fall on round numbers (chart.js's 'data' bounds start at the first x).
  private fitX(): void {
    const x = this.chart.options.scales?.x;
    if (!x) return;
    let min = Infinity;
    let max = -Infinity;
    for (const { columns } of this.lines) {
      if (columns.length === 0) continue;
      const xs = columns.xs;
      min = Math.min(min, xs[0]);
      max = Math.max(max, xs[xs.length - 1]);
    }
    x.min = min <= max ? min : undefined;
    x.max = min < max ? max : min === max ? min + 1 : undefined;
    // Wall time ticks fall on clock-friendly spacings (30 s, 5 min, 1 h) rather than chart.js's decimal ones.
    if (x.type === 'linear' && x.ticks) x.ticks.stepSize = this.options.xAxis === 'time' && min < max ? durationStep(max - min) : undefined;
  }

  /** The x value under a pixel of the canvas, or null outside the plot area. */
  xAtPixel(pixelX: number, pixelY: number): number | null {
    const area = this.chart.chartArea;
    if (!area || pixelX < area.left || pixelX > area.right || pixelY < area.top || pixelY > area.bottom) return null;
    return this.chart.scales.x.getValueForPixel(pixelX) ?? null;
  }

  /** Highlights the points nearest to x in every line (null clears); returns what is highlighted. */
  hover(x: number | null): HoverReadout | null {
    this.hoverX = x;
    return this.drawHover();
  }

  /** The chart as a PNG data URL, on the theme's background. */
  toPng(): string {
    return this.chart.toBase64Image('image/png', 1);
  }

  destroy(): void {
    this.chart.destroy();
    this.overlay.remove();
  }

  private readout(x: number): HoverReadout | null {
    const scale = this.chart.scales.x;
    if (x < scale.min || x > scale.max) return null;
    const items: HoverReadout['items'] = [];
    for (const line of this.lines) {
      // Events mark their own steps: the nearest one may be far from the pointer.
      if (line.role === 'event') continue;
      const index = line.columns.nearestIndex(x);
      if (index >= 0) items.push({ line, point: line.columns.point(index) });
    }
    return { pixelX: scale.getPixelForValue(x), width: this.chart.width, items };
  }

  private applyOptions(): void {
    const { theme, log, xAxis } = this.options;
    const font = { family: theme.fontFamily, size: Math.max(10, theme.fontSize - 2) };
    const grid = { color: theme.grid, tickColor: theme.grid };
    const border = { color: theme.border };
    const y = this.chart.options.scales?.y;
    const bound = (v: unknown) => (typeof v === 'number' ? v : undefined);
    this.chart.options.scales = {
      x: {
        type: 'linear', grid, border,
        title: { display: true, text: X_TITLES[xAxis], color: theme.muted, font, padding: 2 },
        ticks: { color: theme.muted, font, maxRotation: 0, autoSkipPadding: 12, includeBounds: false, callback: (v) => (xAxis === 'time' ? formatDuration(Number(v)) : formatTick(Number(v))) },
      },
      y: {
        type: log ? 'logarithmic' : 'linear', min: bound(y?.min), max: bound(y?.max), grid, border,
        ticks: {
          color: theme.muted, font, autoSkipPadding: 8, includeBounds: false, autoSkip: !log,
          callback(this: Scale, v) {
            const value = Number(v);
            return !log || isLogTickLabelled(value, Math.log10(this.max / this.min)) ? formatTick(value) : '';
          },
        },
      },
    };
    this.chart.options.color = theme.foreground;
  }

  private dataset(line: DrawnLine): ChartDataset<'line', Point[]> {
    const { theme } = this.options;
    // Bevel joins: a decimated noisy line turns sharply at every point, and round joins there cost the canvas's raster
    // most of the first render's paint (bench:dashboard, 10 runs); at 1-2 px the two look alike.
    const base = {
      label: line.label, data: this.decimated.latest(line.columns), pointRadius: 0, pointHoverRadius: 0, pointHitRadius: 0,
      borderJoinStyle: 'bevel' as const, fill: false, tension: 0,
    };
    switch (line.role) {
      case 'raw':
        return { ...base, borderColor: blend(line.color, theme.background, theme.rawAlpha), borderWidth: 1 };
      case 'main':
        return { ...base, borderColor: line.color, borderWidth: 1.75, borderDash: line.secondary ? [5, 3] : [] };
      case 'eval':
        return {
          ...base, borderColor: line.color, borderWidth: 1.5, borderDash: [2, 3], pointRadius: 3,
          pointStyle: 'rectRot', pointBackgroundColor: theme.background, pointBorderColor: line.color, pointBorderWidth: 1.5,
        };
      case 'preview':
        return { ...base, borderColor: theme.preview, borderWidth: 1.5, borderDash: [6, 4] };
      case 'event':
        return { ...base, showLine: false, pointRadius: 3, pointStyle: 'crossRot', pointBorderColor: theme.threshold, pointBorderWidth: 1.5 };
    }
  }

  // The linked-hover crosshair with a dot on each line, on the overlay canvas (sized like the chart's).
  private drawHover(): HoverReadout | null {
    // Chart.js renders once inside its constructor, before `this.chart` is assigned, when the canvas is already laid out.
    if (!this.chart) return null;
    const { canvas, chartArea: area, scales } = this.chart;
    const overlay = this.overlay;
    if (overlay.width !== canvas.width || overlay.height !== canvas.height) {
      overlay.width = canvas.width;
      overlay.height = canvas.height;
      overlay.style.width = canvas.style.width;
      overlay.style.height = canvas.style.height;
    }
    const ctx = overlay.getContext('2d');
    if (!ctx) return null;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, overlay.width, overlay.height);
    const readout = this.hoverX === null || !area ? null : this.readout(this.hoverX);
    if (!readout) return null;
    const { theme } = this.options;
    const ratio = this.chart.currentDevicePixelRatio;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.beginPath();
    ctx.rect(area.left, area.top, area.right - area.left, area.bottom - area.top);
    ctx.clip();
    ctx.strokeStyle = theme.crosshair;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(Math.round(readout.pixelX) + 0.5, area.top);
    ctx.lineTo(Math.round(readout.pixelX) + 0.5, area.bottom);
    ctx.stroke();
    for (const { line, point } of readout.items) {
      if (line.role === 'raw') continue;
      const py = scales.y.getPixelForValue(point.y);
      if (!Number.isFinite(py)) continue;
      ctx.beginPath();
      ctx.arc(scales.x.getPixelForValue(point.x), py, 3.5, 0, 2 * Math.PI);
      ctx.fillStyle = line.role === 'preview' ? theme.preview : line.color;
      ctx.strokeStyle = theme.background;
      ctx.lineWidth = 1.5;
      ctx.fill();
      ctx.stroke();
    }
    return readout;
  }
}
