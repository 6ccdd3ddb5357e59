import type { LineColumns } from './lineColumns';
import type { Point } from './series';

/**
 * Min-max decimation of a line to the points worth drawing between `xMin` and `xMax`: the x range is cut into
 * `buckets` equal slices and each slice keeps its lowest and highest point, in x order, so every spike and dip of the
 * full line is still drawn. The first and last points of the range, and one point on each side of it (so the line
 * enters and leaves the plot), are kept too. A range with at most 2 × `buckets` points is returned whole.
 */
export function decimateMinMax(columns: LineColumns, xMin: number, xMax: number, buckets: number): Point[] {
  const { xs, ys } = columns;
  const start = Math.max(0, columns.lowerBound(xMin) - 1);
  let after = columns.lowerBound(xMax);
  while (after < xs.length && xs[after] <= xMax) after++;
  const end = Math.min(xs.length, after + 1);
  const out: Point[] = [];
  if (end - start <= 2 * buckets || !(xMax > xMin)) {
    for (let i = start; i < end; i++) out.push({ x: xs[i], y: ys[i] });
    return out;
  }
  const width = (xMax - xMin) / buckets;
  let i = start;
  out.push({ x: xs[i], y: ys[i] });
  i++;
  while (i < end - 1) {
    const bucket = Math.floor((xs[i] - xMin) / width);
    let minIndex = -1;
    let maxIndex = -1;
    for (; i < end - 1 && Math.floor((xs[i] - xMin) / width) === bucket; i++) {
      const y = ys[i];
      if (Number.isNaN(y)) continue;
      if (minIndex < 0 || y < ys[minIndex]) minIndex = i;
      if (maxIndex < 0 || y > ys[maxIndex]) maxIndex = i;
    }
    if (minIndex < 0) continue;
    const first = Math.min(minIndex, maxIndex);
    const second = Math.max(minIndex, maxIndex);
    out.push({ x: xs[first], y: ys[first] });
    if (second !== first) out.push({ x: xs[second], y: ys[second] });
  }
  if (end - 1 > start) out.push({ x: xs[end - 1], y: ys[end - 1] });
  return out;
}

/** A line's drawn points and what they were decimated for. */
interface Decimated {
  length: number;
  xMin: number;
  xMax: number;
  buckets: number;
  points: Point[];
}

/**
 * The decimations of a chart's lines, by their columns: a line whose length, x range and width did not change is not
 * decimated again, also when the chart is handed its lines anew (a smoothing change keeps the raw lines' columns).
 */
export class DecimatedLines {
  private entries = new WeakMap<LineColumns, Decimated>();

  points(columns: LineColumns, xMin: number, xMax: number, buckets: number): Point[] {
    const done = this.entries.get(columns);
    if (done && done.length === columns.length && done.xMin === xMin && done.xMax === xMax && done.buckets === buckets) return done.points;
    const points = decimateMinMax(columns, xMin, xMax, buckets);
    this.entries.set(columns, { length: columns.length, xMin, xMax, buckets, points });
    return points;
  }

  /** The points last decimated for a line (none before its first). */
  latest(columns: LineColumns): Point[] {
    return this.entries.get(columns)?.points ?? [];
  }
}
