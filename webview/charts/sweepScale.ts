// The sweep view's scales, colours and ordering: pure functions of the trials (the unit tests run them in Node).
import { heatColor } from '../../src/engine/train/gradNormGrid';
import type { SweepTrialView, SweepValue } from '../../src/protocol/dashboard';

/** A value axis of one swept key: numeric (linear or log) or a list of categories in first-seen order. */
export type ValueAxis =
  | { kind: 'numeric'; min: number; max: number; log: boolean }
  | { kind: 'category'; categories: string[] };

/** The axis of a swept key over the trials: log when every value is positive and they span more than a decade. */
export function valueAxis(trials: readonly SweepTrialView[], key: string): ValueAxis {
  const values = trials.map((trial) => trial.values[key]).filter((v) => v !== undefined);
  if (values.length > 0 && values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    const numbers = values as number[];
    const min = Math.min(...numbers);
    const max = Math.max(...numbers);
    return { kind: 'numeric', min, max, log: min > 0 && max / min > 10 };
  }
  return { kind: 'category', categories: [...new Set(values.map(String))] };
}

/** Where a value sits on its axis, in [0, 1] (the middle when the axis has one value). */
export function axisPosition(axis: ValueAxis, value: SweepValue | undefined): number {
  if (value === undefined) return Number.NaN;
  if (axis.kind === 'category') {
    const index = axis.categories.indexOf(String(value));
    return axis.categories.length > 1 ? index / (axis.categories.length - 1) : 0.5;
  }
  if (typeof value !== 'number') return Number.NaN;
  const f = (v: number) => (axis.log ? Math.log10(v) : v);
  return axis.max > axis.min ? (f(value) - f(axis.min)) / (f(axis.max) - f(axis.min)) : 0.5;
}

/** A trial's colour for the chosen key: the viridis scale along its axis (stopping short of the palest yellow). */
export function valueColor(axis: ValueAxis, value: SweepValue | undefined): string {
  const position = axisPosition(axis, value);
  return Number.isFinite(position) ? heatColor(0.05 + 0.8 * position) : '#888888';
}

/** A key's values as the table and legends write them: numbers with up to 4 significant digits. */
export function formatSweepValue(value: SweepValue | undefined): string {
  if (value === undefined) return '–';
  if (typeof value !== 'number') return String(value);
  if (value !== 0 && (Math.abs(value) < 1e-3 || Math.abs(value) >= 1e5)) return value.toExponential(1);
  return String(Number(value.toPrecision(4)));
}

/** What the trials table sorts by: the metric, the status, the trial number, or a swept key's value. */
export type SweepSortKey = { kind: 'metric' } | { kind: 'status' } | { kind: 'index' } | { kind: 'value'; key: string };

const STATUS_ORDER = ['running', 'finished', 'stopped', 'pruned', 'failed', 'pending'];

/** The trials sorted (a copy): ascending or descending, trials without the value last either way, ties by trial number. */
export function sortTrials(trials: readonly SweepTrialView[], by: SweepSortKey, descending: boolean): SweepTrialView[] {
  const key = (trial: SweepTrialView): number | string | null => {
    switch (by.kind) {
      case 'metric':
        return trial.metric;
      case 'status':
        return STATUS_ORDER.indexOf(trial.status);
      case 'index':
        return trial.index;
      case 'value': {
        const value = trial.values[by.key];
        return value === undefined ? null : typeof value === 'number' ? value : String(value);
      }
    }
  };
  return trials.slice().sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    if (x === null || y === null) return x === y ? a.index - b.index : x === null ? 1 : -1;
    const order = x < y ? -1 : x > y ? 1 : 0;
    return (descending ? -order : order) || a.index - b.index;
  });
}
