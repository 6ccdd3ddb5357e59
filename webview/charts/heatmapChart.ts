import { formatNorm, heatColor, heatPosition, logNormRange, type GradNormGrid, type GridColumn, type ParameterRow } from '../../src/engine/train/gradNormGrid';
import { formatTick } from './format';
import type { ChartTheme } from './theme';

/** The cell under the pointer: which parameter, which steps, what norm. */
export interface HeatmapCell {
  parameter: ParameterRow;
  column: GridColumn;
  value: number;
  /** Pixel position of the cell's right edge and top, to place a readout beside it. */
  pixelX: number;
  pixelY: number;
}

const LAYER_LABEL_WIDTH = 72;
const NAME_LABEL_WIDTH = 150;
const LEFT = LAYER_LABEL_WIDTH + NAME_LABEL_WIDTH;
const RIGHT = 76;
const TOP = 6;
const BOTTOM = 34;
const MIN_ROW = 4;
const MAX_ROW = 14;
/** Below this row height only the layers are labelled (a name would not fit). */
const NAMED_ROW = 9;

/**
 * A parameter × step heatmap on a canvas: one row per parameter grouped by layer (layer label, then the name within
 * it), one column per grid column, colour the log of the norm on a viridis scale shown at the right. Free of any
 * VS Code API (the notebook renderer reuses it).
 */
export class HeatmapChart {
  private grid: GradNormGrid | null = null;
  private rowHeight = MAX_ROW;
  private plotWidth = 0;

  constructor(private readonly canvas: HTMLCanvasElement, private theme: ChartTheme, private readonly maxHeight = 420) {}

  setTheme(theme: ChartTheme): void {
    this.theme = theme;
  }

  /** Draws the grid (null: an empty chart) at the canvas's current width. */
  draw(grid: GradNormGrid | null): void {
    this.grid = grid;
    const rows = grid?.parameters.length ?? 0;
    this.rowHeight = rows > 0 ? Math.max(MIN_ROW, Math.min(MAX_ROW, Math.floor((this.maxHeight - TOP - BOTTOM) / rows))) : MAX_ROW;
    const cssWidth = Math.max(LEFT + RIGHT + 40, this.canvas.parentElement?.clientWidth ?? this.canvas.clientWidth);
    const cssHeight = TOP + BOTTOM + Math.max(1, rows) * this.rowHeight;
    const ratio = globalThis.devicePixelRatio || 1;
    this.canvas.width = Math.round(cssWidth * ratio);
    this.canvas.height = Math.round(cssHeight * ratio);
    this.canvas.style.width = `${cssWidth}px`;
    this.canvas.style.height = `${cssHeight}px`;
    this.plotWidth = cssWidth - LEFT - RIGHT;
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.fillStyle = this.theme.background;
    ctx.fillRect(0, 0, cssWidth, cssHeight);
    const range = grid ? logNormRange(grid) : null;
    if (!grid || !range || grid.columns.length === 0) return;
    this.drawCells(ctx, grid, range);
    this.drawLabels(ctx, grid);
    this.drawStepAxis(ctx, grid, cssHeight);
    this.drawScale(ctx, range, cssWidth, rows);
  }

  /** The cell under a pixel of the canvas (CSS pixels), or null outside the plot. */
  cellAt(pixelX: number, pixelY: number): HeatmapCell | null {
    const grid = this.grid;
    if (!grid || grid.columns.length === 0) return null;
    const row = Math.floor((pixelY - TOP) / this.rowHeight);
    const column = Math.floor(((pixelX - LEFT) / this.plotWidth) * grid.columns.length);
    if (row < 0 || row >= grid.parameters.length || column < 0 || column >= grid.columns.length) return null;
    const parameter = grid.parameters[row];
    return {
      parameter, column: grid.columns[column], value: grid.row(parameter.name)[column],
      pixelX: LEFT + ((column + 1) * this.plotWidth) / grid.columns.length, pixelY: TOP + row * this.rowHeight,
    };
  }

  toPng(): string {
    return this.canvas.toDataURL('image/png');
  }

