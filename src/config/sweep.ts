import Ajv, { type ValidateFunction } from 'ajv';
import { valueMessage } from './describe';
import { configSchema, findSchemaNode, schemaTypes, type JsonSchemaNode } from './schema';
import type { Problem } from './sourceMap';
import { closestMatch } from './suggest';
import type { LabConfig } from './types';

/** A swept value: what one trial sets its key to. */
export type SweepValue = number | string | boolean;
/** A swept key's values: a list, or (method random) a range to draw from. */
export type SweepRange = { min: number; max: number; scale: 'linear' | 'log' };
export type SweepParameter = SweepValue[] | SweepRange;

/** The `sweep` block with its defaults filled in. */
export interface SweepSpec {
  method: 'grid' | 'random';
  /** random only. */
  trials: number | null;
  parallel: number;
  metric: 'val_loss' | 'loss';
  /** null: the config's seed. */
  seed: number | null;
  early_stop: { at_step: number; keep: number } | null;
  /** By dotted config key, in the order written. */
  parameters: Record<string, SweepParameter>;
}

/** Grids larger than this are refused: nobody reads a table of more trials, and each one trains a model. */
export const MAX_SWEEP_TRIALS = 1000;
/** Keys a sweep may not set: the run-folder name (all trials share the config's), and the sweep block itself. */
const UNSWEEPABLE = new Set(['name', '$schema', 'sweep']);

const SWEEP = ['sweep'];
const PARAMETERS = ['sweep', 'parameters'];

/** Every key that can be swept, by dotted name, in schema order. */
export function sweepableKeys(): string[] {
  const keys: string[] = [];
  const visit = (node: JsonSchemaNode, path: string[]): void => {
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      if (path.length === 0 && UNSWEEPABLE.has(key)) continue;
      if (child.properties) visit(child, [...path, key]);
      else keys.push([...path, key].join('.'));
    }
  };
  visit(configSchema, []);
  return keys;
}

/** The sweep block of a parsed (schema-valid) config value with defaults, or null when it has none. */
export function sweepSpecOf(value: unknown): SweepSpec | null {
  const block = record(record(value)?.sweep);
  if (!block) return null;
  const early = record(block.early_stop);
  return {
    method: block.method === 'random' ? 'random' : 'grid',
    trials: typeof block.trials === 'number' ? block.trials : null,
    parallel: typeof block.parallel === 'number' ? block.parallel : 1,
    metric: block.metric === 'loss' ? 'loss' : 'val_loss',
    seed: typeof block.seed === 'number' ? block.seed : null,
    early_stop: early ? { at_step: Number(early.at_step), keep: Number(early.keep) } : null,
    parameters: Object.fromEntries(Object.entries(record(block.parameters) ?? {}).map(([key, given]) => [key, withScale(given)])) as Record<string, SweepParameter>,
  };
}

// A range's scale defaults to linear: written out, so sweep.json says how each range was drawn.
function withScale(given: unknown): unknown {
  const range = record(given);
  return range ? { ...range, scale: range.scale ?? 'linear' } : given;
}

/**
 * What the schema alone cannot say about a sweep block: every parameter names a config key and each value (or range)
 * is valid for it, method and trials agree, and early stopping and the metric fit the config. Each problem sits at
 * the key or value to change. `valid(path)` says whether the schema accepted a path of the block.
 */
export function checkSweepBlock(value: unknown, config: LabConfig, valid: (path: string[]) => boolean): Problem[] {
  const block = record(record(value)?.sweep);
  if (!block || !valid(SWEEP)) return [];
  const spec = sweepSpecOf(value) as SweepSpec;
  const problems: Problem[] = [];
  const parameters = record(block.parameters);
  if (parameters && valid(PARAMETERS)) {
    const keys = Object.keys(parameters);
    if (keys.length === 0) problems.push(error(PARAMETERS, 'value', 'no parameters: list at least one config key to sweep, e.g. optimizer.lr: [0.001, 0.003, 0.01].'));
    for (const key of keys) problems.push(...checkParameter(key, parameters[key], spec.method));
  }
  problems.push(...checkMethod(block, spec, parameters, valid));
  problems.push(...checkMetric(spec, config, valid));
  return problems;
}

function checkParameter(key: string, given: unknown, method: SweepSpec['method']): Problem[] {
  const path = [...PARAMETERS, key];
  if (UNSWEEPABLE.has(key.split('.')[0])) {
    return [error(path, 'key', `${key} cannot be swept: ${key === 'name' ? 'every trial is a run of this config, under its name' : 'it is not a training setting'}.`)];
  }
  const node = findSchemaNode(key.split('.'));
  if (!node || node.properties) return [error(path, 'key', unknownKeyMessage(key, node))];
  if (Array.isArray(given)) {
    if (given.length === 0) return [error(path, 'value', `empty list: give ${key} at least one value to try.`)];
    return given.flatMap((item, index) => {
      const at = [...path, String(index)];
      if (!['number', 'string', 'boolean'].includes(typeof item)) return [error(at, 'value', `a swept value must be a number, a string or a boolean, got ${JSON.stringify(item) ?? String(item)}.`)];
      return leafValid(key, node, item) ? [] : [error(at, 'value', valueMessage(node, item))];
    });
  }
  const range = record(given);
  if (!range) return [error(path, 'value', `expected a list of values for ${key}${method === 'random' ? ', or a range {min, max, scale: linear | log}' : ''}.`)];
  if (method !== 'random') return [error(path, 'value', `a range {min, max} is drawn from by method random; method grid needs a list of values for ${key}.`)];
  return checkRange(key, node, range, path);
}

