import { escapeHtml } from './escape';

/** One line of a chart; points with a non-finite coordinate (or ≤ 0 on a log axis) are left out. */
export interface ChartSeries {
  name: string;
  points: readonly (readonly [number, number])[];
  color: string;
  dashed?: boolean;
  /** Marks at the points without a line between them (events such as clipped steps). */
  marksOnly?: boolean;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  logX?: boolean;
  logY?: boolean;
  /** Vertical marker lines, e.g. a suggested learning rate. */
  markers?: readonly { x: number; label: string }[];
  width?: number;
  height?: number;
}

const MARGIN = { left: 64, right: 16, top: 46, bottom: 44 };

/** Compact labels with at most four significant digits: 0.25, 1235; an axis reaching below 10⁻³ (or to 10⁶) writes all its ticks as 3e-4. */
export function formatTicks(ticks: readonly number[]): string[] {
  const sizes = ticks.filter((t) => t !== 0).map(Math.abs);
  const exponential = sizes.some((a) => a < 1e-3 || a >= 1e6);
  return ticks.map((t) => {
    if (t === 0) return '0';
    if (!exponential) return String(Number(t.toPrecision(4)));
    const [mantissa, exponent] = t.toExponential(2).split('e');
    return `${String(Number(mantissa))}e${Number(exponent)}`;
  });
}

/** About `count` round tick values covering [lo, hi]: steps of 1, 2 or 5 × 10ⁿ, or powers of ten on a log axis. */
export function niceTicks(lo: number, hi: number, count: number, log: boolean): number[] {
  if (log) {
    const ticks: number[] = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) ticks.push(Number(`1e${e}`));
    return ticks.filter((t) => t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9));
  }
  if (hi === lo) return [lo];
  const raw = (hi - lo) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const ratio = raw / magnitude;
  // The 1-2-5 step nearest to the raw step on a log scale (thresholds √2, √10, √50), as d3's ticks.
  const step = magnitude * (ratio >= Math.sqrt(50) ? 10 : ratio >= Math.sqrt(10) ? 5 : ratio >= Math.SQRT2 ? 2 : 1);
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

interface Axis {
  lo: number;
  hi: number;
  log: boolean;
}

function axisOf(values: number[], log: boolean): Axis {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (log) return lo === hi ? { lo: lo / 2, hi: hi * 2, log } : { lo, hi, log };
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    return { lo: lo - pad, hi: hi + pad, log };
  }
  const pad = (hi - lo) * 0.04;
  lo -= pad;
  hi += pad;
  return { lo, hi, log };
}

function scaler(axis: Axis, from: number, to: number): (v: number) => number {
  const f = (v: number) => (axis.log ? Math.log10(v) : v);
  const [a, b] = [f(axis.lo), f(axis.hi)];
  return (v) => from + ((f(v) - a) / (b - a)) * (to - from);
}

const fixed = (v: number) => v.toFixed(1);

/** An inline SVG line chart (no external references, no xmlns: it lives inside HTML). */
export function lineChart(series: readonly ChartSeries[], options: ChartOptions): string {
  const width = options.width ?? 520;
  const height = options.height ?? 260;
  const usable = (p: readonly [number, number]) => Number.isFinite(p[0]) && Number.isFinite(p[1]) && (!options.logX || p[0] > 0) && (!options.logY || p[1] > 0);
  const lines = series.map((s) => ({ ...s, points: s.points.filter(usable) })).filter((s) => s.points.length > 0);
  const title = `<text x="${width / 2}" y="17" text-anchor="middle" class="chart-title">${escapeHtml(options.title)}</text>`;
  const open = `<svg class="chart" role="img" aria-label="${escapeHtml(options.title)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`;
  if (lines.length === 0) {
    return `${open}${title}<text x="${width / 2}" y="${height / 2}" text-anchor="middle" class="chart-empty">no data</text></svg>`;
  }
  const xs = lines.flatMap((s) => s.points.map((p) => p[0]));
  const ys = lines.flatMap((s) => s.points.map((p) => p[1]));
  const xAxis = axisOf(xs, Boolean(options.logX));
  const yAxis = axisOf(ys, Boolean(options.logY));
  const [left, right, top, bottom] = [MARGIN.left, width - MARGIN.right, MARGIN.top, height - MARGIN.bottom];
  const sx = scaler(xAxis, left, right);
  const sy = scaler(yAxis, bottom, top);
  const parts = [open, title, `<rect x="${left}" y="${top}" width="${right - left}" height="${bottom - top}" class="plot"/>`];
  const yTicks = niceTicks(yAxis.lo, yAxis.hi, 5, yAxis.log);
  formatTicks(yTicks).forEach((label, i) => {
    const y = fixed(sy(yTicks[i]));
    parts.push(`<line x1="${left}" x2="${right}" y1="${y}" y2="${y}" class="grid"/><text x="${left - 6}" y="${y}" dy="0.32em" text-anchor="end" class="tick">${label}</text>`);
  });
  const xTicks = niceTicks(xAxis.lo, xAxis.hi, 6, xAxis.log);
  formatTicks(xTicks).forEach((label, i) => {
    const x = fixed(sx(xTicks[i]));
    parts.push(`<line x1="${x}" x2="${x}" y1="${bottom}" y2="${bottom + 4}" class="axis"/><text x="${x}" y="${bottom + 16}" text-anchor="middle" class="tick">${label}</text>`);
  });
  parts.push(`<text x="${(left + right) / 2}" y="${height - 8}" text-anchor="middle" class="axis-label">${escapeHtml(options.xLabel)}</text>`);
  for (const m of options.markers ?? []) {
    if (!usable([m.x, 1]) || m.x < xAxis.lo || m.x > xAxis.hi) continue;
    const x = fixed(sx(m.x));
    parts.push(`<line x1="${x}" x2="${x}" y1="${top}" y2="${bottom}" class="marker"/><text x="${x}" y="${top + 12}" dx="4" class="marker-label">${escapeHtml(m.label)}</text>`);
  }
  for (const s of lines) {
    if (s.marksOnly) {
      for (const [x, y] of s.points) parts.push(`<circle cx="${fixed(sx(x))}" cy="${fixed(sy(y))}" r="2.6" fill="none" stroke="${s.color}" stroke-width="1.3" class="mark"/>`);
      continue;
    }
    const dash = s.dashed ? ' stroke-dasharray="5 3"' : '';
    if (s.points.length === 1) {
      const [x, y] = s.points[0];
      parts.push(`<circle cx="${fixed(sx(x))}" cy="${fixed(sy(y))}" r="3" fill="${s.color}"/>`);
      continue;
    }
    const d = s.points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${fixed(sx(x))},${fixed(sy(y))}`).join('');
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.6"${dash}/>`);
    if (s.points.length <= 40) for (const [x, y] of s.points) parts.push(`<circle cx="${fixed(sx(x))}" cy="${fixed(sy(y))}" r="2.2" fill="${s.color}"/>`);
  }
  lines.forEach((s, i) => {
    const x = left + i * 150;
    const dash = s.dashed ? ' stroke-dasharray="5 3"' : '';
    const swatch = s.marksOnly
      ? `<circle cx="${x + 9}" cy="34" r="2.6" fill="none" stroke="${s.color}" stroke-width="1.3"/>`
      : `<line x1="${x}" x2="${x + 18}" y1="34" y2="34" stroke="${s.color}" stroke-width="2"${dash}/>`;
    parts.push(`${swatch}<text x="${x + 22}" y="34" dy="0.32em" class="legend">${escapeHtml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}
