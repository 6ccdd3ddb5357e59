/** Formatting of metric values and axis ticks, shared by charts, tooltips and text summaries. */

/** A metric value in 4 significant digits: 1.234, 0.8530, 3.00e-4, 12,345. */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1000) return Math.round(value).toLocaleString('en-US');
  if (magnitude < 0.01) return value.toExponential(2);
  return value.toPrecision(4);
}

/** A compact tick label: 950, 12k, 1.5M, 0.25, 3e-4. */
export function formatTick(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e9) return `${trim(value / 1e9)}G`;
  if (magnitude >= 1e6) return `${trim(value / 1e6)}M`;
  if (magnitude >= 1e4) return `${trim(value / 1e3)}k`;
  if (magnitude < 1e-3) return value.toExponential(0);
  return trim(value);
}

/** Seconds as m:ss or h:mm:ss. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return String(seconds);
  const sign = seconds < 0 ? '-' : '';
  const total = Math.round(Math.abs(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${sign}${h}:${String(m).padStart(2, '0')}:${ss}` : `${sign}${m}:${ss}`;
}

function trim(value: number): string {
  return String(Number(value.toPrecision(3)));
}

/** Whether a logarithmic axis labels this tick: every 1–9 × 10ⁿ within a decade, 1, 2 and 5 × 10ⁿ over a few, 10ⁿ over many. */
export function isLogTickLabelled(value: number, decades: number): boolean {
  if (!(value > 0)) return false;
  const mantissa = value / 10 ** Math.floor(Math.log10(value) + 1e-9);
  const rounded = Math.round(mantissa);
  if (Math.abs(mantissa - rounded) > 1e-6 * rounded) return false;
  if (decades < 1) return true;
  return decades > 4 ? rounded === 1 : rounded === 1 || rounded === 2 || rounded === 5;
}

const DURATION_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

/** A tick spacing in seconds that reads well on a clock (10 s, 1 min, 5 min, 1 h…) giving at most `maxTicks` ticks. */
export function durationStep(rangeSeconds: number, maxTicks = 8): number {
  const wanted = rangeSeconds / Math.max(1, maxTicks);
  return DURATION_STEPS.find((step) => step >= wanted) ?? Math.ceil(wanted / 86400) * 86400;
}
