import {
  Chart, Decimation, LineController, LineElement, LinearScale, LogarithmicScale, PointElement,
  type ChartDataset, type Plugin, type Scale,
} from 'chart.js';
import type { AxisRange } from './autoscale';
import { durationStep, formatDuration, formatTick, isLogTickLabelled } from './format';
import { nearestIndex, type LineSeries, type Point, type XAxisMode } from './series';
import { blend, type ChartTheme } from './theme';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Decimation);

/** A line with the colour and name it is drawn with. */
export interface DrawnLine extends LineSeries {
  color: string;
  /** Name in readouts, e.g. "run 03:15:02 · train". */
  label: string;
}

/** A horizontal reference line, e.g. the clip threshold. */
export interface ReferenceLine {
  value: number;
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
 * One metric chart on a canvas, built once and updated in place: lines are given as point arrays that the
 * caller keeps growing, so a live append is a `refresh()`, not a rebuild. LTTB decimation, no parsing and no
 * animation keep 100 000 points per line interactive. Free of any VS Code API (the notebook renderer reuses it).
 */
export class MetricChart {
  private readonly chart: LineChart;
  private lines: DrawnLine[] = [];
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
          decimation: { enabled: true, algorithm: 'lttb' },
          legend: { display: false },
          tooltip: { enabled: false },
        },
        scales: { x: { type: 'linear' }, y: { type: 'linear' } },
      },
      plugins: [this.backgroundPlugin(), this.referencePlugin(), { id: 'losslabHover', afterRender: () => this.drawHover() }],
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
    this.chart.update('none');
  }

  // Explicit x bounds at the data's extent: ticks then fall on round numbers (chart.js's 'data' bounds start at the first x).
  private fitX(): void {
    const x = this.chart.options.scales?.x;
    if (!x) return;
    let min = Infinity;
    let max = -Infinity;
    for (const { points } of this.lines) {
      if (points.length === 0) continue;
      min = Math.min(min, points[0].x);
      max = Math.max(max, points[points.length - 1].x);
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
      const index = nearestIndex(line.points, x);
      if (index >= 0) items.push({ line, point: line.points[index] });
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
    const base = {
      label: line.label, data: line.points, pointRadius: 0, pointHoverRadius: 0, pointHitRadius: 0,
      borderJoinStyle: 'round' as const, fill: false, tension: 0,
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

  private backgroundPlugin(): Plugin<'line'> {
    return {
      id: 'losslabBackground',
      beforeDraw: (chart) => {
        const { ctx, width, height } = chart;
        ctx.save();
        ctx.fillStyle = this.options.theme.background;
        ctx.fillRect(0, 0, width, height);
        ctx.restore();
      },
    };
  }

  // Horizontal reference lines (the clip threshold), drawn into the chart so a saved PNG has them.
  private referencePlugin(): Plugin<'line'> {
    return {
      id: 'losslabReferences',
      afterDatasetsDraw: (chart) => {
        const { ctx, chartArea: area, scales } = chart;
        const { theme } = this.options;
        ctx.save();
        ctx.font = `${Math.max(10, theme.fontSize - 2)}px ${theme.fontFamily}`;
        ctx.strokeStyle = theme.threshold;
        ctx.fillStyle = theme.threshold;
        ctx.lineWidth = 1;
        ctx.setLineDash([3, 3]);
        ctx.textAlign = 'right';
        for (const reference of this.references) {
          const py = scales.y.getPixelForValue(reference.value);
          if (!Number.isFinite(py) || py < area.top - 1 || py > area.bottom + 1) continue;
          ctx.beginPath();
          ctx.moveTo(area.left, py);
          ctx.lineTo(area.right, py);
          ctx.stroke();
          const nearTop = py - area.top < 14;
          ctx.textBaseline = nearTop ? 'top' : 'bottom';
          ctx.fillText(reference.label, area.right - 4, py + (nearTop ? 3 : -3));
        }
        ctx.restore();
      },
    };
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