  private drawCells(ctx: CanvasRenderingContext2D, grid: GradNormGrid, range: { min: number; max: number }): void {
    const width = this.plotWidth / grid.columns.length;
    grid.parameters.forEach((parameter, r) => {
      const values = grid.row(parameter.name);
      const y = TOP + r * this.rowHeight;
      for (let c = 0; c < values.length; c++) {
        const value = values[c];
        if (!(value > 0)) continue;
        ctx.fillStyle = heatColor(heatPosition(value, range));
        // Cells overlap by a pixel's fraction so no seam shows between neighbours.
        ctx.fillRect(LEFT + c * width, y, width + 0.5, this.rowHeight);
      }
    });
  }

  private drawLabels(ctx: CanvasRenderingContext2D, grid: GradNormGrid): void {
    const { theme } = this;
    const fontSize = Math.max(9, Math.min(theme.fontSize - 2, this.rowHeight - 2));
    ctx.font = `${fontSize}px ${theme.fontFamily}`;
    ctx.textBaseline = 'middle';
    let previous: string | null = null;
    grid.parameters.forEach((parameter, r) => {
      const y = TOP + r * this.rowHeight;
      if (parameter.layer !== previous) {
        previous = parameter.layer;
        if (r > 0) {
          ctx.strokeStyle = theme.border;
          ctx.beginPath();
          ctx.moveTo(4, y + 0.5);
          ctx.lineTo(LEFT + this.plotWidth, y + 0.5);
          ctx.stroke();
        }
        ctx.fillStyle = theme.foreground;
        ctx.textAlign = 'left';
        ctx.fillText(parameter.layer, 4, y + Math.min(this.rowHeight, 12) / 2 + 1, LAYER_LABEL_WIDTH - 8);
      }
      if (this.rowHeight < NAMED_ROW) return;
      ctx.fillStyle = theme.muted;
      ctx.textAlign = 'right';
      ctx.fillText(parameter.short, LEFT - 6, y + this.rowHeight / 2, NAME_LABEL_WIDTH - 8);
    });
  }

  private drawStepAxis(ctx: CanvasRenderingContext2D, grid: GradNormGrid, height: number): void {
    const { theme } = this;
    const columns = grid.columns;
    const y = height - BOTTOM;
    ctx.fillStyle = theme.muted;
    ctx.strokeStyle = theme.border;
    ctx.font = `${Math.max(10, theme.fontSize - 2)}px ${theme.fontFamily}`;
    ctx.textBaseline = 'top';
    ctx.textAlign = 'center';
    const ticks = Math.max(2, Math.min(8, Math.floor(this.plotWidth / 90)));
    for (let t = 0; t < ticks; t++) {
      const c = Math.round((t * (columns.length - 1)) / (ticks - 1));
      const x = LEFT + ((c + 0.5) * this.plotWidth) / columns.length;
      ctx.beginPath();
      ctx.moveTo(x + 0.5, y);
      ctx.lineTo(x + 0.5, y + 4);
      ctx.stroke();
      ctx.fillText(formatTick(columns[c].lastStep), x, y + 6);
    }
    ctx.fillText('step', LEFT + this.plotWidth / 2, y + 20);
  }

  // The colour scale at the right, labelled with the norms at its ends.
  private drawScale(ctx: CanvasRenderingContext2D, range: { min: number; max: number }, width: number, rows: number): void {
    const x = width - RIGHT + 8;
    const height = Math.max(24, rows * this.rowHeight);
    for (let i = 0; i < height; i++) {
      ctx.fillStyle = heatColor(1 - i / (height - 1));
      ctx.fillRect(x, TOP + i, 10, 1);
    }
    ctx.fillStyle = this.theme.muted;
    ctx.font = `${Math.max(9, this.theme.fontSize - 3)}px ${this.theme.fontFamily}`;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    ctx.fillText(formatNorm(10 ** range.max), x + 14, TOP, RIGHT - 24);
    ctx.textBaseline = 'bottom';
    ctx.fillText(formatNorm(10 ** range.min), x + 14, TOP + height, RIGHT - 24);
  }
}
