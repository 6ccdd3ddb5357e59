import { Rng } from '../engine/rng';
import { findSchemaNode, schemaTypes } from './schema';
import type { SweepRange, SweepSpec, SweepValue } from './sweep';

/** One trial's values by dotted config key, in the order the parameters are written. */
export type TrialValues = Record<string, SweepValue>;

/**
 * The trials of a sweep, in order. grid: every combination, the first parameter varying slowest (nested loops in the
 * order written). random: `trials` draws seeded by `seed`; per trial, per parameter in order, one uniform number
 * picks a list item or a point of the range (uniform in log space for scale log; integer keys are rounded).
 */
export function sweepTrials(spec: SweepSpec, seed: number): TrialValues[] {
  const keys = Object.keys(spec.parameters);
  if (spec.method === 'grid') {
    let combinations: TrialValues[] = [{}];
    for (const key of keys) {
      const list = spec.parameters[key] as SweepValue[];
      combinations = combinations.flatMap((partial) => list.map((value) => ({ ...partial, [key]: value })));
    }
    return combinations;
  }
  const rng = new Rng(seed);
  return Array.from({ length: spec.trials ?? 1 }, () => {
    const values: TrialValues = {};
    for (const key of keys) {
      const parameter = spec.parameters[key];
      const u = rng.uniform();
      values[key] = Array.isArray(parameter) ? parameter[Math.min(parameter.length - 1, Math.floor(u * parameter.length))] : pointOf(key, parameter, u);
    }
    return values;
  });
}

/** The number of trials a sweep plans (the grid's size, or random's `trials`). */
export function plannedTrials(spec: SweepSpec): number {
  if (spec.method === 'random') return spec.trials ?? 1;
  return Object.values(spec.parameters).reduce((total, values) => total * (Array.isArray(values) ? values.length : 1), 1);
}

function pointOf(key: string, range: SweepRange, u: number): number {
  const { min, max } = range;
  const point = range.scale === 'log' ? Math.exp(Math.log(min) + u * (Math.log(max) - Math.log(min))) : min + u * (max - min);
  const node = findSchemaNode(key.split('.'));
  const integer = node !== undefined && schemaTypes(node).includes('integer');
  return Math.min(max, Math.max(min, integer ? Math.round(point) : point));
}
