import { grown } from './lineColumns';
import { EmaSmoother } from './smoothing';

/** A raw value of an earlier step, to smooth a series again from its start. */
export type ReplayStep = (index: number) => { step: number; value: number };

/**
 * One series smoothed at one weight: the steps it was computed for, their raw and smoothed values, grown as steps
 * arrive. Reading a step it already holds (same step, same raw value) costs a lookup, not a smoothing pass.
 */
export class SmoothedSeries {
  private smoother: EmaSmoother;
  private steps = new Float64Array(64);
  private raws = new Float64Array(64);
  private values = new Float64Array(64);
  private size = 0;

  constructor(private readonly weight: number) {
    this.smoother = new EmaSmoother(weight);
  }

  get length(): number {
    return this.size;
  }

  /** Makes room for `count` more steps without growing again. */
  reserve(count: number): void {
    const needed = this.size + count;
    if (needed <= this.steps.length) return;
    this.steps = grown(this.steps, needed);
    this.raws = grown(this.raws, needed);
    this.values = grown(this.values, needed);
  }

  /** The smoothed value of the `index`-th step (steps are fed in order from 0; `replay` serves a changed history). */
  at(index: number, step: number, value: number, replay: ReplayStep): number {
    if (index < this.size && this.steps[index] === step && Object.is(this.raws[index], value)) return this.values[index];
    if (index !== this.size) this.restart(index, replay);
    return this.push(step, value);
  }

  /**
   * `at` for the steps from index `start` on, in one pass: the smoothed values, read from the cache where it holds
   * them. Steps new to the cache are returned as a view of its values (nothing overwrites them: the cache only writes
   * past its length, and a restart smooths into new buffers), so a history is smoothed without a copy.
   */
  extend(start: number, steps: Float64Array, values: Float64Array, replay: ReplayStep): Float64Array {
    const out = start < this.size ? new Float64Array(steps.length) : null;
    let i = 0;
    if (out) for (; i < steps.length && start + i < this.size; i++) out[i] = this.at(start + i, steps[i], values[i], replay);
    if (out && i === steps.length) return out;
    if (start + i !== this.size) this.restart(start + i, replay);
    const from = this.size;
    const count = steps.length - i;
    this.reserve(count);
    this.steps.set(steps.subarray(i), from);
    this.raws.set(values.subarray(i), from);
    this.smoother.pushColumns(steps.subarray(i), values.subarray(i), this.values, from);
    this.size += count;
    const smoothed = this.values.subarray(from, from + count);
    if (!out) return smoothed;
    out.set(smoothed, i);
    return out;
  }

  private restart(index: number, replay: ReplayStep): void {
    this.smoother = new EmaSmoother(this.weight);
    this.steps = new Float64Array(Math.max(64, index));
    this.raws = new Float64Array(this.steps.length);
    this.values = new Float64Array(this.steps.length);
    this.size = 0;
    for (let i = 0; i < index; i++) {
      const earlier = replay(i);
      this.push(earlier.step, earlier.value);
    }
  }

  private push(step: number, value: number): number {
    if (this.size === this.steps.length) {
      this.steps = grown(this.steps);
      this.raws = grown(this.raws);
      this.values = grown(this.values);
    }
    const smoothed = this.smoother.push(step, value);
    this.steps[this.size] = step;
    this.raws[this.size] = value;
    this.values[this.size] = smoothed;
    this.size++;
    return smoothed;
  }
}

/**
 * Smoothed series per (run, series, smoothing weight), kept across rebuilds of the lines: toggling smoothing back to a
 * weight seen before reads the values instead of smoothing 100 000 steps again, and a live run smooths only its new
 * steps. Holds the series of the `weights` most recently used weights.
 */
export class SmoothingCache {
  private readonly byWeight = new Map<number, Map<string, SmoothedSeries>>();

  constructor(private readonly weights = 3) {}

  /** The cached series of `key` (e.g. "runId/train") at `weight`, empty when new. */
  series(key: string, weight: number): SmoothedSeries {
    let byKey = this.byWeight.get(weight);
    if (byKey) {
      this.byWeight.delete(weight);
    } else {
      byKey = new Map();
      while (this.byWeight.size >= this.weights) this.byWeight.delete(this.byWeight.keys().next().value as number);
    }
    this.byWeight.set(weight, byKey);
    let series = byKey.get(key);
    if (!series) {
      series = new SmoothedSeries(weight);
      byKey.set(key, series);
    }
    return series;
  }
}
