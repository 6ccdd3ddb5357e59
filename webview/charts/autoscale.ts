/** A y range; `clipped` says whether some data lies outside it (drawn, but off the visible range). */
export interface AxisRange {
  min: number;
  max: number;
  clipped: boolean;
}

/** How the robust range is found. */
export interface RobustRangeOptions {
  /** Work in log10 space and ignore values ≤ 0 (for a logarithmic axis). */
  log?: boolean;
  /** Quantiles that bound the bulk of the data. */
  lowQuantile?: number;
  highQuantile?: number;
  /** How far beyond the bulk data may lie and still count, as a multiple of the bulk's spread. */
  fence?: number;
  /** Margin added on each side, as a fraction of the range. */
  padding?: number;
  /** Quantiles are taken from at most this many evenly strided values (keeps 100 000-point series cheap). */
  maxSamples?: number;
}

/** A line's values: its points (only y is read), or its y column. */
export type YSeries = ArrayLike<{ y: number }> | Float64Array;

const DEFAULTS: Required<RobustRangeOptions> = { log: false, lowQuantile: 0.05, highQuantile: 0.95, fence: 1, padding: 0.05, maxSamples: 40_000 };

/**
 * The y range that shows the bulk of the data and everything near it, ignoring far outliers (a loss spike, a
 * gradient-norm blow-up): the 5–95 % quantile band widened by its own width on each side, cut to the data's
 * extent. Slow trends such as the initial loss descent stay visible; isolated spikes go off-range. With
 * `fitAll` every value is shown. `series` are point arrays or y columns. Returns null when there is nothing to scale.
 */
export function robustRange(series: readonly YSeries[], fitAll: boolean, options: RobustRangeOptions = {}): AxisRange | null {
  const o = { ...DEFAULTS, ...options };
  const values = collect(series, o.log, fitAll ? Infinity : o.maxSamples);
  if (values.length === 0) return null;
  values.sort();
  const dataMin = values[0];
  const dataMax = values[values.length - 1];
  let lo = dataMin;
  let hi = dataMax;
  if (!fitAll) {
    const qLo = quantileSorted(values, o.lowQuantile);
    const qHi = quantileSorted(values, o.highQuantile);
    const spread = qHi - qLo;
    lo = Math.max(dataMin, qLo - o.fence * spread);
    hi = Math.min(dataMax, qHi + o.fence * spread);
  }
  const clipped = lo > dataMin || hi < dataMax;
  [lo, hi] = padded(lo, hi, o.padding);
  // Padding must not invent negative values for a non-negative series (a learning rate, a norm).
  if (!o.log && dataMin >= 0) lo = Math.max(lo, 0);
  return o.log ? { min: 10 ** lo, max: 10 ** hi, clipped } : { min: lo, max: hi, clipped };
}

/** Widens a range to include the given values (reference lines such as a clip threshold). */
export function includeValues(range: AxisRange | null, values: readonly number[], log = false, padding = DEFAULTS.padding): AxisRange | null {
  const usable = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
  if (usable.length === 0) return range;
  const t = log ? Math.log10 : (v: number) => v;
  let lo = Math.min(...usable.map(t));
  let hi = Math.max(...usable.map(t));
  if (range) {
    lo = Math.min(lo, t(range.min));
    hi = Math.max(hi, t(range.max));
    if (lo === t(range.min) && hi === t(range.max)) return range;
  }
  const nonNegative = lo >= 0;
  [lo, hi] = padded(lo, hi, padding);
  if (!log && nonNegative) lo = Math.max(lo, 0);
  return log ? { min: 10 ** lo, max: 10 ** hi, clipped: range?.clipped ?? false } : { min: lo, max: hi, clipped: range?.clipped ?? false };
}

/** Linear-interpolated quantile (numpy's default) of an ascending array. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const position = Math.min(Math.max(q, 0), 1) * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

function collect(series: readonly YSeries[], log: boolean, maxSamples: number): Float64Array {
  const total = series.reduce((n, s) => n + s.length, 0);
  const stride = Math.max(1, Math.ceil(total / maxSamples));
  const out = new Float64Array(Math.ceil(total / stride) + series.length);
  let n = 0;
  for (const s of series) {
    const ys = s instanceof Float64Array ? s : null;
    const points = s as ArrayLike<{ y: number }>;
    for (let i = 0; i < s.length; i += stride) {
      const v = ys ? ys[i] : points[i].y;
      if (!Number.isFinite(v) || (log && v <= 0)) continue;
      out[n++] = log ? Math.log10(v) : v;
    }
  }
  return out.subarray(0, n);
}

// A flat series gets a band around its value, so the line sits mid-chart instead of on an edge.
function padded(lo: number, hi: number, padding: number): [number, number] {
  if (hi - lo <= Math.abs(hi) * 1e-12) {
    const half = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    return [lo - half, hi + half];
  }
  const margin = (hi - lo) * padding;
  return [lo - margin, hi + margin];
}
