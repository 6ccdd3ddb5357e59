import { formatNorm, heatColor, heatPosition, logNormRange, type GradNormGrid } from '../../engine/train/gradNormGrid';
import { escapeHtml } from './escape';
import { formatTicks, niceTicks } from './svgChart';

const LEFT = 230;
const RIGHT = 80;
const TOP = 30;
const BOTTOM = 40;
const ROW = 12;
const SCALE_BANDS = 24;

/**
 * The per-parameter gradient norms as an inline SVG heatmap (no scripts, no external references): a row per
 * parameter in layer order, labelled with its layer and name, a column per grid column, colour the log of the norm.
 * Each cell's <title> holds the parameter, steps and norm (a browser shows it on hover).
 */
export function gradNormHeatmap(grid: GradNormGrid, options: { width?: number; title?: string } = {}): string {
  const width = options.width ?? 1040;
  const title = options.title ?? 'Gradient norms by layer (pre-clip, log colour scale)';
  const rows = grid.parameters;
  const range = logNormRange(grid);
  const height = TOP + BOTTOM + Math.max(1, rows.length) * ROW;
  const open = `<svg class="chart heatmap" role="img" aria-label="${escapeHtml(title)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`;
  const heading = `<text x="${LEFT}" y="17" class="chart-title">${escapeHtml(title)}</text>`;
  if (!range || grid.columns.length === 0) return `${open}${heading}<text x="${width / 2}" y="${height / 2}" text-anchor="middle" class="chart-empty">no gradient norms recorded</text></svg>`;
  const plotWidth = width - LEFT - RIGHT;
  const cell = plotWidth / grid.columns.length;
  const parts = [open, heading];
  let layer: string | null = null;
  rows.forEach((row, r) => {
    const y = TOP + r * ROW;
    if (row.layer !== layer) {
      layer = row.layer;
      if (r > 0) parts.push(`<line x1="4" x2="${LEFT + plotWidth}" y1="${y}" y2="${y}" class="axis"/>`);
      parts.push(`<text x="4" y="${y + ROW / 2}" dy="0.32em" class="legend">${escapeHtml(row.layer)}</text>`);
    }
    parts.push(`<text x="${LEFT - 6}" y="${y + ROW / 2}" dy="0.32em" text-anchor="end" class="tick">${escapeHtml(row.short)}</text>`);
    grid.row(row.name).forEach((value, c) => {
      if (!(value > 0)) return;
      const { firstStep, lastStep } = grid.columns[c];
      const steps = firstStep === lastStep ? `step ${firstStep}` : `steps ${firstStep}–${lastStep}`;
      parts.push(`<rect x="${(LEFT + c * cell).toFixed(2)}" y="${y}" width="${(cell + 0.3).toFixed(2)}" height="${ROW}" fill="${heatColor(heatPosition(value, range))}"><title>${escapeHtml(`${row.name}, ${steps}: ${formatNorm(value)}`)}</title></rect>`);
    });
  });
  const bottom = TOP + rows.length * ROW;
  const first = grid.columns[0].lastStep;
  const last = grid.columns[grid.columns.length - 1].lastStep;
  const ticks = niceTicks(first, Math.max(first + 1, last), 6, false).filter((t) => t >= first && t <= last);
  const xOf = (step: number) => LEFT + ((step - first) / Math.max(1, last - first)) * (plotWidth - cell) + cell / 2;
  formatTicks(ticks).forEach((label, i) => {
    const x = xOf(ticks[i]).toFixed(1);
    parts.push(`<line x1="${x}" x2="${x}" y1="${bottom}" y2="${bottom + 4}" class="axis"/><text x="${x}" y="${bottom + 16}" text-anchor="middle" class="tick">${label}</text>`);
  });
  parts.push(`<text x="${LEFT + plotWidth / 2}" y="${height - 6}" text-anchor="middle" class="axis-label">step</text>`);
  const scaleX = width - RIGHT + 10;
  // The scale in bands, not a gradient: a url(#id) reference is one thing the report's readers need not trust.
  const band = (bottom - TOP) / SCALE_BANDS;
  for (let i = 0; i < SCALE_BANDS; i++) parts.push(`<rect x="${scaleX}" y="${(TOP + i * band).toFixed(2)}" width="10" height="${(band + 0.3).toFixed(2)}" fill="${heatColor(1 - i / (SCALE_BANDS - 1))}"/>`);
  parts.push(`<text x="${scaleX + 14}" y="${TOP}" dy="0.8em" class="tick">${formatNorm(10 ** range.max)}</text>`);
  parts.push(`<text x="${scaleX + 14}" y="${bottom}" class="tick">${formatNorm(10 ** range.min)}</text>`);
  parts.push('</svg>');
  return parts.join('');
}
