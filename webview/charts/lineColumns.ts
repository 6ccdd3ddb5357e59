import type { Point } from './series';

/**
 * One line's points as two growable Float64Array columns (x ascending): a 100 000-step line is two buffers, not
 * 100 000 objects for the garbage collector. Charts draw a decimated copy (decimate.ts); hover reads it by binary search.
 */
export class LineColumns {
  private xData: Float64Array;
  private yData: Float64Array;
  private size = 0;

  constructor(capacity = 64) {
    this.xData = new Float64Array(Math.max(1, capacity));
    this.yData = new Float64Array(Math.max(1, capacity));
  }

  static fromPoints(points: readonly Point[]): LineColumns {
    const columns = new LineColumns(points.length);
    for (const { x, y } of points) columns.push(x, y);
    return columns;
  }

  get length(): number {
    return this.size;
  }

  /** The x values (a view, valid until the next push). */
  get xs(): Float64Array {
    return this.xData.subarray(0, this.size);
  }

  /** The y values (a view, valid until the next push). */
  get ys(): Float64Array {
    return this.yData.subarray(0, this.size);
  }

  /** Makes room for `count` more points without growing again. */
  reserve(count: number): void {
    const needed = this.size + count;
    if (needed <= this.xData.length) return;
    this.xData = grown(this.xData, needed);
    this.yData = grown(this.yData, needed);
  }

  push(x: number, y: number): void {
    if (this.size === this.xData.length) {
      this.xData = grown(this.xData);
      this.yData = grown(this.yData);
    }
    this.xData[this.size] = x;
    this.yData[this.size] = y;
    this.size++;
  }

  /**
   * Appends the points whose y is drawable (finite, and > 0 on a log scale) in bulk: one copy when all are, and none
   * when the line is empty: it then adopts the columns as views (their owners only ever write past the rows they
   * handed out, and the line's first push or append grows into a buffer of its own, as the views have no spare room).
   */
  appendDrawable(xs: Float64Array, ys: Float64Array, log: boolean): void {
    let drawable = 0;
    // y - y is 0 only for a finite y (NaN and ±Infinity give NaN): a cheaper test than Number.isFinite in this loop.
    while (drawable < ys.length && ys[drawable] - ys[drawable] === 0 && (!log || ys[drawable] > 0)) drawable++;
    if (drawable === ys.length && this.size === 0 && ys.length > 0) {
      this.xData = xs;
      this.yData = ys;
      this.size = ys.length;
      return;
    }
    this.reserve(ys.length);
    if (drawable === ys.length) {
      this.xData.set(xs, this.size);
      this.yData.set(ys, this.size);
      this.size += ys.length;
      return;
    }
    for (let i = 0; i < ys.length; i++) if (Number.isFinite(ys[i]) && (!log || ys[i] > 0)) this.push(xs[i], ys[i]);
  }

  point(index: number): Point {
    return { x: this.xData[index], y: this.yData[index] };
  }

  /** A copy as chart points (for short lines and readers of single lines). */
  toPoints(): Point[] {
    return Array.from({ length: this.size }, (_, i) => this.point(i));
  }

  /** Index of the point whose x is nearest to `x`; -1 when there are none. */
  nearestIndex(x: number): number {
    if (this.size === 0) return -1;
    let lo = 0;
    let hi = this.size - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (this.xData[mid] <= x) lo = mid;
      else hi = mid;
    }
    return Math.abs(this.xData[hi] - x) < Math.abs(this.xData[lo] - x) ? hi : lo;
  }

  /** Index of the first point with x ≥ `x` (the length when there is none). */
  lowerBound(x: number): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.xData[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** A copy of `data` in a buffer twice its size, or of `size` when that is more. */
export function grown(data: Float64Array, size = 0): Float64Array<ArrayBuffer> {
  const bigger = new Float64Array(Math.max(size, data.length * 2));
  bigger.set(data);
  return bigger;
}
