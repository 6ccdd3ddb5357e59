import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { RunFolderError } from '../runFolder';

/** sweep.json's format version; a reader refuses a newer one rather than misread it. */
export const SWEEP_FORMAT_VERSION = 1;

export const SWEEP_STATUSES = ['running', 'finished', 'stopped', 'failed'] as const;
export const TRIAL_STATUSES = ['pending', 'running', 'finished', 'stopped', 'failed', 'pruned'] as const;

export type SweepStatus = (typeof SWEEP_STATUSES)[number];
/** `stopped`: stopped by the user, or waiting at early_stop.at_step for the others; `pruned`: early stopping ended it. */
export type TrialStatus = (typeof TRIAL_STATUSES)[number];
export type SweepValue = number | string | boolean;
/** A swept key's values as the config gives them: a list, or a range that random sampling draws from. */
export type SweepParameter = SweepValue[] | { min: number; max: number; scale: 'linear' | 'log' };

/** One trial: its values, its run folder (relative to the sweep's base) and how far it got. */
export interface SweepTrial {
  index: number;
  /** Empty until the trial's run folder is created. */
  run_id: string;
  run_dir: string;
  values: Record<string, SweepValue>;
  /** The sweep's metric: the final one when finished, the one at early_stop.at_step when pruned; null before any. */
  metric: number | null;
  status: TrialStatus;
  /** Optimizer steps completed. */
  step: number;
  /** Why the trial failed or was pruned, in one sentence (absent or null otherwise). */
  message?: string | null;
}

export interface SweepBest {
  run_dir: string;
  run_id: string;
  values: Record<string, SweepValue>;
  metric: number;
}

/** sweep.json: the sweep's plan, every trial's state and the best finished trial. Rewritten after every trial change. */
export interface SweepSummary {
  version: number;
  sweep_id: string;
  /** The config file, relative to the sweep's base (the folder holding `.losslab`). */
  config: string;
  config_name: string;
  method: 'grid' | 'random';
  /** Lower is better. */
  metric: 'val_loss' | 'loss';
  parameters: Record<string, SweepParameter>;
  /** The random sampling's seed (grid sweeps record it too). */
  seed: number;
  status: SweepStatus;
  started: string;
  finished: string | null;
  parallel: number;
  /** Successive halving: at `at_step` the best `keep` fraction goes on; `decided` once the others are pruned. */
  early_stop: { at_step: number; keep: number; decided: boolean } | null;
  /** Why the sweep stopped or failed, in one sentence; null otherwise. */
  message: string | null;
  /** Overrides every trial shares besides its values (e.g. training.steps from --steps). */
  overrides: Record<string, SweepValue>;
  trials: SweepTrial[];
  best: SweepBest | null;
}

const text = (maxLength = 4096) => ({ type: 'string', maxLength });
const count = { type: 'integer', minimum: 0, maximum: 2 ** 53 - 1 };
const value = { type: ['number', 'string', 'boolean'] };
// patternProperties, not additionalProperties: removeAdditional 'all' would empty a map declared the other way.
const values = { type: 'object', maxProperties: 1000, patternProperties: { '': value } };
const nullable = (schema: object) => ({ anyOf: [{ type: 'null' }, schema] });

const summarySchema = {
  type: 'object',
  required: ['version', 'sweep_id', 'config', 'config_name', 'method', 'metric', 'parameters', 'seed', 'status', 'started', 'trials', 'best'],
  properties: {
    version: { const: SWEEP_FORMAT_VERSION }, sweep_id: text(200), config: text(), config_name: text(200),
    method: { enum: ['grid', 'random'] }, metric: { enum: ['val_loss', 'loss'] },
    parameters: {
      type: 'object', maxProperties: 1000,
      patternProperties: {
        '': { anyOf: [
          { type: 'array', maxItems: 100_000, items: value },
          { type: 'object', required: ['min', 'max', 'scale'], properties: { min: { type: 'number' }, max: { type: 'number' }, scale: { enum: ['linear', 'log'] } } },
        ] },
      },
    },
    seed: count, status: { enum: SWEEP_STATUSES }, started: text(64), finished: nullable(text(64)), parallel: { type: 'integer', minimum: 1, maximum: 1024 },
    early_stop: nullable({
      type: 'object', required: ['at_step', 'keep', 'decided'],
      properties: { at_step: count, keep: { type: 'number', exclusiveMinimum: 0, maximum: 1 }, decided: { type: 'boolean' } },
    }),
    message: nullable(text()),
    overrides: values,
    trials: {
      type: 'array', maxItems: 100_000,
      items: {
        type: 'object', required: ['index', 'run_id', 'run_dir', 'values', 'metric', 'status', 'step'],
        properties: {
          index: count, run_id: text(200), run_dir: text(), values, metric: nullable({ type: 'number' }), status: { enum: TRIAL_STATUSES }, step: count,
          message: nullable(text()),
        },
      },
    },
    best: nullable({
      type: 'object', required: ['run_dir', 'run_id', 'values', 'metric'],
      properties: { run_dir: text(), run_id: text(200), values, metric: { type: 'number' } },
    }),
  },
};

let compiled: ValidateFunction | null = null;

/** "field trials.2.status must be equal to one of the allowed values (it is "done")". */
function describe(error: ErrorObject | undefined, root: unknown): string {
  if (!error) return 'is not valid';
  const path = error.instancePath.split('/').slice(1);
  let at: unknown = root;
  for (const key of path) at = typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[key] : undefined;
  if (error.keyword === 'required') return `field ${[...path, String(error.params.missingProperty)].join('.')} is missing`;
  return `${path.length > 0 ? `field ${path.join('.')}` : 'the summary'} ${error.message ?? 'is not valid'} (it is ${JSON.stringify(at)?.slice(0, 60) ?? 'undefined'})`;
}

/** sweep.json's content, checked field by field; unknown fields are dropped (a newer Loss Lab may add some). */
export function checkSweepSummary(value: unknown, file: string): SweepSummary {
  // Unknown keys are dropped, not refused, as in run.json; fields added after version 1 default below.
  compiled ??= new Ajv({ allErrors: false, strict: true, allowUnionTypes: true, removeAdditional: 'all' }).compile(summarySchema);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new RunFolderError(file, null, 'is not a Loss Lab sweep.json (expected an object with sweep_id, trials, …)');
  if ('version' in value && typeof value.version === 'number' && value.version > SWEEP_FORMAT_VERSION) {
    throw new RunFolderError(file, null, `was written by a newer Loss Lab (format version ${value.version}; this one reads ${SWEEP_FORMAT_VERSION})`);
  }
  if (!compiled(value)) throw new RunFolderError(file, null, `is not a valid sweep.json: ${describe(compiled.errors?.[0], value)}`);
  return { finished: null, parallel: 1, early_stop: null, message: null, overrides: {}, ...value } as unknown as SweepSummary;
}