function checkRange(key: string, node: JsonSchemaNode, range: Record<string, unknown>, path: string[]): Problem[] {
  const types = schemaTypes(node);
  if (!types.includes('number') && !types.includes('integer')) return [error(path, 'value', `${key} is not a number, so it cannot be drawn from a range: list its values instead.`)];
  const unknown = Object.keys(range).filter((k) => !['min', 'max', 'scale'].includes(k));
  if (unknown.length > 0) return unknown.map((k) => error([...path, k], 'key', `unknown key in a range; a range has min, max and scale (linear or log).`));
  const problems: Problem[] = [];
  for (const end of ['min', 'max'] as const) {
    const bound = range[end];
    if (bound === undefined) problems.push(error(path, 'value', `the range needs ${end}.`));
    else if (typeof bound !== 'number' || !leafValid(key, node, bound)) problems.push(error([...path, end], 'value', valueMessage(node, bound)));
  }
  const scale = range.scale ?? 'linear';
  if (scale !== 'linear' && scale !== 'log') problems.push(error([...path, 'scale'], 'value', `scale must be linear or log, got ${JSON.stringify(scale)}.`));
  if (problems.length > 0) return problems;
  const [min, max] = [range.min as number, range.max as number];
  if (min > max) problems.push(error([...path, 'min'], 'value', `min (${min}) is above max (${max}).`));
  else if (scale === 'log' && min <= 0) problems.push(error([...path, 'min'], 'value', `a log scale needs min > 0, got ${min}; use scale: linear, or a positive min.`));
  return problems;
}

function checkMethod(block: Record<string, unknown>, spec: SweepSpec, parameters: Record<string, unknown> | null, valid: (path: string[]) => boolean): Problem[] {
  if (spec.method === 'random') {
    return block.trials === undefined && valid([...SWEEP, 'method']) ? [error([...SWEEP, 'method'], 'value', 'method random needs trials: how many combinations to draw, e.g. trials: 8.')] : [];
  }
  if (block.trials !== undefined) return [error([...SWEEP, 'trials'], 'key', 'trials is for method random; method grid trains every combination of the lists.')];
  if (!parameters) return [];
  const sizes = Object.values(parameters).map((v) => (Array.isArray(v) ? v.length : 1));
  const total = sizes.reduce((a, b) => a * b, 1);
  return total > MAX_SWEEP_TRIALS ? [error(PARAMETERS, 'key', `the grid has ${total} combinations; a sweep trains at most ${MAX_SWEEP_TRIALS}: shorten the lists, or use method random with trials.`)] : [];
}

function checkMetric(spec: SweepSpec, config: LabConfig, valid: (path: string[]) => boolean): Problem[] {
  const problems: Problem[] = [];
  const { eval_interval: every, steps } = config.training;
  if (spec.metric === 'val_loss' && every === 0 && valid([...SWEEP, 'metric'])) {
    problems.push(error([...SWEEP, 'metric'], 'value', 'metric val_loss needs evaluations, but training.eval_interval is 0: set eval_interval, or rank by metric: loss.'));
  }
  const atStep = [...SWEEP, 'early_stop', 'at_step'];
  if (!spec.early_stop || !valid(atStep)) return problems;
  const at = spec.early_stop.at_step;
  if (at >= steps) problems.push(error(atStep, 'value', `at_step ${at} must come before the last step (training.steps is ${steps}).`));
  else if (spec.metric === 'val_loss' && every > 0 && at % every !== 0) {
    problems.push(error(atStep, 'value', `trials are compared by val_loss at step ${at}, but evaluations come every ${every} steps: use a multiple of ${every}, e.g. ${Math.max(every, Math.floor(at / every) * every)}.`));
  }
  return problems;
}

function unknownKeyMessage(key: string, node: JsonSchemaNode | undefined): string {
  if (node?.properties) {
    const inside = Object.keys(node.properties).map((k) => `${key}.${k}`);
    return `${key} is a section; sweep one of its keys: ${inside.join(', ')}.`;
  }
  const keys = sweepableKeys();
  const near = closestMatch(key, keys) ?? closestMatch(key.split('.').pop() ?? key, keys.map((k) => k.split('.').pop() ?? k));
  const full = near && !keys.includes(near) ? keys.find((k) => k.endsWith(`.${near}`) || k === near) : near;
  return `unknown config key ${key}${full ? `; did you mean "${full}"?` : '.'} Any key of the config can be swept by its dotted name, e.g. optimizer.lr or schedule.warmup_steps.`;
}

const leafValidators = new Map<string, ValidateFunction>();
let ajv: Ajv | null = null;

// Each swept key's own schema node, compiled once: a value is valid for the key exactly when the config would accept it.
function leafValid(key: string, node: JsonSchemaNode, value: unknown): boolean {
  let validate = leafValidators.get(key);
  if (!validate) {
    if (!ajv) {
      ajv = new Ajv({ strict: true, allowUnionTypes: true });
      ajv.addVocabulary(['markdownDescription', 'patternErrorMessage', 'enumDescriptions']);
    }
    validate = ajv.compile(node);
    leafValidators.set(key, validate);
  }
  return validate(value);
}

function error(path: string[], at: 'key' | 'value', message: string): Problem {
  return { path, severity: 'error', at, message };
}

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}
